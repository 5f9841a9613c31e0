"""Frozen, typed records passed between pipeline stages and layers.

Records are plain immutable data: no I/O, no database sessions, no ``email.message`` objects.
``parse.py`` builds an :class:`InboundMail` once from raw bytes; stages return their own
records (:class:`LanguageInfo`, :class:`Classification`, :class:`Link`, ...) which
``pipeline.py`` collects into a :class:`Triage`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "Address",
    "Attachment",
    "AutoReplyKind",
    "Classification",
    "CopyState",
    "DeliveryOutcome",
    "Disposition",
    "DraftState",
    "FetchedMail",
    "FraudFlag",
    "InboundMail",
    "Intent",
    "LanguageInfo",
    "Link",
    "LinkMethod",
    "MailAddress",
    "MoveState",
    "OutboxState",
    "OutgoingFile",
    "OutgoingMail",
    "Relevance",
    "RelevanceDecision",
    "TranslationJobState",
    "TranslationStatus",
    "Triage",
    "disposition_for",
]


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox: display name (decoded) and lower-cased address."""

    name: str
    email: str

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class Attachment:
    """An extracted attachment. ``payload`` is the decoded bytes, never executed or trusted.

    ``filename`` is already sanitised (no path parts, no control characters, bounded length).
    ``sha256`` is the content hash used for content-addressed storage. ``truncated`` is True
    when the part exceeded the configured size limit and ``payload`` is empty. A large part
    parsed with a spool (``parse.spool``) has an empty ``payload`` and its bytes in the file
    ``spool_path``, which ingest moves into the blob store.
    """

    filename: str
    content_type: str
    size: int
    sha256: str
    payload: bytes = field(repr=False)
    content_id: str | None = None
    inline: bool = False
    truncated: bool = False
    spool_path: str | None = None  # large parts: the decoded bytes are in this file instead


class AutoReplyKind(enum.StrEnum):
    """Why a message is machine-generated (never drafted for)."""

    NONE = "none"
    AUTO_REPLY = "auto_reply"  # RFC 3834 Auto-Submitted / out-of-office
    BOUNCE = "bounce"  # DSN (multipart/report; report-type=delivery-status) or MAILER-DAEMON
    LIST = "list"  # mailing list / bulk (List-Id, Precedence: bulk)


@dataclass(frozen=True, slots=True)
class InboundMail:
    """A parsed message. Built once by ``parse.parse_message`` from the raw bytes.

    ``new_text`` is the author's new text with quoted history and signature removed;
    ``quoted_text`` and ``signature`` hold what was removed. ``text`` is the full readable
    body (from text/plain, or HTML converted to text). ``html`` is the original HTML body
    (unsanitised: sanitise before display). ``defects`` lists parser problems that were
    repaired or tolerated (e.g. a bogus charset label) with what was done about them.
    """

    raw_sha256: str
    raw_size: int
    message_id: str  # without angle brackets; synthesised from the hash if missing
    message_id_synthetic: bool
    subject: str
    from_: Address | None
    sender: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # timezone-aware (UTC if the header had no zone)
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]  # decoded, in order
    text: str
    html: str | None
    new_text: str
    quoted_text: str
    signature: str
    attachments: tuple[Attachment, ...]
    auto_reply: AutoReplyKind
    auto_reply_reason: str | None
    charsets: tuple[str, ...]  # the charsets actually used to decode body parts
    defects: tuple[str, ...]

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), or None."""
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None


@dataclass(frozen=True, slots=True)
class FetchedMail:
    """Raw bytes as handed over by a source, with the source's bookkeeping identity.

    For IMAP, ``folder``/``uidvalidity``/``uid`` identify the message on the server; for
    file imports ``uid`` is 0 and ``origin`` names the file.
    """

    raw: bytes = field(repr=False)
    mailbox: str  # configured mailbox name (e.g. "sales")
    folder: str
    uidvalidity: int
    uid: int
    origin: str
    internal_date: datetime | None = None
    flags: tuple[str, ...] = ()


class Intent(enum.StrEnum):
    INQUIRY = "inquiry"
    ORDER = "order"
    COMPLAINT = "complaint"
    PAYMENT = "payment"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class LanguageInfo:
    """Detected language of the new text. ``lang`` is an ISO 639-1 code or "unknown"."""

    lang: str
    confidence: float
    method: str  # "script:han", "langdetect", "too-short", ...
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Classification:
    """The intent decision and why it was taken."""

    intent: Intent
    confidence: float
    rule_id: str | None  # the deciding rule; None when the model or the fallback decided
    decided_by: str  # "rule", "model", "rule+model", "thread", "fallback", "autoreply"
    reasons: tuple[str, ...]
    scores: tuple[tuple[str, float], ...] = ()
    secondary: Intent | None = None  # a runner-up intent the mail also carries
    review: tuple[str, ...] = ()  # why a person should check it; empty = confident


class LinkMethod(enum.StrEnum):
    CONTACT = "contact"  # exact contact address
    DOMAIN = "domain"  # company e-mail domain
    THREAD = "thread"  # same thread as an already-filed message
    ORDER_NUMBER = "order_number"  # order / PO / PI number found in the mail
    SIGNATURE = "signature"  # fuzzy company name in the signature
    PROSPECT = "prospect"  # unknown sender of an inquiry became a prospect
    MANUAL = "manual"  # a user re-filed it
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Link:
    """Filing decision: customer and order, each with how it was made."""

    customer_id: int | None
    order_id: int | None
    method: LinkMethod
    order_method: LinkMethod
    reasons: tuple[str, ...]
    ambiguous: bool = False


class Relevance(enum.StrEnum):
    """What kind of mail it is (the relevance gate): only CUSTOMER mail is worked on."""

    CUSTOMER = "customer"  # a real correspondent writing to us
    NOTIFICATION = "notification"  # platform / system / logistics / bank notices
    BULK = "bulk"  # newsletters, lists, marketing
    SOLICITATION = "solicitation"  # cold pitches (SEO, agents, "we are a factory of ...")
    SPAM = "spam"
    PHISHING = "phishing"


@dataclass(frozen=True, slots=True)
class RelevanceDecision:
    """The gate's decision: the disposition, its score per category and why."""

    relevance: Relevance
    scores: tuple[tuple[str, float], ...]  # (category, summed score), every category
    rule_ids: tuple[str, ...]  # the rules that hit (relationship credits included)
    reasons: tuple[str, ...]  # human-readable, shown in the UI
    known: bool = False  # a known contact/customer or our own mail in the thread


@dataclass(frozen=True, slots=True)
class FraudFlag:
    """One export-trade fraud warning (look-alike domain, bank change, ...)."""

    kind: str  # "lookalike_domain" | "display_name_spoof" | "reply_to_domain" | ...
    reason: str
    needs_ack: bool = False  # True: the message is held until a supervisor acknowledges it


class Disposition(enum.StrEnum):
    """What the pipeline decided to do with the message as a whole."""

    PROCESS = "process"
    NO_REPLY = "no_reply"  # auto-reply / bounce / list: stored and filed, never drafted
    DUPLICATE = "duplicate"
    FILTERED = "filtered"  # relevance gate: not customer mail; never drafted, no SLA clock
    HOLD = "hold"  # fraud warning: nothing automatic until a supervisor acknowledges it
    HISTORY = "history"  # older than the history cut-off: filed, classified, never drafted


@dataclass(frozen=True, slots=True)
class Triage:
    """Everything the pipeline decided about one message."""

    disposition: Disposition
    language: LanguageInfo | None = None
    classification: Classification | None = None
    link: Link | None = None
    reasons: tuple[str, ...] = ()
    relevance: RelevanceDecision | None = None
    fraud: tuple[FraudFlag, ...] = ()


class DraftState(enum.StrEnum):
    """Where a draft is in its life (``drafts.status``): only APPROVED drafts are sent."""

    PENDING = "pending"  # awaiting a salesperson's review
    HELD = "held"  # new mail arrived after an edit: the salesperson chooses
    APPROVED = "approved"  # queued in the outbox
    REJECTED = "rejected"
    SENT = "sent"
    FAILED = "failed"  # delivery failed (the error says why); can be edited and approved again
    SUPERSEDED = "superseded"  # replaced by a newer draft of the thread
    CLOSED = "closed"  # a reply was sent in the thread

    @classmethod
    def editable(cls) -> tuple[DraftState, ...]:
        """The states in which content, recipients and files may still change (an approved
        draft goes back to pending and must be approved again)."""
        return (cls.PENDING, cls.APPROVED, cls.FAILED)


class OutboxState(enum.StrEnum):
    """Delivery state of an approved draft (``outbox.state``)."""

    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker; SMTP may be under way
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # interrupted after the Sent copy was filed: a person checks
    HELD = "held"  # send later: kept back while the draft is being approved


class MoveState(enum.StrEnum):
    """State of a requested move of a message on its IMAP server (``server_moves.state``)."""

    QUEUED = "queued"  # waiting, or retried while the server is away
    DONE = "done"
    SUPERSEDED = "superseded"  # a later request for the same message replaced it
    SKIPPED = "skipped"  # nothing to move (not found on the server)
    FAILED = "failed"  # gave up after many tries


class DeliveryOutcome(enum.StrEnum):
    """What one delivery attempt of a draft ended in."""

    SENT = "sent"
    RETRY = "retry"  # a temporary failure: queued again with a backoff
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    COPY = "copy"  # only the Sent-folder copy of an earlier delivery was filed
    SKIPPED = "skipped"  # nothing was due for this draft


class CopyState(enum.StrEnum):
    """The copy of a sent mail in the IMAP Sent folder (``outbox.copy_state``)."""

    NONE = "none"
    JOURNAL = "journal"  # filed before SMTP, flagged pending
    PENDING = "pending"  # to append (the folder was unreachable)
    DONE = "done"
    SKIPPED = "skipped"  # no IMAP mailbox to file it in
    FAILED = "failed"  # appending failed; retried on later runs


class TranslationStatus(enum.StrEnum):
    """A message's translation as a whole (``messages.translation_status``)."""

    NONE = "none"  # not needed: written in a reader's language
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"  # no installed model reaches a reader's language


class TranslationJobState(enum.StrEnum):
    """One message translated into one reader language (``message_translations.status``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    NO_MODEL = "no_model"


@dataclass(frozen=True, slots=True)
class MailAddress:
    """A recipient or sender of outgoing mail: display name (may be empty) and address."""

    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    """A file that goes out with a mail: its (sanitised) name, declared type and bytes."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """An approved reply as the SMTP edge needs it: no database row, just the content."""

    sender: MailAddress
    to: tuple[MailAddress, ...]
    subject: str
    body: str
    language: str
    draft_ref: str  # "<draft id>.<version>", written as X-Mailagent-Draft
    cc: tuple[MailAddress, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[OutgoingFile, ...] = ()


def disposition_for(
    current: Disposition, relevance_value: Relevance, flags: tuple[FraudFlag, ...]
) -> Disposition:
    """The message's disposition once the gate (or a person's correction) has spoken."""
    if current not in (Disposition.PROCESS, Disposition.FILTERED, Disposition.HOLD):
        return current  # machine-generated or duplicate: stays so
    if relevance_value is not Relevance.CUSTOMER:
        return Disposition.FILTERED
    if any(f.needs_ack for f in flags):
        return Disposition.HOLD
    return Disposition.PROCESS
