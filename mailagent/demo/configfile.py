"""Write settings as a ``config.toml``: the demo leaves one next to its store.

Only values that differ from the defaults are written (with a header saying where the file
came from), so ``mailagent --config store/demo/config.toml messages list`` opens exactly the
store the demo filled. Strings are written as TOML basic strings (JSON escapes are valid
TOML), lists of sections as arrays of tables. Nothing here reads or writes anything else.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mailagent.config import Settings

__all__ = ["settings_toml", "write_config"]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _section(obj: Any, default: Any, name: str, out: list[str], *, array: bool = False) -> None:
    scalars: list[str] = []
    nested: list[tuple[str, Any, Any]] = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.name == "source_path":
            continue
        if dataclasses.is_dataclass(value):
            nested.append((f.name, value, getattr(default, f.name)))
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            nested.append((f.name, value, None))
        elif array or value != getattr(default, f.name):
            scalars.append(f"{f.name} = {_value(value)}")
    if scalars or array:
        if name:
            out.append(f"\n[[{name}]]" if array else f"\n[{name}]")
        out.extend(scalars)
    for key, value, sub_default in nested:
        full = f"{name}.{key}" if name else key
        if isinstance(value, list):
            for item in value:
                _section(item, type(item)(), full, out, array=True)
        else:
            _section(value, sub_default, full, out)


def settings_toml(settings: Settings, header: str = "") -> str:
    out = [f"# {line}" for line in header.splitlines()]
    _section(settings, Settings(), "", out)
    return "\n".join(out).strip() + "\n"


def write_config(settings: Settings, path: Path, header: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(settings_toml(settings, header), encoding="utf-8")
    return path
