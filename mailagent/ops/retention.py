"""Retention: delete the raw bytes (and stored attachments) of old junk and bulk mail.

Which mail qualifies is configuration (``[ops]``): inbound messages older than
``retention_days`` whose relevance (spam, phishing, bulk, ...: the relevance gate) or
``disposition`` is in ``retention_dispositions``
or whose ``auto_reply`` kind is in ``retention_auto_reply`` (list, bounce, auto_reply).
Mail filed to a customer is never touched unless ``retention_customer_mail`` says so. The
parsed message row stays (subject, sender, text, decisions); only the blobs go, and each
purge is recorded in ``retention_purges`` with its reason, first and in its own
transaction, so ``mailagent verify`` knows the blob is gone on purpose. A blob another kept
row still references (same bytes, a quarantine entry, a sent reply) is never deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from mailagent.app import App
from mailagent.db import models as m
from mailagent.ops.storefiles import BLOB_KINDS, referenced_blobs

__all__ = ["Purge", "RetentionReport", "apply_retention", "candidates"]

log = logging.getLogger(__name__)
audit = logging.getLogger("mailagent.audit")

BATCH = 500


@dataclass(frozen=True, slots=True)
class Purge:
    message_pk: int
    message_id: str
    raw_sha256: str
    raw_size: int
    reason: str


@dataclass(frozen=True, slots=True)
class RetentionReport:
    dry_run: bool
    cutoff: datetime | None
    purges: tuple[Purge, ...]
    files_deleted: int

    @property
    def bytes(self) -> int:
        return sum(p.raw_size for p in self.purges)


def candidates(app: App, now: datetime, limit: int | None = None) -> list[Purge]:
    """Messages whose raw mail retention would delete now (oldest first)."""
    ops = app.settings.ops
    if ops.retention_days <= 0:
        return []
    cutoff = now - timedelta(days=ops.retention_days)
    msg = m.Message
    kinds = [k for k in ops.retention_auto_reply]
    wanted = ops.retention_dispositions
    rules = [
        msg.relevance.in_(wanted),
        msg.disposition.in_(wanted),
        msg.auto_reply.in_(kinds),
    ]
    stmt = (
        select(
            msg.id,
            msg.message_id,
            msg.raw_sha256,
            msg.raw_size,
            msg.relevance,
            msg.disposition,
            msg.auto_reply,
        )
        .where(
            msg.direction == "inbound",
            msg.received_at < cutoff,
            or_(*rules),
            ~select(m.RetentionPurge.id).where(m.RetentionPurge.message_pk == msg.id).exists(),
        )
        .order_by(msg.received_at, msg.id)
        .limit(limit)
    )
    if not ops.retention_customer_mail:
        stmt = stmt.where(msg.customer_id.is_(None))
    out = []
    with app.sessions() as session:
        for pk, mid, sha, size, relevance, disposition, auto_reply in session.execute(stmt):
            if relevance in wanted:
                why = f"relevance {relevance}"
            elif disposition in wanted:
                why = f"disposition {disposition}"
            else:
                why = f"auto-reply kind {auto_reply}"
            reason = f"retention: {why}, older than {ops.retention_days} days"
            out.append(Purge(int(pk), str(mid), str(sha), int(size), reason))
    return out


def apply_retention(app: App, now: datetime, *, dry_run: bool = False) -> RetentionReport:
    """Delete the raw mail of every candidate (or only list them with ``dry_run``)."""
    ops = app.settings.ops
    cutoff = now - timedelta(days=ops.retention_days) if ops.retention_days > 0 else None
    if dry_run:
        return RetentionReport(True, cutoff, tuple(candidates(app, now)), 0)
    done: list[Purge] = []
    deleted = 0
    while batch := candidates(app, now, BATCH):
        pks = [p.message_pk for p in batch]
        with app.sessions() as session, session.begin():
            for p in batch:
                session.add(
                    m.RetentionPurge(
                        message_pk=p.message_pk,
                        raw_sha256=p.raw_sha256,
                        raw_size=p.raw_size,
                        reason=p.reason,
                        purged_at=now,
                    )
                )
            attachments = set(
                session.scalars(
                    select(m.Attachment.sha256).where(
                        m.Attachment.message_pk.in_(pks), m.Attachment.stored.is_(True)
                    )
                )
            )
            session.execute(
                update(m.Attachment).where(m.Attachment.message_pk.in_(pks)).values(stored=False)
            )
        deleted += _delete_unreferenced(app, {p.raw_sha256 for p in batch}, attachments)
        for p in batch:
            audit.info("%s: raw mail deleted (%s)", p.message_id, p.reason)
        done += batch
    if done:
        log.info("retention: raw mail of %d message(s) deleted, %d file(s)", len(done), deleted)
    return RetentionReport(False, cutoff, tuple(done), deleted)


def _delete_unreferenced(app: App, raws: set[str], attachments: set[str]) -> int:
    with app.engine.connect() as conn:
        still = referenced_blobs(conn)
    deleted = 0
    for kind, hashes in (
        ("raw", raws - still["raw"]),
        ("attachments", attachments - still["attachments"]),
    ):
        for digest in hashes:
            path = app.blobs.path(kind, digest, BLOB_KINDS[kind])
            if path.exists():
                path.unlink()
                deleted += 1
    return deleted
