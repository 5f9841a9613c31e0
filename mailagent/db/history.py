"""The history cut-off of a store: mail older than it gets no drafts, clocks or relays.

On day one on an existing mailbox the daemon captures years of mail. That mail is filed and
classified like any other, but answering it, relaying its complaints or starting SLA clocks
for it would bury the team in stale drafts and old "breaches". The cut-off is
``imap.history_days`` before the *first IMAP capture* into this store (the ``created_at``
of the first message stored from a mailbox), so it stays put across restarts and needs no
schema field. It applies to mail captured from IMAP only: ``mailagent import`` (and the
demo) load what the user chose to load, and that mail is handled in full.
Functions take the caller's session and never write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.db import models as m
from mailagent.db.queries import aware

__all__ = ["IMAP_ORIGIN", "first_capture", "from_imap", "history_cutoff"]


IMAP_ORIGIN = "imap://"


def from_imap(origin: str) -> bool:
    return origin.startswith(IMAP_ORIGIN)


def first_capture(session: Session) -> datetime | None:
    """When the first message was stored from IMAP (walks the id index from the start)."""
    first = session.scalar(
        select(m.Message.created_at)
        .where(m.Message.origin.startswith(IMAP_ORIGIN, autoescape=True))
        .order_by(m.Message.id)
        .limit(1)
    )
    return aware(first) if first is not None else None


def history_cutoff(session: Session, history_days: int) -> datetime | None:
    """Mail received before this is history (None: an empty store, nothing is)."""
    first = first_capture(session)
    return first - timedelta(days=history_days) if first is not None else None
