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

import contextlib
import dataclasses
import importlib.util
import ipaddress
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailagent.config import Settings, read_secret
from mailagent.errors import ConfigError

__all__ = [
    "connect_problems",
    "effective_lines",
    "missing_secrets",
    "path_problems",
    "value_problems",
]

LOOPBACK = ("localhost", "127.0.0.1", "::1")
_EMAIL = re.compile(r"[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;.]+")
# dialect -> (module that must be importable for each driver, default driver)
_DIALECTS = {
    "sqlite": {"": "sqlite3", "pysqlite": "sqlite3"},
    "postgresql": {"": "psycopg2", "psycopg": "psycopg", "psycopg2": "psycopg2"},
}


def _port(value: int, key: str) -> str | None:
    return None if 1 <= value <= 65535 else f"{key}: {value} is not a TCP port (1-65535)"


def _url_problem(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        return f"store.url: not a database URL ({exc})"
    dialect, _, driver = parsed.drivername.partition("+")
    drivers = _DIALECTS.get(dialect)
    if drivers is None:
        return f"store.url: database {dialect!r} is not supported (use sqlite or postgresql)"
    module = drivers.get(driver)
    if module is None:
        known = ", ".join(d for d in drivers if d)
        return f"store.url: driver {driver!r} is not supported for {dialect} ({known})"
    if importlib.util.find_spec(module) is None:
        return f"store.url: the {dialect} driver {module!r} is not installed"
    return None


def _addresses(settings: Settings) -> Iterator[tuple[str, str]]:
    yield "smtp.from_address", settings.smtp.from_address
    yield "team.quality_address", settings.team.quality_address
    for i, value in enumerate(settings.team.supervisor_addresses):
        yield f"team.supervisor_addresses[{i}]", value
    for i, value in enumerate(settings.report.recipients):
        yield f"report.recipients[{i}]", value
    for i, person in enumerate(settings.drafts.salespeople):
        yield f"drafts.salespeople[{i}].email", person.email


def value_problems(settings: Settings) -> list[str]:
    """Every value that cannot work, as ``key: problem`` (empty when all is well)."""
    found: list[str] = []
    ports = [(mb.port, f"imap.mailboxes[{i}].port") for i, mb in enumerate(settings.imap.mailboxes)]
    ports += [(settings.smtp.port, "smtp.port"), (settings.web.port, "web.port")]
    found += [p for p in (_port(v, k) for v, k in ports) if p]
    try:
        ZoneInfo(settings.team.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(
            f"team.timezone: {settings.team.timezone!r} is not an IANA time zone "
            "(e.g. Asia/Shanghai, Europe/Berlin)"
        )
    if not re.fullmatch(r"[a-z]{2}", settings.team.language):
        found.append(f"team.language: {settings.team.language!r} is not an ISO 639-1 code")
    if not settings.store.url_env:
        problem = _url_problem(settings.store.url)
        if problem:
            found.append(problem)
    if settings.smtp.security == "plain" and settings.smtp.host not in LOOPBACK:
        found.append(
            f"smtp.security: plain SMTP is only allowed on loopback (host is "
            f"{settings.smtp.host!r}); use tls or starttls"
        )
    for key, value in _addresses(settings):
        if value and not _EMAIL.fullmatch(value):
            found.append(f"{key}: {value!r} is not an e-mail address")
    for i, value in enumerate(settings.web.trusted_proxies):
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            found.append(f"web.trusted_proxies[{i}]: {value!r} is not an IP address or network")
    if settings.web.public_url and not re.match(r"https?://[^/\s]+", settings.web.public_url):
        found.append(f"web.public_url: {settings.web.public_url!r} is not an http(s) URL")
    for key in ("session_hours", "session_idle_minutes", "login_max_failures",
                "login_lockout_minutes", "login_address_failures"):  # fmt: skip
        if getattr(settings.web, key) < 1:
            found.append(f"web.{key}: must be at least 1")
    return found


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


def connect_problems(settings: Settings) -> list[tuple[str, str | None]]:
    """Log in to every IMAP mailbox and EHLO + AUTH on the SMTP server: (what, problem)."""
    from mailagent.capture.imap_auth import open_client
    from mailagent.errors import MailagentError

    results: list[tuple[str, str | None]] = []
    for mb in settings.imap.mailboxes:
        what = f"IMAP {mb.name} ({mb.username}@{mb.host}:{mb.port}, {mb.security})"
        try:
            client = open_client(mb)
        except (MailagentError, OSError) as exc:
            results.append((what, str(exc)))
            continue
        with contextlib.suppress(Exception):  # the log-in worked; logout trouble is no news
            client.logout()
        results.append((what, None))
    results.append(_smtp_check(settings))
    return results


def _smtp_check(settings: Settings) -> tuple[str, str | None]:
    import smtplib
    import ssl

    from mailagent.send.smtp import smtp_password

    s = settings.smtp
    what = f"SMTP {s.host}:{s.port} ({s.security}{', AUTH ' + s.username if s.username else ''})"
    try:
        password = smtp_password(s)
        context = (
            None if s.security == "plain" else ssl.create_default_context(cafile=s.ca_file or None)
        )
        cls = smtplib.SMTP_SSL if s.security == "tls" else smtplib.SMTP
        kwargs: dict[str, Any] = {"timeout": float(s.timeout_seconds)}
        if s.security == "tls":
            kwargs["context"] = context
        with cls(s.host, s.port, **kwargs) as conn:
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if s.username and password is not None:
                conn.login(s.username, password)
    except ConfigError as exc:
        return what, str(exc)
    except smtplib.SMTPAuthenticationError as exc:
        text = exc.smtp_error
        reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return what, f"authentication failed: {exc.smtp_code} {reason}"
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return what, f"{type(exc).__name__}: {exc}"
    return what, None


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
