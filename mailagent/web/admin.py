"""What the admin page shows: the rules check and the effective settings (never secrets).

The rules check runs ``mailagent.ruleset.check`` on the configured rules directory, exactly
like ``mailagent rules check``. Settings are listed with their help text; values that could
carry a secret (a password inside the database URL) are masked, and secrets themselves are
never in the settings at all (only the names of the variables or files that hold them).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from mailagent.app import App
from mailagent.config import Settings
from mailagent.errors import RulesError
from mailagent.triage.rules.ruleset import check

__all__ = ["RulesReport", "SettingRow", "rules_report", "settings_rows"]


@dataclass(frozen=True, slots=True)
class RulesReport:
    ok: bool
    directory: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SettingRow:
    name: str
    value: str
    help: str


def rules_report(app: App) -> RulesReport:
    """Load and validate the rules as the daemon does; problems are reported, not raised."""
    directory = app.settings.rules_dir
    try:
        lines = check(Path(directory))
    except RulesError as exc:
        return RulesReport(False, directory, tuple(str(exc).splitlines()))
    return RulesReport(True, directory, tuple(lines))


def _mask_url(value: str) -> str:
    try:
        return make_url(value).render_as_string(hide_password=True)
    except ArgumentError:
        return value


def _walk(obj: Any, prefix: str) -> typing.Iterator[SettingRow]:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from _walk(value, name + ".")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                yield from _walk(item, f"{name}[{i}].")
        elif f.name != "source_path":
            text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            if name == "store.url":
                text = _mask_url(text)
            yield SettingRow(name, text, f.metadata.get("help", ""))


def settings_rows(settings: Settings) -> list[SettingRow]:
    """Every effective setting with its help text, in declaration order."""
    return list(_walk(settings, ""))
