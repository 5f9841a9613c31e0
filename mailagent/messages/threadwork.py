"""Work on conversations: assign an owner, snooze, mark done, reopen, junk, mark read.

Shared by the web UI (one thread or a bulk selection) and the CLI (``mailagent threads``).
Each action takes thread ids, writes ``thread_states`` in one IMMEDIATE transaction and
records an audit event per thread (on the thread's latest message, ``detail.thread`` naming
the thread), so the thread page's audit trail shows who did what and when. Junk / not junk
go through the relevance gate's own correction (``messages.relevance.correct``) for each
customer message of the thread. Callers check visibility first
(``conversations.visible_threads``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.errors import MailagentError, NotFound
from mailagent.messages.relevance import ACTIONS as RELEVANCE_ACTIONS
from mailagent.messages.relevance import correct

__all__ = [
    "OWNER_ROLES",
    "SNOOZE_CHOICES",
    "ThreadWorkError",
    "assign",
    "mark_done",
    "mark_read",
    "relevance",
    "reopen",
    "snooze",
    "snooze_target",
    "team",
]

OWNER_ROLES = ("sales", "supervisor")


class ThreadWorkError(MailagentError):
    """The action cannot be done; the message says why."""


SNOOZE_CHOICES = ("reply", "1d", "3d", "7d")
_MORNING = time(8, 0)  # a snooze for some days ends at 08:00 in the team's time zone


def snooze_target(
    choice: str, day: date | None, now: datetime, timezone: str
) -> tuple[datetime | None, bool]:
    """``(until, until_reply)`` for a snooze choice ("reply", "1d", "3d", "7d") or a day
    (which wins: 08:00 that day in the team's time zone). Pure."""
    tz = ZoneInfo(timezone or "UTC")
    if day is not None:
        return datetime.combine(day, _MORNING, tz).astimezone(UTC), False
    if choice == "reply":
        return None, True
    if choice in SNOOZE_CHOICES:
        local = now.astimezone(tz).date() + timedelta(days=int(choice[:-1]))
        return datetime.combine(local, _MORNING, tz).astimezone(UTC), False
    raise ThreadWorkError(f"unknown snooze {choice!r} / 未知的稍后提醒选项")


def team(app: App) -> list[tuple[str, str]]:
    """Who can own a thread: active sales and supervisor users as (e-mail, name)."""
    with app.sessions() as session:
        rows = session.execute(
            select(m.User.email, m.User.display_name)
            .where(m.User.active.is_(True), m.User.role.in_(OWNER_ROLES))
            .order_by(m.User.display_name, m.User.email)
        ).all()
    return [(email, name or email) for email, name in rows]


def _ids(thread_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(int(t) for t in thread_ids))
    if not ids:
        raise ThreadWorkError("no conversation selected / 未选择会话")
    return ids


def _state(session: Session, thread_id: int, now: datetime, actor: str) -> m.ThreadState:
    if session.get(m.Thread, thread_id) is None:
        raise NotFound(f"no thread with id {thread_id}")
    row = session.get(m.ThreadState, thread_id)
    if row is None:
        row = m.ThreadState(thread_id=thread_id, owner="", snooze_until_reply=False)
        session.add(row)
    row.updated_at, row.updated_by = now, actor
    return row


def _audit(
    session: Session, thread_id: int, actor: str, action: str, now: datetime, **detail: object
) -> None:
    latest = session.scalar(select(func.max(m.Message.id)).where(m.Message.thread_id == thread_id))
    q.audit(session, actor, action, now, latest, thread=thread_id, **detail)


def assign(app: App, thread_ids: Iterable[int], owner: str, actor: str) -> int:
    """Make ``owner`` (a team user's e-mail; "" for nobody) the owner; returns how many."""
    ids, now = _ids(thread_ids), app.clock()
    owner = owner.strip().lower()
    if owner and owner not in {email.lower() for email, _n in team(app)}:
        raise ThreadWorkError(f"{owner} is not an active salesperson or supervisor / 不是团队成员")
    with app.sessions() as session, session.begin():
        for tid in ids:
            row = _state(session, tid, now, actor)
            previous, row.owner = row.owner, owner
            _audit(session, tid, actor, "thread.assigned", now, owner=owner, previous=previous)
    return len(ids)


def snooze(
    app: App,
    thread_ids: Iterable[int],
    actor: str,
    *,
    until: datetime | None = None,
    until_reply: bool = False,
) -> int:
    """Snooze until ``until`` or (``until_reply``) until the customer writes again; a
    customer message ends any snooze early. Returns how many threads."""
    ids, now = _ids(thread_ids), app.clock()
    if not until_reply and (until is None or until.astimezone(UTC) <= now):
        raise ThreadWorkError("snooze needs a time in the future / 稍后提醒的时间须在将来")
    with app.sessions() as session, session.begin():
        for tid in ids:
            row = _state(session, tid, now, actor)
            row.snoozed_at = now
            row.snoozed_until = None if until_reply or until is None else until.astimezone(UTC)
            row.snooze_until_reply = until_reply
            row.done_at = row.done_by = None
            when = "reply" if until_reply else row.snoozed_until.isoformat()  # type: ignore[union-attr]
            _audit(session, tid, actor, "thread.snoozed", now, until=when)
    return len(ids)


def mark_done(app: App, thread_ids: Iterable[int], actor: str) -> int:
    """Close the threads (until the customer writes again)."""
    ids, now = _ids(thread_ids), app.clock()
    with app.sessions() as session, session.begin():
        for tid in ids:
            row = _state(session, tid, now, actor)
            row.done_at, row.done_by = now, actor
            row.snoozed_at = row.snoozed_until = None
            row.snooze_until_reply = False
            _audit(session, tid, actor, "thread.done", now)
    return len(ids)


def reopen(app: App, thread_ids: Iterable[int], actor: str) -> int:
    """Back into the inbox: the snooze and done state are cleared."""
    ids, now = _ids(thread_ids), app.clock()
    with app.sessions() as session, session.begin():
        for tid in ids:
            row = _state(session, tid, now, actor)
            row.done_at = row.done_by = None
            row.snoozed_at = row.snoozed_until = None
            row.snooze_until_reply = False
            _audit(session, tid, actor, "thread.reopened", now)
    return len(ids)


def relevance(app: App, thread_ids: Iterable[int], action: str, actor: str) -> int:
    """Junk / not junk / phishing for every customer message of the threads (the relevance
    gate's correction, audited and learnt from there); returns how many messages changed."""
    if action not in RELEVANCE_ACTIONS:
        raise ThreadWorkError(f"unknown action {action!r}")
    ids = _ids(thread_ids)
    target = RELEVANCE_ACTIONS[action].value
    with app.sessions() as session:
        pks = list(
            session.scalars(
                select(m.Message.id)
                .where(m.Message.thread_id.in_(ids), m.Message.direction == "inbound")
                .where(m.Message.relevance.is_(None) | (m.Message.relevance != target))
                .order_by(m.Message.id)
            )
        )
    for pk in pks:
        correct(app, pk, action, actor)
    return len(pks)


def mark_read(app: App, thread_id: int, user_email: str) -> None:
    """``user_email`` has seen the thread as it is now (not audited: reading is no action)."""
    now, email = app.clock(), user_email.lower()
    with app.sessions() as session, session.begin():
        row = session.scalar(
            select(m.ThreadRead).where(
                m.ThreadRead.thread_id == thread_id, m.ThreadRead.user_email == email
            )
        )
        if row is None:
            session.add(m.ThreadRead(thread_id=thread_id, user_email=email, read_at=now))
        else:
            row.read_at = now
