"""Named reads and writes over the store used by the ingest spine.

Each function takes an open ``Session`` (the caller owns the transaction) and does one
thing. No parsing, no pipeline logic: records in, rows out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from mailagent.context import ThreadContext
from mailagent.db import models as m
from mailagent.parse.threadkeys import normalize_subject
from mailagent.records import Address, InboundMail

__all__ = [
    "acquire_lease",
    "add_draft",
    "add_version",
    "audit",
    "aware",
    "folder_state",
    "get_or_create_mailbox",
    "in_chunks",
    "known_locations",
    "message_by_message_id",
    "message_pks",
    "release_lease",
    "save_folder_state",
    "storable",
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


IN_CHUNK = 500  # values per IN (...) list: SQLite's bound-parameter limit is 999 on old builds

_V = TypeVar("_V")


def in_chunks(values: Sequence[_V], size: int = IN_CHUNK) -> Iterator[Sequence[_V]]:
    """``values`` in slices small enough for one ``IN (...)`` list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def known_locations(
    session: Session, mailbox_id: int, locations: Sequence[tuple[str, int, int]]
) -> set[tuple[str, int, int]]:
    """Which of these (folder, uidvalidity, uid) locations of the mailbox are stored."""
    found: set[tuple[str, int, int]] = set()
    by_folder: dict[tuple[str, int], list[int]] = {}
    for folder, uidvalidity, uid in locations:
        by_folder.setdefault((folder, uidvalidity), []).append(uid)
    for (folder, uidvalidity), uids in by_folder.items():
        for chunk in in_chunks(uids):
            rows = session.scalars(
                select(m.MessageLocation.uid).where(
                    m.MessageLocation.mailbox_id == mailbox_id,
                    m.MessageLocation.folder == folder,
                    m.MessageLocation.uidvalidity == uidvalidity,
                    m.MessageLocation.uid.in_(chunk),
                )
            )
            found.update((folder, uidvalidity, int(uid)) for uid in rows)
    return found


def message_by_message_id(session: Session, message_id: str) -> m.Message | None:
    return session.scalar(select(m.Message).where(m.Message.message_id == _t(message_id)))


def message_pks(session: Session, message_ids: Sequence[str]) -> dict[str, int]:
    """Stored messages' primary keys by Message-ID (as parsed, before storage cleaning)."""
    wanted = {_t(mid): mid for mid in message_ids}
    found: dict[str, int] = {}
    for chunk in in_chunks(sorted(wanted)):
        rows = session.execute(
            select(m.Message.message_id, m.Message.id).where(m.Message.message_id.in_(chunk))
        )
        found.update((wanted[mid], pk) for mid, pk in rows)
    return found


# built once: constructed per message, the statement cost more CPU than running it
_SUBJECT_THREAD = (
    select(m.Thread)
    .where(
        m.Thread.id != bindparam("exclude"),
        m.Thread.subject_norm == bindparam("subject_norm"),
        m.Thread.customer_id == bindparam("customer_id"),
        or_(m.Thread.last_at.is_(None), m.Thread.last_at >= bindparam("since")),
    )
    .order_by(m.Thread.id.desc())
    .limit(1)
)


def subject_thread(
    session: Session,
    mail: InboundMail,
    customer_id: int | None,
    received_at: datetime,
    exclude: int | None = None,
) -> ThreadContext | None:
    """Last resort: same normalised subject, same customer, recent (not thread ``exclude``)."""
    norm = normalize_subject(mail.subject)
    if customer_id is None or len(norm) < 4:
        return None
    thread = session.scalar(
        _SUBJECT_THREAD,
        {
            "exclude": exclude or 0,
            "subject_norm": norm[:500],
            "customer_id": customer_id,
            "since": received_at - SUBJECT_THREAD_WINDOW,
        },
    )
    return ThreadContext(thread_id=thread.id, method="subject") if thread is not None else None


def _addr_list(addrs: Sequence[Address]) -> list[dict[str, str]]:
    return [{"name": _t(a.name), "email": _t(a.email)} for a in addrs]


def storable(text: str) -> str:
    """Text safe for every backend: PostgreSQL rejects NUL characters in text and JSON."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


_t = storable


def _tn(text: str | None) -> str | None:
    return None if text is None else _t(text)


def store_message(
    session: Session,
    mail: InboundMail,
    *,
    thread: m.Thread,
    thread_method: str,
    origin: str,
    direction: str,
    received_at: datetime,
    now: datetime,
    stored_attachments: Sequence[bool],
) -> m.Message:
    """Add the message (status ``new``: triage comes later) and its attachments to the
    session, in ``thread`` (see :class:`~mailagent.db.threadindex.ThreadIndex`). No flush,
    no commit: the batch is written in one flush."""
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
        status="new",
        thread=thread,
        thread_method=thread_method,
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
    return row


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
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


def add_draft(
    session: Session, d: m.Draft, now: datetime, actor: str, note: str, **detail: Any
) -> m.Draft:
    """Store a new draft with its version 1 and the ``draft.created`` audit row.

    ``note`` names how version 1 came about ("generated", "composed (forward)"); ``detail``
    goes into the audit row after the draft id.
    """
    session.add(d)
    session.flush()
    add_version(session, d, now, actor, note)
    audit(session, actor, "draft.created", now, d.message_pk, draft_id=d.id, **detail)
    return d


def add_version(session: Session, d: m.Draft, now: datetime, actor: str, note: str) -> None:
    """Keep the draft's current subject and body as its version ``d.version``."""
    session.add(
        m.DraftVersion(
            draft_id=d.id,
            version=d.version,
            subject=d.subject,
            body=d.body,
            created_at=now,
            created_by=actor,
            note=note,
        )
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
    stage: str = "ingest",
    message_pk: int | None = None,
) -> m.Quarantine:
    """Record (or re-record) a quarantined message; one open row per raw hash.

    ``stage="triage"`` entries point at the stored message (``message_pk``) whose triage
    failed; ``ingest`` entries only have the raw bytes."""
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
            stage=stage,
            message_pk=message_pk,
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
