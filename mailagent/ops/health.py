"""Liveness and readiness, computed from the store so any process (web, CLI) can answer.

The daemon records each mailbox's last successful poll and last connection error
(:func:`record_poll`, :func:`record_error`); :func:`readiness` turns those, the triage queue,
the outbox and the quarantine into a :class:`Readiness` of named checks. ``public()`` is the
JSON body of ``GET /readyz``: states and numbers only, never mail data or error text (the
error text is for ``mailagent status``, which runs with the operator's own rights).
"""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.records import OutboxState

__all__ = ["Check", "Readiness", "readiness", "record_error", "record_poll"]

log = logging.getLogger(__name__)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else q.aware(value)


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check: ``ok``, numbers safe to publish, and a private ``detail``."""

    name: str
    ok: bool
    values: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # for the terminal only (may name hosts, errors)


@dataclass(frozen=True, slots=True)
class Readiness:
    checks: tuple[Check, ...]
    at: datetime

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def public(self) -> dict[str, Any]:
        """The ``/readyz`` body: no mail data, no error text."""
        return {
            "status": "ok" if self.ok else "unhealthy",
            "at": self.at.isoformat(),
            "checks": {c.name: {"ok": c.ok, **c.values} for c in self.checks},
        }


_LAST_WRITE: weakref.WeakKeyDictionary[Engine, dict[str, float]] = weakref.WeakKeyDictionary()


def record_poll(app: App, mailbox: str) -> None:
    """Remember that ``mailbox`` was polled successfully now.

    The worker calls this after every poll (every few seconds under IDLE); the row is
    written at most every quarter of ``ops.poll_stale_min_seconds`` (15 s at most), which
    keeps /readyz exact enough without a write per IDLE slice.
    """
    every = min(15.0, app.settings.ops.poll_stale_min_seconds / 4)
    written = _LAST_WRITE.setdefault(app.engine, {})
    tick = time.monotonic()
    if tick - written.get(mailbox, -1e9) < every:
        return
    now = app.clock()
    with app.sessions() as session, session.begin():
        box = q.get_or_create_mailbox(session, mailbox)
        box.last_poll_at = now
    written[mailbox] = tick


def record_error(app: App, mailbox: str, error: str) -> None:
    """Remember the last connection failure of ``mailbox`` (never raises)."""
    try:
        with app.sessions() as session, session.begin():
            box = q.get_or_create_mailbox(session, mailbox)
            box.last_error, box.last_error_at = error[:2000], app.clock()
        _LAST_WRITE.get(app.engine, {}).pop(mailbox, None)  # the next success is written at once
    except SQLAlchemyError:
        log.warning("mailbox %s: could not record the poll error", mailbox)


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


def _mailbox_checks(app: App, now: datetime) -> list[Check]:
    ops = app.settings.ops
    with app.sessions() as session:
        rows = {b.name: b for b in session.scalars(select(m.Mailbox))}
    checks = []
    for mb in app.settings.imap.mailboxes:
        limit = max(ops.poll_stale_factor * mb.poll_seconds, ops.poll_stale_min_seconds)
        box = rows.get(mb.name)
        polled = _aware(box.last_poll_at) if box else None
        failed = _aware(box.last_error_at) if box else None
        age = _age(now, polled)
        failing = failed is not None and (polled is None or failed > polled)
        ok = age is not None and age <= limit and not failing
        if failing and box is not None:
            detail = f"failing since {failed:%Y-%m-%d %H:%M:%S}Z: {box.last_error}"
        elif age is None:
            detail = "never polled (is `mailagent run` running?)"
        else:
            detail = f"last poll {age:.0f} s ago (limit {limit} s)"
        values = {"last_poll_age_seconds": age, "limit_seconds": limit, "failing": failing}
        checks.append(Check(f"mailbox:{mb.name}", ok, values, detail))
    return checks


def _queue_checks(app: App, now: datetime) -> list[Check]:
    ops = app.settings.ops
    stuck_before = now - timedelta(seconds=ops.outbox_stuck_seconds)
    with app.sessions() as session:
        pending, oldest = session.execute(
            select(func.count(), func.min(m.Message.created_at)).where(m.Message.status == "new")
        ).one()
        stuck = session.scalar(
            select(func.count())
            .select_from(m.Outbox)
            .where(
                or_(
                    (m.Outbox.state == OutboxState.SENDING)
                    & (m.Outbox.sending_since < stuck_before),
                    (m.Outbox.state == OutboxState.QUEUED)
                    & (m.Outbox.next_attempt_at < stuck_before),
                )
            )
        )
        unconfirmed = session.scalar(
            select(func.count())
            .select_from(m.Outbox)
            .where(m.Outbox.state == OutboxState.UNCONFIRMED)
        )
        quarantined = session.scalar(
            select(func.count()).select_from(m.Quarantine).where(m.Quarantine.resolved_at.is_(None))
        )
    age = _age(now, _aware(oldest))
    triage_ok = age is None or age <= ops.triage_max_age_seconds
    return [
        Check(
            "triage_queue",
            triage_ok,
            {"pending": int(pending), "oldest_age_seconds": age},
            f"{pending} waiting, oldest {age or 0:.0f} s (limit {ops.triage_max_age_seconds} s)",
        ),
        Check(
            "outbox",
            not stuck,
            {"stuck": int(stuck or 0), "unconfirmed": int(unconfirmed or 0)},
            f"{stuck} stuck, {unconfirmed} unconfirmed (need a person)",
        ),
        # informational: quarantined mail is safe, it needs a look, not a restart
        Check("quarantine", True, {"open": int(quarantined or 0)}, f"{quarantined} open"),
    ]


def readiness(app: App) -> Readiness:
    """Check the database, every configured mailbox, the triage queue, outbox and quarantine."""
    now = q.aware(app.clock())
    try:
        with app.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return Readiness((Check("database", False, {}, f"unreachable: {reason}"),), now)
    try:
        checks = [Check("database", True, {}, "reachable")]
        checks += _mailbox_checks(app, now)
        checks += _queue_checks(app, now)
    except SQLAlchemyError as exc:
        log.warning("readiness: query failed: %s", exc)
        return Readiness((Check("database", False, {}, f"query failed: {exc}"),), now)
    return Readiness(tuple(checks), now)
