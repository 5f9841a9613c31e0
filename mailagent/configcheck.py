"""Value checks of the settings, secret presence, effective values (masked) and live checks.

``config.load`` checks types; :func:`value_problems` checks that the values can work: ports in
1..65535, an IANA time zone, a database URL of an installed, supported dialect, transport
security that matches the host (plain only on loopback), e-mail addresses that are addresses,
proxy networks that parse. ``load`` raises the first problem as one ``file: key: problem``
line, so no command starts on a config that would traceback later. ``mailagent config check``
adds what is only true at run time (paths that must exist, secrets that must be set, and with
``--connect`` an IMAP log-in and an SMTP EHLO + AUTH) and prints the effective settings with
anything secret masked. Only :func:`connect_problems` touches the network.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mailagent.config import Settings, read_secret
from mailagent.configvalues import value_problems
from mailagent.errors import ConfigError

__all__ = [
    "effective_lines",
    "missing_secrets",
    "path_problems",
    "value_problems",
]


def path_problems(settings: Settings) -> list[str]:
    """Files and directories the settings name that do not exist."""
    found = []
    wanted: list[tuple[str, str, bool]] = [
        ("rules_dir", settings.rules_dir, True),
        ("templates_dir", settings.templates_dir, True),
        ("drafts.pricelist_path", settings.drafts.pricelist_path, False),
        ("smtp.ca_file", settings.smtp.ca_file, False),
    ]
    for i, mb in enumerate(settings.imap.mailboxes):
        wanted.append((f"imap.mailboxes[{i}].ca_file", mb.ca_file, False))
    for key, value, is_dir in wanted:
        if not value:
            continue
        path = Path(value)
        if is_dir and not path.is_dir():
            found.append(f"{key}: directory {value} does not exist")
        elif not is_dir and not path.is_file():
            found.append(f"{key}: file {value} does not exist")
    return found


def missing_secrets(settings: Settings) -> list[str]:
    """Secrets the settings need that are not set (names only, never values)."""
    found = []
    for i, mb in enumerate(settings.imap.mailboxes):
        if mb.auth == "xoauth2":
            env, file, what = mb.oauth_token_env, mb.oauth_token_file, "OAuth access token"
        else:
            env, file, what = mb.password_env, mb.password_file, "password"
        try:
            value = read_secret(env, file, what=f"imap.mailboxes[{i}]")
        except ConfigError as exc:
            found.append(str(exc))
            continue
        if not value:
            setting = "oauth_token_file" if mb.auth == "xoauth2" else "password_file"
            found.append(
                f"imap.mailboxes[{i}] ({mb.name}): no IMAP {what}: set the environment "
                f"variable {env or '(none)'} or {setting}"
            )
    smtp = settings.smtp
    if smtp.username:
        try:
            value = read_secret(smtp.password_env, smtp.password_file, what="smtp")
        except ConfigError as exc:
            found.append(str(exc))
        else:
            if not value:
                found.append(
                    f"smtp: no password for {smtp.username}: set the environment variable "
                    f"{smtp.password_env or '(none)'} or smtp.password_file"
                )
    if settings.store.url_env and not os.environ.get(settings.store.url_env):
        found.append(f"store.url_env: environment variable {settings.store.url_env} is not set")
    return found


def _walk(obj: Any, prefix: str) -> Iterator[tuple[str, str, bool]]:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from _walk(value, name + ".")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                yield from _walk(item, f"{name}[{i}].")
        elif f.name != "source_path":
            yield name, _show(name, value), bool(f.metadata.get("secret"))


def _show(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    if name == "store.url":
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return repr(make_url(value).render_as_string(hide_password=True))
        except (ArgumentError, ValueError):
            return repr(value)
    return (
        repr(value)
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


def effective_lines(settings: Settings) -> list[str]:
    """``key = value`` for every setting; secret-bearing settings show where the secret comes
    from and whether it is set, never the secret (the URL's password is masked too)."""
    lines = []
    for name, shown, secret in _walk(settings, ""):
        if secret and name.endswith("_env"):
            raw = shown.strip("'")
            state = "set" if raw and os.environ.get(raw) else "not set"
            shown = f"{shown}  (${raw or '-'}: {state})" if raw else shown
        elif secret and name.endswith("_file"):
            raw = shown.strip("'")
            shown = (
                f"{shown}  ({'exists' if raw and Path(raw).is_file() else 'missing'})"
                if raw
                else shown
            )
        lines.append(f"{name} = {shown}")
    return lines
