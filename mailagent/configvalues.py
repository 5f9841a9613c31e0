"""Value checks of the settings: can these values work at all?

Ports in 1..65535, an IANA time zone, a database URL of an installed, supported dialect,
transport security that matches the host (plain only on loopback), e-mail addresses that
are addresses, proxy networks that parse. ``config.load`` raises the first problem as one
``file: key: problem`` line; ``mailagent config check`` lists them all (``configcheck``).
Pure: reads nothing but the settings and the installed modules.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from mailagent.config import Settings

__all__ = ["LOOPBACK", "value_problems"]

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
        installed = [d for d, mod in drivers.items() if d and importlib.util.find_spec(mod)]
        hint = f"; use {dialect}+{installed[0]}://" if installed else ""
        return f"store.url: the {dialect} driver {module!r} is not installed{hint}"
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
    if settings.imap.lease_seconds < 2:
        found.append("imap.lease_seconds: must be at least 2")
    for key in ("session_hours", "session_idle_minutes", "login_max_failures",
                "login_lockout_minutes", "login_address_failures"):  # fmt: skip
        if getattr(settings.web, key) < 1:
            found.append(f"web.{key}: must be at least 1")
    return found
