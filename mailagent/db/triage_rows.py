"""Store side of the triage stage: claim stored messages, rebuild them, write decisions.

The ingest spine stores a message with ``status = "new"`` (parsed, threaded by references
or subject token, nothing decided). The triage stage then, for each claimed row:

* :func:`claim_new` picks the oldest ``new`` rows, or the newest live ones (``FOR UPDATE
  SKIP LOCKED`` on PostgreSQL, so several daemons on one database never triage the same
  message twice);
* :func:`mail_from_row` rebuilds the :class:`~mailagent.records.InboundMail` the pure stages
  need from the stored columns (no second parse; attachment payloads are not needed);
* :func:`thread_context` tells the classifier what the thread knew *before* this message;
* :func:`apply_triage` writes language, intent, link and their reasons onto the row;
* :func:`merge_thread` joins a message's fresh thread into an older one of the same customer
  found by subject once the customer is known (the subject rule needs the customer).

Functions take the caller's session and never commit.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from mailagent.context import ThreadContext
from mailagent.db import models as m
from mailagent.db.queries import aware
from mailagent.records import (
    Address,
    Attachment,
    AutoReplyKind,
    Disposition,
    InboundMail,
    Intent,
    LinkMethod,
    Relevance,
    Triage,
)

__all__ = [
    "NEW",
    "TRIAGED",
    "TRIAGE_FAILED",
    "apply_triage",
    "claim_new",
    "count_new",
    "drafted_pks",
    "is_prospect_inquiry",
    "load_threads",
    "mail_from_row",
    "merge_thread",
    "thread_context",
]

NEW = "new"  # stored by the spine, waiting for triage
TRIAGED = "triaged"
TRIAGE_FAILED = "triage_failed"  # kept; its quarantine entry says why (reprocess retries)
THREAD_CONTEXT_MESSAGES = 50  # the latest earlier messages a thread prior looks at


def claim_new(
    session: Session,
    limit: int,
    ids: list[int] | None = None,
    *,
    live_since: datetime | None = None,
) -> list[m.Message]:
    """Untriaged messages (only ``ids`` if given), locked for this transaction.

    Oldest first (the backlog); with ``live_since`` only mail that arrived at the server
    since then (``received_at``, the IMAP INTERNALDATE), newest first: the live lane, which
    the daemon drains before each backlog claim so new mail never queues behind a backfill.
    """
    query = (
        select(m.Message)
        .where(m.Message.status == NEW)
        .options(selectinload(m.Message.attachments))  # one query for the claim, not one each
        .limit(limit)
    )
    if live_since is not None:
        query = query.where(m.Message.received_at >= live_since).order_by(
            m.Message.received_at.desc(), m.Message.id.desc()
        )
    else:
        query = query.order_by(m.Message.id)
    if ids is not None:
        query = query.where(m.Message.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=m.Message)
    return list(session.scalars(query))


def load_threads(session: Session, rows: list[m.Message]) -> list[m.Thread]:
    """The threads of ``rows``, loaded in one query (keep the list while they are used)."""
    ids = sorted({r.thread_id for r in rows if r.thread_id is not None})
    return list(session.scalars(select(m.Thread).where(m.Thread.id.in_(ids)))) if ids else []


def drafted_pks(session: Session, rows: list[m.Message]) -> set[int]:
    """Which of ``rows`` already have drafts (one query for a claim instead of one a row)."""
    ids = [r.id for r in rows]
    if not ids:
        return set()
    return set(session.scalars(select(m.Draft.message_pk).where(m.Draft.message_pk.in_(ids))))


def count_new(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(m.Message).where(m.Message.status == NEW))
        or 0
    )


def _addresses(items: list[dict[str, str]]) -> tuple[Address, ...]:
    return tuple(Address(name=a.get("name", ""), email=a.get("email", "")) for a in items)


def _header(headers: list[list[str]], name: str) -> str | None:
    low = name.lower()
    return next((v for k, v in headers if k.lower() == low), None)


def mail_from_row(row: m.Message) -> InboundMail:
    """The parsed record as stored (attachment payloads left empty: stages read names)."""
    headers = [(str(k), str(v)) for k, v in row.headers]
    sender_name, sender_email = parseaddr(_header(row.headers, "Sender") or "")
    return InboundMail(
        raw_sha256=row.raw_sha256,
        raw_size=row.raw_size,
        message_id=row.message_id,
        message_id_synthetic=row.message_id_synthetic,
        subject=row.subject,
        from_=Address(row.from_name, row.from_email) if row.from_email else None,
        sender=Address(sender_name, sender_email.lower()) if "@" in sender_email else None,
        reply_to=_addresses(row.reply_to),
        to=_addresses(row.to_addrs),
        cc=_addresses(row.cc_addrs),
        date=aware(row.sent_at) if row.sent_at else None,
        in_reply_to=row.in_reply_to,
        references=tuple(row.references),
        headers=tuple(headers),
        text=row.text,
        html=row.html,
        new_text=row.new_text,
        quoted_text=row.quoted_text,
        signature=row.signature,
        attachments=tuple(
            Attachment(
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                payload=b"",
                content_id=a.content_id,
                inline=a.inline,
                truncated=not a.stored,
            )
            for a in row.attachments
        ),
        auto_reply=AutoReplyKind(row.auto_reply),
        auto_reply_reason=row.auto_reply_reason,
        charsets=tuple(row.charsets),
        defects=tuple(row.defects),
    )


# built once (per message it cost more CPU to construct than to run)
_THREAD_EARLIER = (
    select(m.Message.intent, m.Message.order_id, m.Message.customer_id)
    .where(
        m.Message.thread_id == bindparam("thread_id"),
        m.Message.id != bindparam("row_id"),
        m.Message.received_at <= bindparam("received_at"),
    )
    .order_by(m.Message.received_at.desc(), m.Message.id.desc())
    .limit(THREAD_CONTEXT_MESSAGES)
)


def thread_context(session: Session, row: m.Message) -> ThreadContext | None:
    """What the row's thread knew before it: the latest earlier messages' intents, order and
    customer (bounded: a thread of thousands of mails costs the same as one of fifty).

    None for a message that opened its thread (nothing to lean on).
    """
    if row.thread_id is None or row.thread_method in (None, "new"):
        return None
    thread = session.get(m.Thread, row.thread_id)
    if thread is None:
        return None
    latest_first = session.execute(
        _THREAD_EARLIER,
        {"thread_id": thread.id, "row_id": row.id, "received_at": row.received_at},
    ).all()
    earlier = list(reversed(latest_first))
    intents = tuple(
        Intent(r.intent) for r in earlier if r.intent and r.intent != Intent.OTHER.value
    )
    customer_id = thread.customer_id or next(
        (r.customer_id for r in reversed(earlier) if r.customer_id), None
    )
    return ThreadContext(
        thread_id=thread.id,
        method=row.thread_method or "references",
        customer_id=customer_id,
        order_id=next((r.order_id for r in reversed(earlier) if r.order_id), None),
        last_intent=intents[-1] if intents else None,
        intents=intents,
    )


def apply_triage(row: m.Message, triage: Triage, customer_id: int | None, now: datetime) -> None:
    """Write the pipeline's decisions (a person's manual intent or link is never overwritten)."""
    lang, cls, lk = triage.language, triage.classification, triage.link
    row.disposition = triage.disposition.value
    row.language = lang.lang if lang else None
    row.language_confidence = lang.confidence if lang else None
    row.language_method = lang.method if lang else None
    if cls is not None and not row.intent_manual:
        row.intent = cls.intent.value
        row.intent_confidence = cls.confidence
        row.intent_rule_id = cls.rule_id
        row.intent_decided_by = cls.decided_by
        row.intent_reasons = list(cls.reasons)
        row.intent_scores = [list(s) for s in cls.scores]
        row.intent_secondary = cls.secondary.value if cls.secondary else None
        row.needs_review = bool(cls.review)
        row.review_reasons = list(cls.review)
    if not row.link_manual:
        row.customer_id = customer_id
        row.order_id = lk.order_id if lk else None
        row.link_method = lk.method.value if lk else None
        row.order_link_method = lk.order_method.value if lk else None
        row.link_reasons = list(lk.reasons) if lk else []
        row.link_ambiguous = lk.ambiguous if lk else False
    row.status = TRIAGED
    row.triaged_at = now


def is_prospect_inquiry(triage: Triage) -> bool:
    """An inquiry from an unknown sender that the relevance gate let through (old mail
    before the history cut-off included: it is filed like any mail, just never drafted)."""
    link, cls = triage.link, triage.classification
    return (
        triage.disposition in (Disposition.PROCESS, Disposition.HISTORY)
        and (triage.relevance is None or triage.relevance.relevance is Relevance.CUSTOMER)
        and link is not None
        and link.method is LinkMethod.PROSPECT
        and cls is not None
        and cls.intent is Intent.INQUIRY
    )


def merge_thread(session: Session, source_id: int, target_id: int) -> None:
    """Move every message and key of thread ``source_id`` into ``target_id``; drop the source."""
    source, target = session.get(m.Thread, source_id), session.get(m.Thread, target_id)
    if source is None or target is None or source_id == target_id:
        return
    session.execute(
        update(m.Message).where(m.Message.thread_id == source_id).values(thread_id=target_id)
    )
    session.execute(
        update(m.ThreadKey).where(m.ThreadKey.thread_id == source_id).values(thread_id=target_id)
    )
    firsts = [t for t in (target.first_at, source.first_at) if t is not None]
    lasts = [t for t in (target.last_at, source.last_at) if t is not None]
    target.first_at = min(firsts, key=aware) if firsts else None
    target.last_at = max(lasts, key=aware) if lasts else None
    target.customer_id = target.customer_id or source.customer_id
    target.token = target.token or source.token
    session.delete(source)  # its messages and keys already point at the target
