"""Named reads and writes over the store used by the ingest spine.

Each function takes an open ``Session`` (the caller owns the transaction) and does one
thing. No parsing, no pipeline logic: records in, rows out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from mailagent.context import ThreadContext
from mailagent.db import models as m
from mailagent.records import Address, InboundMail, Intent, Triage
from mailagent.threading_keys import extract_tokens, normalize_subject

__all__ = [
    "acquire_lease",
    "audit",
    "folder_state",
    "get_or_create_mailbox",
    "location_exists",
    "message_by_message_id",
    "release_lease",
    "resolve_thread",
    "save_folder_state",
    "store_message",
    "subject_thread",
]

log = logging.getLogger(__name__)

SUBJECT_THREAD_WINDOW = timedelta(days=90)


def get_or_create_mailbox(session: Session, name: str, kind: str = "imap") -> m.Mailbox:
    box = session.scalar(select(m.Mailbox).where(m.Mailbox.name == name))
    if box is None:
        with session.begin_nested():
            box = m.Mailbox(name=name, kind=kind)
            session.add(box)
        # a concurrent worker may have created it: the unique constraint decides
    return box


def folder_state(session: Session, mailbox_id: int, folder: str) -> m.FolderState | None:
    return session.scalar(
        select(m.FolderState).where(
            m.FolderState.mailbox_id == mailbox_id, m.FolderState.folder == folder
        )
    )


def save_folder_state(
    session: Session, mailbox_id: int, folder: str, uidvalidity: int, last_uid: int, now: datetime
) -> None:
    state = folder_state(session, mailbox_id, folder)
    if state is None:
        state = m.FolderState(mailbox_id=mailbox_id, folder=folder)
        session.add(state)
    if state.uidvalidity != uidvalidity:
        state.uidvalidity, state.last_uid = uidvalidity, last_uid
    else:
        state.last_uid = max(state.last_uid or 0, last_uid)
    state.updated_at = now


def acquire_lease(
    session: Session, mailbox_id: int, folder: str, owner: str, now: datetime, ttl: timedelta
) -> bool:
    """Take (or renew) the polling lease of a folder; False if another worker holds it."""
    if folder_state(session, mailbox_id, folder) is None:
        with session.begin_nested():
            session.add(m.FolderState(mailbox_id=mailbox_id, folder=folder, uidvalidity=0))
    result = session.execute(
        update(m.FolderState)
        .where(
            m.FolderState.mailbox_id == mailbox_id,
            m.FolderState.folder == folder,
            or_(
                m.FolderState.lease_owner.is_(None),
                m.FolderState.lease_owner == owner,
                m.FolderState.lease_until < now,
            ),
        )
        .values(lease_owner=owner, lease_until=now + ttl)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_lease(session: Session, mailbox_id: int, folder: str, owner: str) -> None:
    session.execute(
        update(m.FolderState)
        .where(
            m.FolderState.mailbox_id == mailbox_id,
            m.FolderState.folder == folder,
            m.FolderState.lease_owner == owner,
        )
        .values(lease_owner=None, lease_until=None)
    )


def location_exists(
    session: Session, mailbox_id: int, folder: str, uidvalidity: int, uid: int
) -> bool:
    return (
        session.scalar(
            select(m.MessageLocation.id).where(
                m.MessageLocation.mailbox_id == mailbox_id,
                m.MessageLocation.folder == folder,
                m.MessageLocation.uidvalidity == uidvalidity,
                m.MessageLocation.uid == uid,
            )
        )
        is not None
    )


def add_location(
    session: Session, message_pk: int, mailbox_id: int, folder: str, uidvalidity: int, uid: int
) -> None:
    if not location_exists(session, mailbox_id, folder, uidvalidity, uid):
        session.add(
            m.MessageLocation(
                message_pk=message_pk,
                mailbox_id=mailbox_id,
                folder=folder,
                uidvalidity=uidvalidity,
                uid=uid,
            )
        )


def message_by_message_id(session: Session, message_id: str) -> m.Message | None:
    return session.scalar(select(m.Message).where(m.Message.message_id == _t(message_id)))


def _thread_context(session: Session, thread: m.Thread, method: str) -> ThreadContext:
    rows = session.execute(
        select(m.Message.intent, m.Message.order_id, m.Message.customer_id)
        .where(m.Message.thread_id == thread.id)
        .order_by(m.Message.received_at)
    ).all()
    intents = tuple(Intent(r.intent) for r in rows if r.intent and r.intent != Intent.OTHER.value)
    order_id = next((r.order_id for r in reversed(rows) if r.order_id), None)
    customer_id = thread.customer_id or next(
        (r.customer_id for r in reversed(rows) if r.customer_id), None
    )
    return ThreadContext(
        thread_id=thread.id,
        method=method,
        customer_id=customer_id,
        order_id=order_id,
        last_intent=intents[-1] if intents else None,
        intents=intents,
    )


def resolve_thread(session: Session, mail: InboundMail) -> ThreadContext | None:
    """Find the thread by In-Reply-To/References, then by a subject reference token."""
    keys = [_t(k)[:998] for k in (mail.in_reply_to, *mail.references) if k]
    if keys:
        thread_id = session.scalar(
            select(m.ThreadKey.thread_id).where(m.ThreadKey.key.in_(keys)).limit(1)
        )
        if thread_id is not None:
            thread = session.get(m.Thread, thread_id)
            if thread is not None:
                return _thread_context(session, thread, "references")
    for token in extract_tokens(mail.subject):
        thread = session.scalar(
            select(m.Thread).where(m.Thread.token == token).order_by(m.Thread.id).limit(1)
        )
        if thread is not None:
            return _thread_context(session, thread, "token")
    return None


def subject_thread(
    session: Session, mail: InboundMail, customer_id: int | None, received_at: datetime
) -> ThreadContext | None:
    """Last resort: same normalised subject, same customer, recent."""
    norm = normalize_subject(mail.subject)
    if customer_id is None or len(norm) < 4:
        return None
    thread = session.scalar(
        select(m.Thread)
        .where(
            m.Thread.subject_norm == norm[:500],
            m.Thread.customer_id == customer_id,
            or_(
                m.Thread.last_at.is_(None), m.Thread.last_at >= received_at - SUBJECT_THREAD_WINDOW
            ),
        )
        .order_by(m.Thread.id.desc())
        .limit(1)
    )
    return _thread_context(session, thread, "subject") if thread is not None else None


def _addr_list(addrs: Sequence[Address]) -> list[dict[str, str]]:
    return [{"name": _t(a.name), "email": _t(a.email)} for a in addrs]


def _t(text: str) -> str:
    """Text safe for every backend: PostgreSQL rejects NUL characters in text and JSON."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _tn(text: str | None) -> str | None:
    return None if text is None else _t(text)


def store_message(
    session: Session,
    mail: InboundMail,
    triage: Triage,
    *,
    thread: ThreadContext | None,
    customer_id: int | None,
    origin: str,
    direction: str,
    received_at: datetime,
    now: datetime,
    stored_attachments: Sequence[bool],
) -> m.Message:
    """Insert the message, its attachments and thread bookkeeping (no commit)."""
    lang, cls, lk = triage.language, triage.classification, triage.link
    thread_row = session.get(m.Thread, thread.thread_id) if thread else None
    if thread_row is None:
        tokens = extract_tokens(mail.subject)
        thread_row = m.Thread(
            subject=_t(mail.subject)[:500],
            subject_norm=_t(normalize_subject(mail.subject))[:500],
            token=tokens[0] if tokens else None,
            customer_id=customer_id,
            first_at=received_at,
            last_at=received_at,
        )
        session.add(thread_row)
        session.flush()
    else:
        if thread_row.customer_id is None and customer_id is not None:
            thread_row.customer_id = customer_id
        if thread_row.last_at is None or _aware(thread_row.last_at) < received_at:
            thread_row.last_at = received_at
        if thread_row.token is None:
            tokens = extract_tokens(mail.subject)
            thread_row.token = tokens[0] if tokens else None
    row = m.Message(
        message_id=_t(mail.message_id),
        message_id_synthetic=mail.message_id_synthetic,
        raw_sha256=mail.raw_sha256,
        raw_size=mail.raw_size,
        origin=origin[:1000],
        direction=direction,
        subject=_t(mail.subject),
        from_name=_t(mail.from_.name) if mail.from_ else "",
        from_email=mail.from_.email if mail.from_ else "",
        to_addrs=_addr_list(mail.to),
        cc_addrs=_addr_list(mail.cc),
        reply_to=_addr_list(mail.reply_to),
        sent_at=mail.date,
        received_at=received_at,
        in_reply_to=_tn(mail.in_reply_to),
        references=[_t(r) for r in mail.references],
        headers=[[_t(k), _t(v)] for k, v in mail.headers],
        text=_t(mail.text),
        html=_tn(mail.html),
        new_text=_t(mail.new_text),
        quoted_text=_t(mail.quoted_text),
        signature=_t(mail.signature),
        charsets=list(mail.charsets),
        defects=[_t(d) for d in mail.defects],
        auto_reply=mail.auto_reply.value,
        auto_reply_reason=_tn(mail.auto_reply_reason),
        status="triaged",
        disposition=triage.disposition.value,
        language=lang.lang if lang else None,
        language_confidence=lang.confidence if lang else None,
        language_method=lang.method if lang else None,
        intent=cls.intent.value if cls else None,
        intent_confidence=cls.confidence if cls else None,
        intent_rule_id=cls.rule_id if cls else None,
        intent_decided_by=cls.decided_by if cls else None,
        intent_reasons=list(cls.reasons) if cls else [],
        intent_scores=[list(s) for s in cls.scores] if cls else [],
        thread_id=thread_row.id,
        thread_method=thread.method if thread else "new",
        customer_id=customer_id,
        order_id=lk.order_id if lk else None,
        link_method=lk.method.value if lk else None,
        order_link_method=lk.order_method.value if lk else None,
        link_reasons=list(lk.reasons) if lk else [],
        link_ambiguous=lk.ambiguous if lk else False,
        triaged_at=now,
        created_at=now,
    )
    for att, stored in zip(mail.attachments, stored_attachments, strict=True):
        row.attachments.append(
            m.Attachment(
                filename=_t(att.filename),
                content_type=att.content_type,
                size=att.size,
                sha256=att.sha256,
                stored=stored,
                content_id=att.content_id,
                inline=att.inline,
            )
        )
    session.add(row)
    session.flush()
    _add_thread_keys(session, thread_row.id, mail)
    return row


def _add_thread_keys(session: Session, thread_id: int, mail: InboundMail) -> None:
    keys = {_t(k)[:998] for k in (mail.message_id, mail.in_reply_to, *mail.references) if k}
    existing = set(session.scalars(select(m.ThreadKey.key).where(m.ThreadKey.key.in_(keys))))
    for key in sorted(keys - existing):
        session.add(m.ThreadKey(key=key, thread_id=thread_id))


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit(
    session: Session,
    actor: str,
    action: str,
    now: datetime,
    message_pk: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        m.AuditEvent(at=now, actor=actor, action=action, message_pk=message_pk, detail=detail)
    )


def quarantine(
    session: Session,
    *,
    raw_sha256: str,
    raw_size: int,
    origin: str,
    reason: str,
    detail: str,
    now: datetime,
    mailbox_id: int | None = None,
    folder: str | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
) -> m.Quarantine:
    """Record (or re-record) a quarantined message; one open row per raw hash."""
    row = session.scalar(
        select(m.Quarantine).where(
            and_(m.Quarantine.raw_sha256 == raw_sha256, m.Quarantine.resolved_at.is_(None))
        )
    )
    if row is None:
        row = m.Quarantine(
            raw_sha256=raw_sha256,
            raw_size=raw_size,
            origin=_t(origin)[:1000],
            mailbox_id=mailbox_id,
            folder=folder,
            uidvalidity=uidvalidity,
            uid=uid,
            reason=_t(reason),
            detail=_t(detail),
            attempts=1,
            created_at=now,
        )
        session.add(row)
    else:
        row.attempts += 1
        row.reason, row.detail = _t(reason), _t(detail)
    session.flush()
    return row


def record_dict(obj: Any) -> dict[str, Any]:
    """A JSON-able dict of a frozen record (for audit details)."""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in asdict(obj).items()}
