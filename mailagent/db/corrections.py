"""Corrections store: every person's correction of a triage decision, as labelled examples.

``record`` keeps one correction (what was corrected, the right label, the previous value,
who and when, and the subject and new text it was made on); ``examples`` returns this
installation's labelled examples of one kind for the intent model to learn from, the
latest correction per message winning (a message corrected twice counts once, as its last
label). ``kind`` is "intent" for reclassifications; "disposition" (junk / not junk) uses
the same table. Plain functions over a session; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailagent.db import models as m

if TYPE_CHECKING:  # imported where used: the model module loads numpy, capture needs none
    from mailagent.triage.intent_model import Example

__all__ = ["DISPOSITION", "INTENT", "KINDS", "digest", "examples", "record"]

INTENT = "intent"
DISPOSITION = "disposition"
KINDS = (INTENT, DISPOSITION)


def record(
    session: Session,
    *,
    kind: str,
    label: str,
    subject: str,
    text: str,
    actor: str,
    now: datetime,
    previous: str | None = None,
    language: str | None = None,
    message_pk: int | None = None,
) -> int:
    """Store one correction; returns its id. ``kind`` must be one of :data:`KINDS`."""
    if kind not in KINDS:
        raise ValueError(f"unknown correction kind {kind!r} (expected {', '.join(KINDS)})")
    row = m.TriageCorrection(
        message_pk=message_pk,
        kind=kind,
        label=label,
        previous=previous,
        subject=subject,
        text=text,
        language=language,
        actor=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def examples(session: Session, kind: str = INTENT) -> list[Example]:
    """The labelled examples of ``kind``, oldest first; the last correction of a message wins."""
    from mailagent.triage.intent_model import Example

    rows = session.scalars(
        select(m.TriageCorrection)
        .where(m.TriageCorrection.kind == kind)
        .order_by(m.TriageCorrection.id)
    )
    latest: dict[object, Example] = {}
    for row in rows:
        key = row.message_pk if row.message_pk is not None else ("row", row.id)
        latest.pop(key, None)  # re-insert so the order follows the latest correction
        latest[key] = Example(row.subject, row.text, row.label)
    return list(latest.values())


def digest(session: Session, kind: str = INTENT) -> str:
    """A cheap fingerprint of the corrections of ``kind`` (count and newest id)."""
    count, newest = session.execute(
        select(func.count(m.TriageCorrection.id), func.max(m.TriageCorrection.id)).where(
            m.TriageCorrection.kind == kind
        )
    ).one()
    return hashlib.sha256(f"{kind}:{count}:{newest}".encode()).hexdigest()[:12]
