"""SQLAlchemy 2.0 typed ORM models: the whole schema in one place.

Schema changes go through Alembic (``mailagent/db/migrations``); a test checks that the
migrations produce exactly this metadata. Models hold data only: queries live in
``db/queries.py`` and use cases in ``services.py``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from mailagent.records import (
    CopyState,
    DraftState,
    MoveState,
    OutboxState,
    TranslationJobState,
    TranslationStatus,
)

__all__ = [
    "Attachment",
    "AuditEvent",
    "Base",
    "Contact",
    "Customer",
    "CustomerDomain",
    "DraftAttachment",
    "FolderState",
    "LoginThrottle",
    "Mailbox",
    "Message",
    "MessageLocation",
    "MessageTranslation",
    "Order",
    "Quarantine",
    "Thread",
    "ThreadKey",
    "Translation",
    "TriageCorrection",
    "User",
    "WebSession",
]


E = TypeVar("E", bound=enum.StrEnum)


class StateColumn(TypeDecorator[E], Generic[E]):
    """A state enum stored as its plain string (``String(20)``: the rows are unchanged).

    Values are checked on the way in (an unknown state raises ``ValueError`` instead of being
    stored) and come back as enum members.
    """

    impl = String(20)
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: object, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_cls(str(value))


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Mailbox(Base):
    __tablename__ = "mailboxes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="imap")  # imap | maildir | import
    # set by the daemon after every successful poll / connection failure (ops/health.py)
    last_poll_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class FolderState(Base):
    """UID bookkeeping per (mailbox, folder), committed with the messages it covers.

    ``lease_owner``/``lease_until`` let several daemons share one database: only the worker
    holding an unexpired lease polls the folder.
    """

    __tablename__ = "folder_states"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    salesperson: Mapped[str] = mapped_column(String(320), default="")
    status: Mapped[str] = mapped_column(String(20), default="customer")  # customer | prospect
    created_at: Mapped[datetime | None]
    domains: Mapped[list[CustomerDomain]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )


class CustomerDomain(Base):
    __tablename__ = "customer_domains"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    customer: Mapped[Customer] = relationship(back_populates="domains")


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("customer_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(320), index=True)
    phone: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(100), default="")
    # per-contact preferences (issue 14), e.g. {"greetings": false, "language": "es",
    # "occasions": ["diwali"]}; None = follow the customer
    preferences: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the contact's explicit reply language (ISO 639-1); wins over detection and the customer
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    customer: Mapped[Customer] = relationship(back_populates="contacts")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer_po: Mapped[str] = mapped_column(String(64), default="", index=True)
    pi_number: Mapped[str] = mapped_column(String(64), default="", index=True)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    paid_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    order_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)


class Thread(Base):
    __tablename__ = "threads"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    subject_norm: Mapped[str] = mapped_column(String(500), default="", index=True)
    token: Mapped[str | None] = mapped_column(String(64), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    first_at: Mapped[datetime | None]
    last_at: Mapped[datetime | None]


class ThreadKey(Base):
    """Every Message-ID seen in a thread (its own or referenced), mapped to the thread."""

    __tablename__ = "thread_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(998), unique=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    thread: Mapped[Thread] = relationship()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_thread", "thread_id"),
        Index("ix_messages_customer", "customer_id"),
        Index("ix_messages_order", "order_id"),
        Index("ix_messages_received", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    message_id_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw_size: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(1000), default="")
    direction: Mapped[str] = mapped_column(String(10), default="inbound")  # inbound | outbound
    subject: Mapped[str] = mapped_column(Text, default="")
    from_name: Mapped[str] = mapped_column(String(500), default="")
    from_email: Mapped[str] = mapped_column(String(320), default="", index=True)
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(default=list)
    reply_to: Mapped[list[Any]] = mapped_column(default=list)
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime]
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(default=list)
    headers: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text, default="")
    quoted_text: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    charsets: Mapped[list[Any]] = mapped_column(default=list)
    defects: Mapped[list[Any]] = mapped_column(default=list)
    auto_reply: Mapped[str] = mapped_column(String(20), default="none")
    auto_reply_reason: Mapped[str | None] = mapped_column(Text)
    # triage
    # new (stored, triage pending) | triaged | triage_failed | answered | closed
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    disposition: Mapped[str] = mapped_column(String(20), default="process")
    language: Mapped[str | None] = mapped_column(String(16))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    language_method: Mapped[str | None] = mapped_column(String(40))
    intent: Mapped[str | None] = mapped_column(String(20), index=True)
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    intent_rule_id: Mapped[str | None] = mapped_column(String(200))
    intent_decided_by: Mapped[str | None] = mapped_column(String(20))
    intent_reasons: Mapped[list[Any]] = mapped_column(default=list)
    intent_scores: Mapped[list[Any]] = mapped_column(default=list)
    intent_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    intent_secondary: Mapped[str | None] = mapped_column(String(20))
    needs_review: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )
    review_reasons: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"))
    thread_method: Mapped[str | None] = mapped_column(String(20))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    link_method: Mapped[str | None] = mapped_column(String(20))
    order_link_method: Mapped[str | None] = mapped_column(String(20))
    link_reasons: Mapped[list[Any]] = mapped_column(default=list)
    link_ambiguous: Mapped[bool] = mapped_column(Boolean, default=False)
    link_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    triaged_at: Mapped[datetime | None]
    # relevance gate (customer | notification | bulk | solicitation | spam | phishing)
    relevance: Mapped[str | None] = mapped_column(String(20), index=True)
    relevance_scores: Mapped[list[Any]] = mapped_column(default=list)
    relevance_rules: Mapped[list[Any]] = mapped_column(default=list)
    relevance_reasons: Mapped[list[Any]] = mapped_column(default=list)
    relevance_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    fraud_flags: Mapped[list[Any]] = mapped_column(default=list)  # [{kind, reason, needs_ack}]
    fraud_ack_by: Mapped[str | None] = mapped_column(String(320))
    fraud_ack_at: Mapped[datetime | None]
    # translation (filled in the background)
    translation_status: Mapped[TranslationStatus] = mapped_column(
        StateColumn(TranslationStatus), default=TranslationStatus.NONE, index=True
    )
    translation_target: Mapped[str | None] = mapped_column(String(16))
    translated_text: Mapped[str | None] = mapped_column(Text)
    translation_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    locations: Mapped[list[MessageLocation]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )
    # lets the ingest spine link a message to a thread created in the same batch, so the
    # whole batch is written in one flush
    thread: Mapped[Thread | None] = relationship(foreign_keys=[thread_id])


class TriageCorrection(Base):
    """A person's correction of a triage decision, kept as a labelled example.

    ``kind`` says what was corrected ("intent" now; "disposition" for junk / not-junk
    later) and ``label`` the right answer; the subject and new text are copied so the
    example outlives the message and the model can learn from it.
    """

    __tablename__ = "triage_corrections"
    __table_args__ = (Index("ix_triage_corrections_kind", "kind", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(40))
    previous: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class MessageLocation(Base):
    """Where a stored message sits on a server: (mailbox, folder, UIDVALIDITY, UID)."""

    __tablename__ = "message_locations"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder", "uidvalidity", "uid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id"))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message: Mapped[Message] = relationship(back_populates="locations")


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_message", "message_pk"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    stored: Mapped[bool] = mapped_column(Boolean, default=True)
    content_id: Mapped[str | None] = mapped_column(String(998))
    inline: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[Message] = relationship(back_populates="attachments")


class Quarantine(Base):
    """A message that could not be processed: raw bytes kept (by hash) with the reason."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw_size: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(1000), default="")
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailboxes.id"))
    folder: Mapped[str | None] = mapped_column(String(255))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # "ingest": not stored (raw kept, reprocess re-ingests); "triage": stored as message_pk
    # with status triage_failed (reprocess re-runs triage on it)
    stage: Mapped[str] = mapped_column(String(20), default="ingest", server_default="ingest")


class AuditEvent(Base):
    """Who did what when: decisions and user actions (re-file, re-classify, reprocess)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Translation(Base):
    """Translation cache keyed on (text hash, source, target, model version)."""

    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint("text_sha256", "source_lang", "target_lang", "model_version"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    source_lang: Mapped[str] = mapped_column(String(16))
    target_lang: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(200))
    translated: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class MessageTranslation(Base):
    """One inbound message translated into one reader language (subject and new text).

    ``status``: ``queued`` -> ``running`` -> ``done`` | ``failed`` (``error`` says why), or
    ``no_model`` when no installed model reaches ``target_lang`` (``error`` names the pairs to
    install). ``engine`` records which engine and route produced it ("bergamot pt→en").
    """

    __tablename__ = "message_translations"
    __table_args__ = (UniqueConstraint("message_id", "target_lang"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    source_lang: Mapped[str] = mapped_column(String(16))
    target_lang: Mapped[str] = mapped_column(String(16))
    status: Mapped[TranslationJobState] = mapped_column(
        StateColumn(TranslationJobState), index=True
    )
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime]


class User(Base):
    """A web UI login: role ``sales`` | ``supervisor`` | ``admin`` and UI language ``zh`` | ``en``.

    ``email`` is the login name and, for sales users, matches ``Customer.salesperson``.
    Only an argon2 hash of the password is stored (``mailagent.web.users``).
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="sales")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    # languages the user reads, comma-separated in order of preference ("zh,en");
    # empty: the UI language. Mail in one of them is never machine-translated for them.
    reads: Mapped[str] = mapped_column(String(64), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class WebSession(Base):
    """A web UI log-in, server-side so it can be revoked (``mailagent.web.sessions``).

    ``id`` is the SHA-256 of the random token in the cookie (a copy of the table opens no
    session). Log-out, a password change and deactivation delete the user's rows; a row past
    its idle (``last_seen_at``) or absolute (``created_at``) timeout is refused and removed.
    """

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    client: Mapped[str] = mapped_column(String(64), default="")


class LoginThrottle(Base):
    """Failed log-ins per key: ``a:<address>|<e-mail>`` (account and client) or ``c:<address>``.

    ``locked_until`` grows exponentially with ``failures`` (``mailagent.web.throttle``); kept
    in the store so it survives restarts and is shared by several web processes.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class Draft(Base):
    """A reply (or internal relay) prepared for a message; only approved drafts are sent.

    ``status``: pending -> approved -> sent | failed, or rejected. ``subject``/``body`` are the
    current version; every version is kept in ``draft_versions``. ``notes`` are the reasons
    recorded while drafting (template fallback, unpriced quote lines, ...), ``quote`` the
    computed quote lines. Who/when of each transition is in ``audit_events``.
    """

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_thread_status", "thread_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(10), default="reply")  # reply | relay
    intent: Mapped[str] = mapped_column(String(40))  # template kind, e.g. payment_overdue
    language: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(200))
    status: Mapped[DraftState] = mapped_column(
        StateColumn(DraftState), default=DraftState.PENDING, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(300), default="")
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(default=list)
    bcc_addrs: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[Any]] = mapped_column(default=list)
    reference: Mapped[str] = mapped_column(String(64), default="")
    mailbox: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[list[Any]] = mapped_column(default=list)
    quote: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200), default="mailagent")
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # one live draft per thread (drafts/threadlive.py): why a draft stopped being live
    # (superseded by a newer draft, closed by a reply sent in the thread), the draft that
    # replaced it, the held draft a salesperson must choose against (set on an edited draft
    # when new mail arrived), and the customer messages this reply answers
    thread_note: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    conflict_draft_id: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")


class DraftAttachment(Base):
    """A file that goes out with a draft: generated (quotation/PI PDF), uploaded, or picked
    from the thread's attachments. The bytes are in the blob store (kind ``attachment``)."""

    __tablename__ = "draft_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(40))  # generated:proforma | upload | thread:<pk>
    document_no: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200), default="mailagent")


class DraftVersion(Base):
    """One saved version of a draft (version 1 is what mailagent generated)."""

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(200), default="")


class Outbox(Base):
    """Delivery state of an approved draft: queued -> sending -> sent | failed | unconfirmed.

    ``message_id`` is fixed at approval and never changes for the same version, so a resend
    after a crash carries the same Message-ID. ``raw_sha256`` names the exact bytes sent (blob
    store, kind ``raw``). ``copy_state`` tracks the copy in the IMAP Sent folder: ``journal``
    (filed before SMTP, flagged pending), ``done``, ``pending`` (to append), ``skipped``.
    """

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), unique=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[OutboxState] = mapped_column(
        StateColumn(OutboxState), default=OutboxState.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sending_since: Mapped[datetime | None]
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    smtp_response: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    copy_state: Mapped[CopyState] = mapped_column(StateColumn(CopyState), default=CopyState.NONE)
    copy_uid: Mapped[int | None] = mapped_column(BigInteger)
    copy_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]  # send-later: held until then (issue 14)


# -- SLA clocks and scheduled reports (issue 6) -----------------------------------------------

__all__ += ["ReportRun", "SlaClock"]


class SlaClock(Base):
    """One SLA policy's clock for one inbound message (``rules/sla.toml`` policy id).

    ``state`` is running | paused | warning | met | breached as last evaluated by
    ``slaservice.refresh_clocks``; ``reasons`` say why (calendar, holidays, pauses, stop).
    ``warned_at``/``escalated_at`` are set once, when the warning / escalation was sent, so a
    re-run never repeats it; an escalated clock stays flagged in the UI until
    ``acknowledged_at``. ``elapsed_seconds`` is the business time run (to the stop or now).
    """

    __tablename__ = "sla_clocks"
    __table_args__ = (UniqueConstraint("message_pk", "policy_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    policy_id: Mapped[str] = mapped_column(String(100))
    intent: Mapped[str] = mapped_column(String(20))
    metric: Mapped[str] = mapped_column(String(20))  # answered | relayed
    timezone: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    warn_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20), default="running", index=True)
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    stopped_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    evaluated_at: Mapped[datetime]


class ReportRun(Base):
    """A scheduled report that was sent: one row per (kind, period), so it is sent once."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("kind", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # daily | weekly
    period: Mapped[str] = mapped_column(String(20))  # 2026-11-23 | 2026-W48
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    sent_at: Mapped[datetime]


# -- follow-up engine (issue 14) ----------------------------------------------------------------

__all__ += ["FollowupItem", "Payment"]


class FollowupItem(Base):
    """One thing the follow-up engine did, keyed so that it is done once.

    ``key`` names the occasion: ``silence:<thread>:<anchor>:<try>``, ``ladder:<order>:<step>``,
    ``greeting:<customer>:<occasion>:<year>``, ``closure:<customer>:<closure>:<year>``,
    ``answered:<draft>``. ``kind`` is silence | ladder | escalation | greeting | closure |
    answered; ``state`` drafted | cancelled | done | failed. ``reasons`` say why.
    """

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(20), default="drafted", index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    rule_id: Mapped[str] = mapped_column(String(100), default="")
    step: Mapped[str] = mapped_column(String(60), default="")
    anchor: Mapped[str] = mapped_column(String(998), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Payment(Base):
    """A payment against an order: recorded by a person, or claimed by the customer's mail.

    ``state`` is confirmed (counts towards ``orders.paid_amount``) or claimed (the customer
    says paid, e.g. a remittance slip arrived; a salesperson confirms it).
    """

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20), default="payment")  # deposit | balance | payment
    reference: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), default="confirmed")
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime]


# -- operations (issue 19) ---------------------------------------------------------------------

__all__ += ["RetentionPurge"]


class RetentionPurge(Base):
    """A message whose raw bytes retention deleted on purpose (the parsed row is kept)."""

    __tablename__ = "retention_purges"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw_size: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    purged_at: Mapped[datetime]


# -- conversations (issue 16) ------------------------------------------------------------------

__all__ += ["ThreadRead", "ThreadState"]


class ThreadState(Base):
    """A person's work state of one thread: owner, snooze, done (``messages.conversations``).

    Snoozed until ``snoozed_until``, or (``snooze_until_reply``) until a customer message
    arrives after ``snoozed_at``. Done since ``done_at`` until a customer message arrives
    after it. ``owner`` is a team user's e-mail ("" = nobody).
    """

    __tablename__ = "thread_states"
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str] = mapped_column(String(320), default="", server_default="", index=True)
    snoozed_until: Mapped[datetime | None]
    snooze_until_reply: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    snoozed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(320), default="", server_default="")


# what the conversation inbox aggregates per thread, readable from the index alone
Index(
    "ix_messages_thread_activity",
    Message.thread_id,
    Message.received_at,
    Message.direction,
    Message.disposition,
    Message.customer_id,
    Message.id,
)


class ThreadRead(Base):
    """When a user last opened a thread: later messages make it unread for them."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("thread_id", "user_email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_email: Mapped[str] = mapped_column(String(320))
    read_at: Mapped[datetime]


# -- server folder moves (issue 14, part 5) ---------------------------------------------------

__all__ += ["ServerMove"]


class ServerMove(Base):
    """A move of a stored message on its IMAP server, asked for by a person.

    Written when someone marks a message junk / not junk / phishing or archives it and
    ``followups.mirror_moves`` is on; the daemon's follow-up job drains the queue
    (``mailagent.followups.imapmoves``). ``state``: queued (retried while the server is
    away, each failure appended to ``reasons``) | done | superseded (a later request for the
    same message) | skipped (nothing to move) | failed (gave up after many tries).
    """

    __tablename__ = "server_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # junk | notjunk | phishing | archive
    target: Mapped[str] = mapped_column(String(255))
    state: Mapped[MoveState] = mapped_column(
        StateColumn(MoveState), default=MoveState.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    requested_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
