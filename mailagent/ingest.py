"""Use case: ingest raw messages into the store, never losing one.

For every message the raw bytes are written to the content-addressed blob store first.
Then, inside one database transaction per batch (together with the folder's UID state),
each message is parsed, triaged by the pipeline and stored in its own savepoint. Whatever
goes wrong with one message rolls back only that message, which is then quarantined with
its reason; the batch and the daemon go on. Re-ingesting the same server location or the
same Message-ID is a no-op apart from recording the new location.
"""

from __future__ import annotations

import enum
import logging
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent import pipeline
from mailagent.app import App
from mailagent.blobstore import sha256_hex
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.db.directory import SqlDirectory, create_prospect
from mailagent.drafting import prepare_drafts
from mailagent.errors import ParseError
from mailagent.imap import FolderState
from mailagent.parse import parse_message
from mailagent.records import FetchedMail, InboundMail, Intent, LinkMethod

__all__ = ["IngestResult", "IngestStatus", "ingest_batch", "ingest_raw", "reprocess"]

log = logging.getLogger(__name__)
audit = logging.getLogger("mailagent.audit")


class IngestStatus(enum.StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class IngestResult:
    status: IngestStatus
    origin: str
    message_pk: int | None = None
    quarantine_id: int | None = None
    message_id: str | None = None
    reason: str = ""


def ingest_batch(
    app: App,
    mailbox: str,
    batch: Sequence[FetchedMail],
    state: FolderState | None = None,
    *,
    kind: str = "imap",
) -> list[IngestResult]:
    """Store a batch (and the folder's new UID state) in one transaction."""
    for fetched in batch:  # raw bytes are safe on disk before anything else happens
        app.blobs.put_raw(fetched.raw)
    results: list[IngestResult] = []
    with app.sessions() as session, session.begin():
        box = q.get_or_create_mailbox(session, mailbox, kind)
        for fetched in batch:
            results.append(_ingest_guarded(app, session, box.id, fetched))
        if state is not None and batch:
            q.save_folder_state(
                session, box.id, batch[0].folder, state.uidvalidity, state.last_uid, app.clock()
            )
    for r in results:
        log.info(
            "%s %s (%s)%s",
            r.message_id or "-",
            r.status.value,
            r.origin,
            f": {r.reason}" if r.reason else "",
        )
    return results


def ingest_raw(
    app: App, raws: Iterable[tuple[bytes, str]], mailbox: str = "import"
) -> list[IngestResult]:
    """Ingest standalone messages (files, reprocessing): ``(raw, origin)`` pairs."""
    batch = [
        FetchedMail(raw=raw, mailbox=mailbox, folder="", uidvalidity=0, uid=0, origin=origin)
        for raw, origin in raws
    ]
    return ingest_batch(app, mailbox, batch, None, kind="import")


def _ingest_guarded(app: App, session: Session, mailbox_id: int, f: FetchedMail) -> IngestResult:
    sha = sha256_hex(f.raw)
    try:
        with session.begin_nested():
            return _ingest_one(app, session, mailbox_id, f, sha)
    except ParseError as exc:
        return _quarantine(app, session, mailbox_id, f, sha, f"unparseable: {exc}", "")
    except IntegrityError as exc:
        # a concurrent worker stored the same message between our check and insert
        log.info("%s: concurrent insert (%s); treating as duplicate", f.origin, exc.orig)
        return IngestResult(IngestStatus.DUPLICATE, f.origin, reason="stored by another worker")
    except Exception as exc:
        log.exception("%s: processing failed; quarantined", f.origin)
        reason = f"{type(exc).__name__}: {exc}"
        return _quarantine(app, session, mailbox_id, f, sha, reason, traceback.format_exc())


def _quarantine(
    app: App, session: Session, mailbox_id: int, f: FetchedMail, sha: str, reason: str, detail: str
) -> IngestResult:
    with session.begin_nested():
        row = q.quarantine(
            session,
            raw_sha256=sha,
            raw_size=len(f.raw),
            origin=f.origin,
            reason=reason[:2000],
            detail=detail,
            now=app.clock(),
            mailbox_id=mailbox_id,
            folder=f.folder or None,
            uidvalidity=f.uidvalidity or None,
            uid=f.uid or None,
        )
    audit.warning("%s quarantined: %s", f.origin, reason)
    return IngestResult(IngestStatus.QUARANTINED, f.origin, quarantine_id=row.id, reason=reason)


def _ingest_one(
    app: App, session: Session, mailbox_id: int, f: FetchedMail, sha: str
) -> IngestResult:
    if f.uid and q.location_exists(session, mailbox_id, f.folder, f.uidvalidity, f.uid):
        return IngestResult(IngestStatus.DUPLICATE, f.origin, reason="location already stored")
    mail = parse_message(f.raw, app.settings.parse)
    existing = q.message_by_message_id(session, mail.message_id)
    if existing is not None:
        if f.uid:
            q.add_location(session, existing.id, mailbox_id, f.folder, f.uidvalidity, f.uid)
        return IngestResult(
            IngestStatus.DUPLICATE,
            f.origin,
            message_pk=existing.id,
            message_id=mail.message_id,
            reason="same Message-ID already stored",
        )
    row = _triage_and_store(app, session, mail, f)
    if f.uid:
        q.add_location(session, row.id, mailbox_id, f.folder, f.uidvalidity, f.uid)
    return IngestResult(
        IngestStatus.STORED, f.origin, message_pk=row.id, message_id=mail.message_id
    )


def _received_at(app: App, mail: InboundMail, f: FetchedMail) -> datetime:
    when = f.internal_date or mail.date or app.clock()
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _triage_and_store(app: App, session: Session, mail: InboundMail, f: FetchedMail) -> m.Message:
    now = app.clock()
    ctx = app.context()
    received_at = _received_at(app, mail, f)
    stored = [_store_attachment(app, a.payload, a.sha256, a.truncated) for a in mail.attachments]
    thread = q.resolve_thread(session, mail)
    env = pipeline.TriageEnv(
        ctx=ctx,
        directory=SqlDirectory(session),
        ruleset=app.ruleset,
        model=app.model,
        thread=thread,
    )
    triage = pipeline.run(mail, env)
    link = triage.link
    customer_id = link.customer_id if link else None
    if (
        link is not None
        and link.method is LinkMethod.PROSPECT
        and triage.classification is not None
        and triage.classification.intent is Intent.INQUIRY
    ):
        customer_id = create_prospect(session, mail, now, free_mail_domains=ctx.free_mail_domains)
    if thread is None:
        thread = q.subject_thread(session, mail, customer_id, received_at)
    sender_domain = mail.from_.domain if mail.from_ else ""
    direction = "outbound" if sender_domain in ctx.own_domains else "inbound"
    row = q.store_message(
        session,
        mail,
        triage,
        thread=thread,
        customer_id=customer_id,
        origin=f.origin,
        direction=direction,
        received_at=received_at,
        now=now,
        stored_attachments=stored,
    )
    lang = triage.language.lang if triage.language else "unknown"
    if (
        app.settings.translation.enabled
        and direction == "inbound"
        and lang not in ("unknown", ctx.team_language)
        and mail.new_text.strip()
    ):
        row.translation_status = "pending"
        row.translation_target = ctx.team_language
    prepare_drafts(session, app, row)  # never raises: failures are audited, mail is kept
    return row


def _store_attachment(app: App, payload: bytes, sha: str, truncated: bool) -> bool:
    if truncated:
        return False
    app.blobs.put_attachment(payload, sha)
    return True


def reprocess(app: App, quarantine_id: int, actor: str = "cli") -> IngestResult:
    """Replay a quarantined message; on success the quarantine row is resolved."""
    with app.sessions() as session:
        row = session.get(m.Quarantine, quarantine_id)
        if row is None:
            raise LookupError(f"no quarantined message with id {quarantine_id}")
        if row.resolved_at is not None:
            raise LookupError(f"quarantined message {quarantine_id} was already resolved")
        sha, origin, folder = row.raw_sha256, row.origin, row.folder or ""
        uidvalidity, uid = row.uidvalidity or 0, row.uid or 0
        mailbox_name = "import"
        if row.mailbox_id is not None:
            box = session.get(m.Mailbox, row.mailbox_id)
            mailbox_name = box.name if box else "import"
    raw = app.blobs.get_raw(sha)
    fetched = FetchedMail(
        raw=raw,
        mailbox=mailbox_name,
        folder=folder,
        uidvalidity=uidvalidity,
        uid=uid,
        origin=f"reprocess:{origin}",
    )
    (result,) = ingest_batch(app, mailbox_name, [fetched], None)
    if result.status is not IngestStatus.QUARANTINED:
        with app.sessions() as session, session.begin():
            qrow = session.get(m.Quarantine, quarantine_id)
            assert qrow is not None
            qrow.resolved_at = app.clock()
            qrow.message_pk = result.message_pk
            q.audit(
                session,
                actor,
                "reprocess",
                app.clock(),
                result.message_pk,
                quarantine_id=quarantine_id,
                status=result.status.value,
            )
    return result
