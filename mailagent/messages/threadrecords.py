"""The records of conversations (what ``messages.conversations`` returns) and the pure
rules behind them: the time left on an SLA clock at a given ``now``, and which attachments
get an inline preview. No database, no clock: shared by the web UI and the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailagent.records import DraftState
from mailagent.translation.shown import Translated

__all__ = [
    "AuditLine",
    "ClockView",
    "Person",
    "ThreadAttachment",
    "ThreadDetail",
    "ThreadDraft",
    "ThreadFilter",
    "ThreadMessage",
    "ThreadRow",
    "TimeLeft",
    "Translated",
    "preview_kind",
    "time_left",
]


def _aware(value: datetime) -> datetime:
    """Stored instants are UTC (SQLite hands them back naive)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # never SVG (it is a program)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str

    @property
    def label(self) -> str:
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class TimeLeft:
    """An SLA clock against ``now``: ``minutes`` to its due time (negative: overdue).

    ``urgency``: overdue | soon (past the warning time) | ok | paused.
    """

    state: str
    policy_id: str
    due_at: datetime
    minutes: int
    urgency: str

    @property
    def overdue(self) -> bool:
        return self.minutes < 0

    @property
    def parts(self) -> tuple[int, int, int]:
        """(days, hours, minutes) of the span; days only from 48 h on (then no minutes)."""
        hours, mins = divmod(abs(self.minutes), 60)
        if hours >= 48:
            return hours // 24, hours % 24, 0
        return 0, hours, mins

    def text(self) -> str:
        """English, for the CLI ("2 h 10 m left", "overdue 3 h", "overdue 5 d 2 h", "paused")."""
        if self.urgency == "paused":
            return "paused"
        d, h, mins = self.parts
        units = [f"{d} d"] * bool(d) + [f"{h} h"] * bool(h) + [f"{mins} m"] * bool(mins)
        span = " ".join(units) or "0 m"
        return f"overdue {span}" if self.overdue else f"{span} left"


def time_left(
    state: str, policy_id: str, due_at: datetime, warn_at: datetime, now: datetime
) -> TimeLeft:
    """The clock as the reader sees it at ``now`` (pure)."""
    due, warn = _aware(due_at), _aware(warn_at)
    minutes = int((due - now).total_seconds() // 60)
    if state == "paused":
        urgency = "paused"
    elif minutes < 0:
        urgency = "overdue"
    elif now >= warn or state == "warning":
        urgency = "soon"
    else:
        urgency = "ok"
    return TimeLeft(state, policy_id, due, minutes, urgency)


def preview_kind(content_type: str, filename: str) -> str:
    """ "image" or "pdf" when the page may show a sanitised preview, else ""."""
    ctype = (content_type or "").lower().split(";")[0].strip()
    name = (filename or "").lower()
    if ctype in _IMAGES:
        return "image"
    if ctype == "application/pdf" or (
        ctype == "application/octet-stream" and name.endswith(".pdf")
    ):
        return "pdf"
    return ""


@dataclass(frozen=True, slots=True)
class ThreadFilter:
    """Which threads the inbox lists. ``view`` is the work state; the other fields select
    threads with at least one (visible) message that matches them all."""

    view: str = "open"
    customer_code: str | None = None
    intent: str | None = None
    sla: str | None = None
    disposition: str | None = None
    needs_review: bool = False
    unanswered: bool = False
    page: int = 1
    per_page: int = 50

    @property
    def by_message(self) -> bool:
        """Whether a filter on the threads' messages applies (beyond the customer)."""
        return bool(
            self.intent or self.sla or self.disposition or self.needs_review or self.unanswered
        )


@dataclass(frozen=True, slots=True)
class ThreadRow:
    id: int
    subject: str  # the original (the latest message's subject)
    latest_at: datetime
    latest_pk: int
    count: int
    participants: tuple[Person, ...]
    intents: tuple[str, ...]
    customer_code: str | None
    customer_name: str | None
    order_no: str | None
    owner: Person | None
    sla: TimeLeft | None
    preview: str
    preview_translated: bool
    unread: bool
    state: str  # open | snoozed | done | junk
    snoozed_until: datetime | None
    snooze_until_reply: bool
    pending_draft_id: int | None
    needs_review: bool = False  # a message's intent is uncertain (the review queue)
    # the latest customer message's subject in the reader's language, when they do not read
    # its language and the translation exists (``subject`` stays the original)
    subject_translated: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadAttachment:
    index: int  # position among the message's attachments (the download URL's index)
    filename: str
    content_type: str
    size: int
    stored: bool
    preview: str  # image | pdf | ""


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    id: int
    direction: str
    sender: Person
    to: tuple[Person, ...]
    received_at: datetime
    subject: str
    new_text: str
    quoted_text: str
    signature: str
    language: str | None
    translated: str | None  # the new text in the reader's language, when it exists
    translated_into: str | None
    intent: str | None
    disposition: str
    attachments: tuple[ThreadAttachment, ...]


@dataclass(frozen=True, slots=True)
class ThreadDraft:
    id: int
    status: str
    intent: str
    language: str
    subject: str
    message_pk: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ClockView:
    message_pk: int
    left: TimeLeft
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AuditLine:
    at: datetime
    actor: str
    actor_name: str  # the team user's name, else the actor as recorded
    action: str
    message_pk: int | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ThreadDetail:
    id: int
    subject: str
    customer_code: str | None
    customer_name: str | None
    order_no: str | None
    owner: Person | None
    state: str
    snoozed_until: datetime | None
    snooze_until_reply: bool
    done_at: datetime | None
    messages: tuple[ThreadMessage, ...]
    drafts: tuple[ThreadDraft, ...]
    clocks: tuple[ClockView, ...]
    audit: tuple[AuditLine, ...]

    @property
    def live_draft(self) -> ThreadDraft | None:
        """The newest draft waiting for approval (what "a" approves and "e" edits)."""
        waiting = [d for d in self.drafts if d.status in (DraftState.PENDING, DraftState.FAILED)]
        return max(waiting, key=lambda d: d.id) if waiting else None
