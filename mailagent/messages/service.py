"""Use cases shared by the CLI and the web UI: listing, showing and correcting messages,
the quarantine, and the store summary the demo prints.

Callers pass an :class:`~mailagent.app.App`; functions return plain records (no ORM objects
escape), so CLI commands and web routes only format them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.db.triage_rows import NEW
from mailagent.errors import NotFound
from mailagent.messages.learning import learn_correction
from mailagent.records import Intent, TranslationStatus

__all__ = [
    "AttachmentInfo",
    "MessageDetail",
    "QuarantineEntry",
    "StoreSummary",
    "list_quarantine",
    "message_detail",
    "reclassify",
    "refile",
    "store_summary",
]


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    filename: str
    content_type: str
    size: int
    stored: bool
    sha256: str | None


@dataclass(frozen=True, slots=True)
class MessageDetail:
    """One message as the CLI and the web UI show it, with the reasons of every decision."""

    id: int
    message_id: str
    subject: str
    sender: str  # "Name <address>" or the bare address
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime | None
    received_at: datetime
    direction: str
    thread_id: int | None
    thread_method: str | None
    language: str | None
    language_confidence: float | None
    language_method: str | None
    intent: str | None
    intent_confidence: float | None
    intent_decided_by: str | None
    intent_rule_id: str | None
    intent_reasons: tuple[str, ...]
    customer: str | None
    customer_code: str | None
    order_no: str | None
    link_method: str | None
    link_reasons: tuple[str, ...]
    link_ambiguous: bool
    auto_reply: str
    auto_reply_reason: str | None
    disposition: str
    new_text: str
    quoted_text: str
    signature: str
    html: str | None
    translation_status: TranslationStatus
    translated_text: str | None
    translation_error: str | None
    charsets: tuple[str, ...]
    defects: tuple[str, ...]
    attachments: tuple[AttachmentInfo, ...]
    needs_review: bool = False
    review_reasons: tuple[str, ...] = ()
    intent_secondary: str | None = None


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    id: int
    created_at: datetime
    origin: str
    reason: str
    attempts: int
    raw_sha256: str
    resolved_at: datetime | None
    stage: str = "ingest"  # "triage": stored as message_pk, its triage failed
    message_pk: int | None = None


@dataclass(frozen=True, slots=True)
class StoreSummary:
    messages: int
    threads: int
    customers: int
    prospects: int
    attachments: int
    quarantined: int
    by_intent: dict[str, int]
    by_language: dict[str, int]
    by_customer: dict[str, int]
    by_link_method: dict[str, int]
    no_reply: int
    pending_translation: int
    pending_triage: int = 0


def message_detail(app: App, message_pk: int) -> MessageDetail:
    """Everything known about one message, including why each decision was taken."""
    with app.sessions() as session:
        msg = session.get(m.Message, message_pk)
        if msg is None:
            raise NotFound(f"no message with id {message_pk}")
        customer = session.get(m.Customer, msg.customer_id) if msg.customer_id else None
        order = session.get(m.Order, msg.order_id) if msg.order_id else None
        return MessageDetail(
            id=msg.id,
            message_id=msg.message_id,
            subject=msg.subject,
            sender=f"{msg.from_name} <{msg.from_email}>" if msg.from_name else msg.from_email,
            to=tuple(a["email"] for a in msg.to_addrs),
            cc=tuple(a["email"] for a in msg.cc_addrs),
            sent_at=msg.sent_at,
            received_at=msg.received_at,
            direction=msg.direction,
            thread_id=msg.thread_id,
            thread_method=msg.thread_method,
            language=msg.language,
            language_confidence=msg.language_confidence,
            language_method=msg.language_method,
            intent=msg.intent,
            intent_confidence=msg.intent_confidence,
            intent_decided_by=msg.intent_decided_by,
            intent_rule_id=msg.intent_rule_id,
            intent_reasons=tuple(msg.intent_reasons),
            customer=customer.name if customer else None,
            customer_code=customer.code if customer else None,
            order_no=order.order_no if order else None,
            link_method=msg.link_method,
            link_reasons=tuple(msg.link_reasons),
            link_ambiguous=msg.link_ambiguous,
            auto_reply=msg.auto_reply,
            auto_reply_reason=msg.auto_reply_reason,
            disposition=msg.disposition,
            new_text=msg.new_text,
            quoted_text=msg.quoted_text,
            signature=msg.signature,
            html=msg.html,
            translation_status=msg.translation_status,
            translated_text=msg.translated_text,
            translation_error=msg.translation_error,
            charsets=tuple(msg.charsets),
            defects=tuple(msg.defects),
            needs_review=msg.needs_review,
            review_reasons=tuple(msg.review_reasons or ()),
            intent_secondary=msg.intent_secondary,
            attachments=tuple(
                AttachmentInfo(a.filename, a.content_type, a.size, a.stored, a.sha256)
                for a in msg.attachments
            ),
        )


def refile(app: App, message_pk: int, customer_code: str, order_no: str | None, actor: str) -> None:
    """A user files a message against another customer (and order); the correction sticks."""
    from mailagent.db.directory import refile as refile_row

    with app.sessions() as session, session.begin():
        customer = session.scalar(select(m.Customer).where(m.Customer.code == customer_code))
        if customer is None:
            raise NotFound(f"no customer with code {customer_code!r}")
        order_id = None
        if order_no:
            order = session.scalar(select(m.Order).where(m.Order.order_no == order_no))
            if order is None:
                raise NotFound(f"no order {order_no!r}")
            if order.customer_id != customer.id:
                raise NotFound(f"order {order_no} belongs to another customer")
            order_id = order.id
        refile_row(session, message_pk, customer.id, order_id, actor, app.clock())


def reclassify(app: App, message_pk: int, intent: str, actor: str) -> None:
    """A user corrects the intent; recorded with who/when and kept on re-triage.

    The correction is also kept as a labelled example of this installation
    (``triage_corrections``), from which the intent model adapts (``messages.learning``).
    """
    value = Intent(intent)
    with app.sessions() as session, session.begin():
        msg = session.get(m.Message, message_pk)
        if msg is None:
            raise NotFound(f"no message with id {message_pk}")
        previous = msg.intent
        msg.intent = value.value
        msg.intent_manual = True
        msg.intent_decided_by = "manual"
        msg.intent_rule_id = None
        msg.intent_confidence = 1.0
        msg.intent_reasons = [f"set to {value.value} by {actor} (was {previous})"]
        msg.needs_review = False
        msg.review_reasons = []
        learn_correction(session, msg, value, previous, actor, app.clock())
        q.audit(
            session,
            actor,
            "reclassify",
            app.clock(),
            message_pk,
            previous=previous,
            intent=value.value,
        )


def list_quarantine(app: App, *, include_resolved: bool = False) -> list[QuarantineEntry]:
    stmt = select(m.Quarantine).order_by(m.Quarantine.id)
    if not include_resolved:
        stmt = stmt.where(m.Quarantine.resolved_at.is_(None))
    with app.sessions() as session:
        return [
            QuarantineEntry(
                r.id,
                r.created_at,
                r.origin,
                r.reason,
                r.attempts,
                r.raw_sha256,
                r.resolved_at,
                r.stage,
                r.message_pk,
            )
            for r in session.scalars(stmt)
        ]


def store_summary(app: App) -> StoreSummary:
    with app.sessions() as session:

        def count(model: Any, *where: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        def group(col: Any) -> dict[str, int]:
            rows = session.execute(select(col, func.count()).group_by(col)).all()
            return {str(k) if k is not None else "-": int(v) for k, v in rows}

        by_customer: Counter[str] = Counter()
        for name, n in session.execute(
            select(m.Customer.name, func.count(m.Message.id))
            .join(m.Message, m.Message.customer_id == m.Customer.id)
            .group_by(m.Customer.name)
        ):
            by_customer[name] = int(n)
        return StoreSummary(
            messages=count(m.Message),
            threads=count(m.Thread),
            customers=count(m.Customer, m.Customer.status == "customer"),
            prospects=count(m.Customer, m.Customer.status == "prospect"),
            attachments=count(m.Attachment),
            quarantined=count(m.Quarantine, m.Quarantine.resolved_at.is_(None)),
            by_intent=group(m.Message.intent),
            by_language=group(m.Message.language),
            by_customer=dict(by_customer.most_common()),
            by_link_method=group(m.Message.link_method),
            no_reply=count(m.Message, m.Message.disposition == "no_reply"),
            pending_translation=count(
                m.Message, m.Message.translation_status == TranslationStatus.PENDING
            ),
            pending_triage=count(m.Message, m.Message.status == NEW),
        )
