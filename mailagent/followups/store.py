"""Store helpers of the follow-up engine: create a pending draft, record an item once.

Every draft the engine writes is an ordinary ``pending`` draft (version 1, audit row
``draft.created`` with ``by=followups``), so the same review screens approve, edit or reject
it. :func:`claim` inserts the ``followups`` row for a key inside a savepoint and returns
None when the key exists already, which makes every step idempotent across runs, restarts
and several daemons.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts.prepare import from_address
from mailagent.errors import MailagentError
from mailagent.followups.render import Rendered
from mailagent.records import DraftState

__all__ = [
    "PreferenceError",
    "cancel_pending",
    "claim",
    "contact_for",
    "new_draft",
    "pending_drafts",
    "salesperson_name",
]


def claim(
    session: Session, key: str, kind: str, now: datetime, **values: Any
) -> m.FollowupItem | None:
    """Insert the item for ``key``; None if it was already there (done once, ever)."""
    if session.scalar(select(m.FollowupItem.id).where(m.FollowupItem.key == key)) is not None:
        return None
    item = m.FollowupItem(key=key, kind=kind, created_at=now, updated_at=now, **values)
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:  # another daemon claimed it first
        return None
    return item


def contact_for(session: Session, customer: m.Customer) -> m.Contact | None:
    """The customer's first contact with an address (archive order)."""
    return session.scalar(
        select(m.Contact)
        .where(m.Contact.customer_id == customer.id)
        .order_by(m.Contact.id)
        .limit(1)
    )


def salesperson_name(app: App, customer: m.Customer | None) -> str:
    email = (customer.salesperson if customer else "").lower()
    for sp in app.settings.drafts.salespeople:
        if sp.email.lower() == email:
            return sp.name or sp.email
    return email or "Export Sales Team"


def new_draft(
    session: Session,
    app: App,
    now: datetime,
    rendered: Rendered,
    *,
    intent: str,
    to: list[dict[str, str]],
    customer_id: int | None,
    notes: list[str],
    kind: str = "reply",
    thread_id: int | None = None,
    order_id: int | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    subject: str = "",
) -> m.Draft:
    """Store a pending draft (version 1) with its audit row."""
    d = m.Draft(
        kind=kind,
        intent=intent,
        language=rendered.lang,
        template=rendered.template,
        status=DraftState.PENDING,
        version=1,
        subject=rendered.subject or subject,
        body=rendered.body,
        from_addr=from_address(app.settings),
        from_name="",
        to_addrs=to,
        cc_addrs=[],
        in_reply_to=in_reply_to,
        references=references or [],
        customer_id=customer_id,
        thread_id=thread_id,
        order_id=order_id,
        notes=[*notes, *rendered.reasons],
        quote=[],
        created_at=now,
        updated_at=now,
        created_by="followups",
    )
    return q.add_draft(session, d, now, "followups", "generated", kind=kind, intent=intent)


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


class PreferenceError(MailagentError):
    """Unknown contact or occasion in a preference change; the message says which."""


def pending_drafts(
    session: Session, kind: str, **where: int
) -> list[tuple[m.FollowupItem, m.Draft]]:
    """The engine's items of ``kind`` (filtered by ``thread_id``/``order_id``) whose draft
    is still waiting for approval."""
    stmt = (
        select(m.FollowupItem, m.Draft)
        .join(m.Draft, m.Draft.id == m.FollowupItem.draft_id)
        .where(m.FollowupItem.kind == kind, m.Draft.status == DraftState.PENDING)
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(m.FollowupItem, column) == value)
    return [(i, d) for i, d in session.execute(stmt)]


def cancel_pending(
    session: Session, kind: str, reason: str, now: datetime, **where: int
) -> list[int]:
    """Reject the engine's still-pending drafts of ``kind`` (a reply came, it was paid, a newer
    step superseded it): they must never be approved by mistake. Returns the draft ids."""
    done = []
    for item, d in pending_drafts(session, kind, **where):
        item.state, item.updated_at = "cancelled", now
        item.reasons = [*item.reasons, reason]
        d.status, d.decided_at, d.decided_by, d.updated_at = (
            DraftState.REJECTED,
            now,
            "followups",
            now,
        )
        d.reject_reason = f"cancelled: {reason}"
        q.audit(
            session, "followups", "draft.rejected", now, None, draft_id=d.id, reason=d.reject_reason
        )
        done.append(d.id)
    return done
