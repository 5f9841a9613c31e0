"""Log-in throttling per (account, real client address), kept in the store.

Why per pair: behind the recommended reverse proxy every request used to come from
127.0.0.1, so a per-address lock let one stranger lock the whole team out, and a
per-account lock let anyone lock a colleague out. Here:

* **(account, address)**: after ``web.login_max_failures`` failures the pair is locked for
  30 s, and each further failure doubles the lock, up to ``web.login_lockout_minutes``.
  A success clears the pair. Someone guessing from another address does not lock you out.
* **address**: after ``web.login_address_failures`` failures from one address (any
  accounts) within the window, each account gets at most one more failed try from there
  until the window passes. An account with no failures from that address is never blocked,
  so colleagues behind the same proxy who type their password right still log in.
* Failures older than the window are forgotten. The rows live in ``login_throttle``, so
  the limits survive restarts and hold across several web processes; :func:`unlock` (the
  admin page and ``mailagent users unlock``) lifts them.

Addresses are the real client addresses (``mailagent.web.proxy`` believes forwarded
headers only from ``web.trusted_proxies``). Pure decisions, stored state; renders nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db.queries import aware

__all__ = ["FIRST_LOCK", "LoginThrottle", "Verdict", "lock_seconds", "unlock"]

log = logging.getLogger(__name__)

FIRST_LOCK = 30.0  # seconds, doubled with each failure past the limit


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds
    reason: str = ""  # "account" | "address" when refused


def lock_seconds(failures: int, limit: int, cap: float) -> float:
    """Exponential back-off: 0 below ``limit``, then 30 s, 60 s, 120 s, ... up to ``cap``."""
    if failures < limit:
        return 0.0
    return min(FIRST_LOCK * 2.0 ** min(failures - limit, 30), cap)


def _norm(email: str) -> str:
    return email.strip().lower()[:320]


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    app: App
    max_failures: int
    address_failures: int
    window: timedelta

    @classmethod
    def of(cls, app: App) -> LoginThrottle:
        web = app.settings.web
        return cls(
            app=app,
            max_failures=max(1, web.login_max_failures),
            address_failures=max(1, web.login_address_failures),
            window=timedelta(minutes=max(1, web.login_lockout_minutes)),
        )

    @staticmethod
    def _pair(email: str, client: str) -> str:
        return f"a:{client[:64]}|{_norm(email)}"

    @staticmethod
    def _addr(client: str) -> str:
        return f"c:{client[:64]}"

    def _live(self, row: m.LoginThrottle | None, now: datetime) -> m.LoginThrottle | None:
        if row is None or now - aware(row.last_failure_at) > self.window:
            return None
        return row

    def check(self, email: str, client: str) -> Verdict:
        """May this (account, address) try a password now?"""
        now = self.app.clock()
        with self.app.sessions() as session:
            pair = self._live(session.get(m.LoginThrottle, self._pair(email, client)), now)
            addr = self._live(session.get(m.LoginThrottle, self._addr(client)), now)
        if pair is None:
            return Verdict(True)
        if pair.locked_until is not None and aware(pair.locked_until) > now:
            wait = (aware(pair.locked_until) - now).total_seconds()
            return Verdict(False, int(wait) + 1, "account")
        if addr is not None and addr.failures >= self.address_failures:
            wait = (aware(pair.last_failure_at) + self.window - now).total_seconds()
            return Verdict(False, int(wait) + 1, "address")
        return Verdict(True)

    def failed(self, email: str, client: str) -> None:
        for _ in range(3):  # another web process may insert the same key at once
            try:
                with self.app.sessions() as session, session.begin():
                    self._count(session, self._pair(email, client), lock=True)
                    self._count(session, self._addr(client), lock=False)
                    self._forget(session)
                return
            except IntegrityError:
                continue
        log.warning("log-in throttle for %s from %s not recorded (contention)", email, client)

    def _count(self, session: Session, key: str, *, lock: bool) -> None:
        now = self.app.clock()
        row = session.get(m.LoginThrottle, key, with_for_update=True)
        if row is None:
            row = m.LoginThrottle(key=key, failures=0, last_failure_at=now)
            session.add(row)
        elif self._live(row, now) is None:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        if lock:
            cap = self.window.total_seconds()
            wait = lock_seconds(row.failures, self.max_failures, cap)
            row.locked_until = now + timedelta(seconds=wait) if wait else None
        session.flush()

    def _forget(self, session: Session) -> None:
        """Drop entries older than the window (their failures no longer count): the table
        stays as small as the recent failures, however many names an attacker tries."""
        cutoff = self.app.clock() - self.window
        session.execute(
            delete(m.LoginThrottle).where(
                m.LoginThrottle.last_failure_at < cutoff,
                or_(m.LoginThrottle.locked_until.is_(None), m.LoginThrottle.locked_until < cutoff),
            )
        )

    def succeeded(self, email: str, client: str) -> None:
        with self.app.sessions() as session, session.begin():
            session.execute(
                delete(m.LoginThrottle).where(m.LoginThrottle.key == self._pair(email, client))
            )


def unlock(app: App, *, email: str | None = None, address: str | None = None) -> int:
    """Lift the locks of an account (every address) and/or of an address; returns rows removed."""
    clauses: list[ColumnElement[bool]] = []
    if email:
        escaped = _norm(email).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(m.LoginThrottle.key.like("a:%|" + escaped, escape="\\"))
    if address:
        clauses.append(m.LoginThrottle.key == f"c:{address}")
        clauses.append(m.LoginThrottle.key.like(f"a:{address}|%"))
    if not clauses:
        return 0
    with app.sessions() as session, session.begin():
        result = session.execute(delete(m.LoginThrottle).where(or_(*clauses)))
        return int(getattr(result, "rowcount", 0) or 0)
