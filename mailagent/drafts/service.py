"""Use cases for reply drafts: prepare, list, show, edit, approve, reject, send.

The CLI (``mailagent drafts ...``) and the web UI call these same functions. Every state
change is one transaction with an ``audit_events`` row (who, when, what). States:
``pending`` (prepared, waiting for a salesperson) -> ``approved`` (queued in the outbox with
its final Message-ID) -> ``sent`` or ``failed``; ``rejected`` at any point before sending.
Editing keeps every version (``draft_versions``) and takes an approved or failed draft back
to ``pending``. A draft still holding a ``[[...]]`` placeholder (an unpriced quote line, a
lead time to confirm) cannot be approved: prices are never invented. Preparing drafts is in
:mod:`mailagent.drafting_prepare`, delivery in :mod:`mailagent.outbox` and
:mod:`mailagent.smtp`, rendering in :mod:`mailagent.templating`, the decisions in
:mod:`mailagent.stages.draft`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts.attachments import AttachmentError, check_size
from mailagent.drafts.outgoing import hooks
from mailagent.drafts.prepare import (
    from_address,
    prepare_drafts,
    queue_outbox,
    refresh_auto_relays,
)
from mailagent.errors import MailagentError, NotFound
from mailagent.records import DeliveryOutcome, DraftState, OutboxState
from mailagent.send import outbox

__all__ = [
    "DraftDetail",
    "DraftStateError",
    "DraftSummary",
    "approve",
    "display_address",
    "edit_draft",
    "get_draft",
    "list_drafts",
    "prepare_drafts",
    "reject",
    "send_approved",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")

PLACEHOLDER = re.compile(r"\[\[[^\[\]]{0,400}\]\]")
STATES = tuple(DraftState)


class DraftStateError(MailagentError):
    """The draft is not in a state that allows this action; the message says why."""


@dataclass(frozen=True, slots=True)
class DraftSummary:
    id: int
    status: DraftState
    kind: str
    intent: str
    language: str
    subject: str
    to: tuple[str, ...]
    customer: str
    message_pk: int | None
    version: int
    updated_at: datetime
    error: str | None
    delivery: OutboxState | None  # None before approval


@dataclass(frozen=True, slots=True)
class DraftDetail:
    summary: DraftSummary
    body: str
    cc: tuple[str, ...]
    from_: str
    reference: str
    template: str
    notes: tuple[str, ...]
    quote: tuple[dict[str, Any], ...]
    message_id: str | None
    attempts: int
    smtp_response: str | None
    versions: tuple[tuple[int, str, datetime, str], ...]  # (version, actor, when, note)
    audit: tuple[tuple[datetime, str, str, dict[str, Any]], ...] = field(default=())
    thread_note: str | None = None  # why superseded/closed/held, or "new mail since you edited"
    conflict_draft_id: int | None = None  # the other side of a pending choice
    superseded_by: int | None = None
    answers: tuple[int, ...] = ()  # the customer messages this reply answers
    bcc: tuple[str, ...] = ()


def display_address(a: dict[str, str]) -> str:
    return f"{a['name']} <{a['email']}>" if a.get("name") else a["email"]


def _summary(session: Session, d: m.Draft) -> DraftSummary:
    customer = session.get(m.Customer, d.customer_id) if d.customer_id else None
    ob = _outbox(session, d.id)
    return DraftSummary(
        id=d.id,
        status=d.status,
        kind=d.kind,
        intent=d.intent,
        language=d.language,
        subject=d.subject,
        to=tuple(display_address(a) for a in d.to_addrs),
        customer=customer.name if customer else "",
        message_pk=d.message_pk,
        version=d.version,
        updated_at=d.updated_at,
        error=d.error,
        delivery=ob.state if ob else None,
    )


def _outbox(session: Session, draft_id: int) -> m.Outbox | None:
    return session.scalar(select(m.Outbox).where(m.Outbox.draft_id == draft_id))


def _load(session: Session, draft_id: int) -> m.Draft:
    d = session.get(m.Draft, draft_id)
    if d is None:
        raise NotFound(f"no draft with id {draft_id}")
    return d


def list_drafts(
    app: App, status: DraftState | None = None, *, intent: str | None = None, limit: int = 100
) -> list[DraftSummary]:
    """Drafts, newest first, optionally filtered by status and intent."""
    stmt = select(m.Draft).order_by(m.Draft.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(m.Draft.status == status)
    if intent:
        stmt = stmt.where(m.Draft.intent == intent)
    with app.sessions() as session:
        return [_summary(session, d) for d in session.scalars(stmt)]


def get_draft(app: App, draft_id: int) -> DraftDetail:
    """One draft with its body, recipients, notes, versions and audit trail."""
    with app.sessions() as session:
        d = _load(session, draft_id)
        ob = _outbox(session, d.id)
        versions = session.scalars(
            select(m.DraftVersion)
            .where(m.DraftVersion.draft_id == d.id)
            .order_by(m.DraftVersion.version)
        )
        by_message = (
            m.AuditEvent.message_pk == d.message_pk
            if d.message_pk is not None
            else m.AuditEvent.message_pk.is_(None)
        )
        events = session.scalars(
            select(m.AuditEvent)
            .where(m.AuditEvent.action.like("draft.%"), by_message)
            .order_by(m.AuditEvent.id)
        )
        trail = tuple(
            (e.at, e.actor, e.action, e.detail) for e in events if e.detail.get("draft_id") == d.id
        )
        return DraftDetail(
            summary=_summary(session, d),
            body=d.body,
            cc=tuple(display_address(a) for a in d.cc_addrs),
            from_=display_address({"name": d.from_name, "email": d.from_addr})
            if d.from_addr
            else "",
            reference=d.reference,
            template=d.template,
            notes=tuple(d.notes),
            quote=tuple(d.quote),
            message_id=ob.message_id if ob else None,
            attempts=ob.attempts if ob else 0,
            smtp_response=ob.smtp_response if ob else None,
            versions=tuple((v.version, v.created_by, v.created_at, v.note) for v in versions),
            audit=trail,
            thread_note=d.thread_note,
            conflict_draft_id=d.conflict_draft_id,
            superseded_by=d.superseded_by,
            answers=tuple(int(pk) for pk in d.answers or ()),
            bcc=tuple(display_address(a) for a in d.bcc_addrs or ()),
        )


def _check(d: m.Draft, allowed: Sequence[DraftState], action: str) -> None:
    if d.status not in allowed:
        raise DraftStateError(
            f"draft {d.id} is {d.status}; only {' or '.join(allowed)} drafts can be {action}"
        )


def _drop_outbox(session: Session, d: m.Draft) -> None:
    ob = _outbox(session, d.id)
    if ob is None:
        return
    if ob.state == OutboxState.SENDING:
        raise DraftStateError(f"draft {d.id} is being sent right now; try again in a minute")
    session.delete(ob)


def edit_draft(
    app: App, draft_id: int, body: str, subject: str | None = None, *, actor: str
) -> int:
    """Save a new version (body, optionally subject); returns the new version number.

    An approved or failed draft goes back to ``pending`` and must be approved again.
    """
    now = app.clock()
    with app.sessions() as session, session.begin():
        d = _load(session, draft_id)
        _check(d, DraftState.editable(), "edited")
        if body == d.body and (subject is None or subject == d.subject):
            return d.version
        _drop_outbox(session, d)
        d.version += 1
        d.body = body if body.endswith("\n") else body + "\n"
        d.subject = subject.strip() if subject else d.subject
        previous, d.status, d.updated_at, d.error = d.status, DraftState.PENDING, now, None
        q.add_version(session, d, now, actor, "edited")
        q.audit(
            session,
            actor,
            "draft.edited",
            now,
            d.message_pk,
            draft_id=d.id,
            version=d.version,
            previous_status=previous,
        )
        audit_log.info("draft %d edited by %s (version %d)", d.id, actor, d.version)
        return d.version


def approve(app: App, draft_id: int, actor: str) -> str:
    """Approve for sending: fixes the Message-ID and queues the draft; returns the Message-ID."""
    now = app.clock()
    with app.sessions() as session, session.begin():
        d = _load(session, draft_id)
        _check(d, (DraftState.PENDING, DraftState.FAILED), "approved")
        if d.conflict_draft_id:
            raise DraftStateError(
                f"draft {d.id}: new mail arrived since you edited it (draft "
                f"{d.conflict_draft_id} answers it): keep your version or take the new draft "
                f"first / 你编辑后收到了新邮件：请先选择保留你的版本或采用新草稿"
            )
        holes = PLACEHOLDER.findall(d.subject + "\n" + d.body)
        if holes:
            shown = "; ".join(h[:80] for h in holes[:3])
            raise DraftStateError(
                f"draft {d.id} still has {len(holes)} placeholder(s) to fill in before it can "
                f"be approved: {shown}"
            )
        if not d.to_addrs:
            raise DraftStateError(f"draft {d.id} has no recipient")
        try:  # refused now, with the reason, rather than bounced by the server later
            check_size(session, app, d)
        except AttachmentError as exc:
            raise DraftStateError(str(exc)) from exc
        if not d.from_addr:
            d.from_addr = from_address(app.settings)
        if not d.from_addr:
            raise DraftStateError("no From address: set smtp.from_address in the configuration")
        ob = queue_outbox(session, d, now)
        d.status, d.decided_at, d.decided_by, d.updated_at, d.error = (
            DraftState.APPROVED,
            now,
            actor,
            now,
            None,
        )
        session.flush()
        q.audit(
            session,
            actor,
            "draft.approved",
            now,
            d.message_pk,
            draft_id=d.id,
            version=d.version,
            message_id=ob.message_id,
        )
        audit_log.info("draft %d approved by %s as <%s>", d.id, actor, ob.message_id)
        return ob.message_id


def reject(app: App, draft_id: int, actor: str, reason: str) -> None:
    """Reject a draft (nothing is sent); the reason is kept."""
    now = app.clock()
    with app.sessions() as session, session.begin():
        d = _load(session, draft_id)
        _check(d, DraftState.editable(), "rejected")
        _drop_outbox(session, d)
        d.status, d.decided_at, d.decided_by, d.updated_at = DraftState.REJECTED, now, actor, now
        d.reject_reason = reason
        q.audit(session, actor, "draft.rejected", now, d.message_pk, draft_id=d.id, reason=reason)
        audit_log.info("draft %d rejected by %s: %s", d.id, actor, reason)


def send_approved(
    app: App,
    draft_id: int | None = None,
    *,
    on_accepted: Callable[[int], None] | None = None,
) -> list[outbox.DeliveryResult]:
    """Send every approved draft that is due (or just ``draft_id``), idempotently."""
    if draft_id is not None:
        with app.sessions() as session:
            d = _load(session, draft_id)
            ob = _outbox(session, d.id)
            if d.status == DraftState.SENT and ob is not None:  # e.g. the daemon was faster
                when = q.aware(d.sent_at or d.updated_at)
                detail = (
                    f"already sent at {when:%Y-%m-%d %H:%M} UTC as <{ob.message_id}>; "
                    "not sent again / 已于该时间发送，不会重复发送"
                )
                return [outbox.DeliveryResult(d.id, DeliveryOutcome.SENT, detail)]
            if d.status != DraftState.APPROVED:
                raise DraftStateError(f"draft {d.id} is {d.status}; approve it first")
    refresh_auto_relays(app, draft_id)
    return outbox.deliver(app, hooks(app), draft_id, on_accepted=on_accepted)
