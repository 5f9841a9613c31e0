"""Property test: the config loader on generated TOML gives a Settings or a one-line
ConfigError naming the file, never a traceback of another kind.

Documents are built from the real section and key names (plus unknown ones) with values of
every TOML type, out-of-range numbers and strings of every kind, then sometimes truncated or
sprinkled with bytes that are not UTF-8. Fixed, derandomized budget.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailagent import config
from mailagent.errors import ConfigError

BUDGET = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
NAMES = sorted({name for name, _help in config.iter_settings()})
SECTIONS = sorted({n.split(".")[0] for n in NAMES if "." in n} | {"nope"})
KEYS = sorted({n.rsplit(".", 1)[-1] for n in NAMES} | {"nope", "url", "port", "host"})

scalar = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "Mars/Base",
            "mysql://x/y",
            "sqlite:///",
            "tls",
            "plain",
            "99999",
            "zh",
            "Asia/Shanghai",
            "postgresql+psycopg://u:p@h/d",
            "a@b.example",
            "",
        ]
    ),
)
value = st.one_of(scalar, st.lists(scalar, max_size=3))


def _toml(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, datetime):
        return v.isoformat()
    return json.dumps(v)


@st.composite
def document(draw: st.DrawFn) -> bytes:
    lines = [
        f"{k} = {_toml(draw(value))}" for k in draw(st.lists(st.sampled_from(KEYS), max_size=2))
    ]
    for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=4, unique=True)):
        array = section == "imap" and draw(st.booleans())
        lines.append("[[imap.mailboxes]]" if array else f"[{section}]")
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
            lines.append(f"{key} = {_toml(draw(value))}")
    if draw(st.booleans()):
        lines.append(f"when = {_toml(datetime(2026, 1, 1, tzinfo=UTC))}")
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    mangle = draw(st.integers(0, 4))
    if mangle == 1 and data:  # truncated
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif mangle == 2:  # bytes that are not UTF-8
        at = draw(st.integers(0, len(data)))
        data = (
            data[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xd6\xd0", b"\x80\x80"]))
            + data[at:]
        )
    elif mangle == 3:
        data += b"\n[store\nurl = "
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("cfg"))


def test_loader_gives_settings_or_one_line_error(folder: Path) -> None:
    path = folder / "config.toml"

    @BUDGET
    @given(document())
    def check(data: bytes) -> None:
        path.write_bytes(data)
        try:
            loaded = config.load(path)
        except ConfigError as exc:
            text = str(exc)
            assert text.startswith(f"{path}: "), text
            assert "\n" not in text, text
            return
        assert isinstance(loaded, config.Settings)
        assert loaded.source_path == str(path)

    check()
