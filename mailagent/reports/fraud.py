"""The supervisor report's fraud section: messages with unacknowledged fraud warnings.

Reads the store only (``session``); :func:`fraud_table` returns a plain
:class:`~mailagent.reports.queries.Table` that the e-mail report shows first, in red, and
``mailagent report`` can print like any other table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from mailagent.db import models as m
from mailagent.reports.queries import Table

__all__ = ["FRAUD_DAYS", "fraud_table"]

FRAUD_DAYS = 30  # warnings of mail received this many days back stay in the report


def fraud_table(session: Session, now: datetime, tz: ZoneInfo, limit: int = 50) -> Table:
    """Unacknowledged fraud warnings of the last :data:`FRAUD_DAYS` days, newest first."""
    stmt = (
        select(m.Message)
        .where(
            m.Message.direction == "inbound",
            m.Message.fraud_ack_at.is_(None),
            m.Message.received_at >= now - timedelta(days=FRAUD_DAYS),
            func.length(cast(m.Message.fraud_flags, Text)) > 2,  # not "[]"
            m.Message.relevance.in_(("customer", "phishing")),  # plain junk is not news
        )
        .order_by(m.Message.received_at.desc(), m.Message.id.desc())
        .limit(limit)
    )
    rows = []
    for msg in session.scalars(stmt):
        flags = [f for f in msg.fraud_flags if isinstance(f, dict)]
        if not flags:
            continue
        received = (
            msg.received_at
            if msg.received_at.tzinfo
            else msg.received_at.replace(tzinfo=ZoneInfo("UTC"))
        )
        rows.append(
            (
                msg.id,
                f"{received.astimezone(tz):%Y-%m-%d %H:%M}",
                msg.from_email,
                msg.subject[:80],
                ", ".join(dict.fromkeys(str(f.get("kind")) for f in flags)),
                " | ".join(str(f.get("reason"))[:160] for f in flags),
            )
        )
    return Table(
        "fraud",
        "FRAUD WARNINGS — a supervisor must check these (mailagent messages ack-fraud ID)",
        ("id", "received", "from", "subject", "warning", "why"),
        tuple(rows),
    )
