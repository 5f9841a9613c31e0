"""Use case: ingest raw messages into the store, never losing one (the capture stage).

For every message the raw bytes are written to the content-addressed blob store first.
Then, inside one database transaction per batch (together with the folder's UID state),
each message is parsed, threaded (references, subject token) and stored in its own
savepoint with ``status = "new"``. Whatever goes wrong with one message rolls back only that
message, which is then quarantined with its reason; the batch and the daemon go on.
Re-ingesting the same server location or the same Message-ID is a no-op apart from
recording the new location.

Triage (language, intent, filing, drafts) is the next stage, :mod:`mailagent.triaging`.
``ingest_batch(..., triage=True)`` (imports, the demo, reprocessing) runs it on the stored
messages right after the commit; the daemon passes ``triage=False`` and lets its triage
worker catch up, so capture runs at parse-and-store speed however slow triage is.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.capture.imap import FolderState
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.db.threadindex import ThreadIndex
from mailagent.db.triage_rows import NEW, TRIAGE_FAILED
from mailagent.errors import NotFound, ParseError
from mailagent.logs import message_fields
from mailagent.parse.message import parse_message
from mailagent.parse.spool import Spool
from mailagent.records import Attachment, FetchedMail, InboundMail

__all__ = ["IngestResult", "IngestStatus", "ingest_batch", "ingest_raw", "reprocess"]

log = logging.getLogger(__name__)

SPOOL_DIR = "spool"  # under store.dir: same filesystem as the blob store, so moves are renames
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
    triage: bool = True,
) -> list[IngestResult]:
    """Store a batch (and the folder's new UID state) in one transaction.

    With ``triage`` the stored messages are triaged right after the commit (a triage
    failure turns that message's result into QUARANTINED, the message stays stored).
    """
    parsed: dict[int, InboundMail | _Failed] = {}  # parse once, even if the batch is redone
    # raw bytes are written first and are durable before the batch commits (_store_batch
    # flushes the blob store last); one filesystem sync per batch, not one per file.
    # Large attachments are decoded into the spool while parsing and moved into the blob
    # store from there (never whole in memory); the spool deletes what is left at the end.
    spool = Spool(Path(app.settings.store.dir) / SPOOL_DIR)
    with spool, app.blobs.deferred(), app.sessions() as session:
        shas = [app.blobs.put_raw(fetched.raw) for fetched in batch]
        _parse_before(app, mailbox, batch, parsed, spool)
        try:  # fast path: the whole batch without a savepoint per message
            with session.begin():
                results = _store_batch(
                    app, session, mailbox, kind, batch, shas, parsed, state, spool=spool
                )
        except Exception as exc:  # some message failed: redo, isolating each one
            log.info("batch of %d: %s; storing one by one", len(batch), type(exc).__name__)
            with session.begin():
                results = _store_batch(
                    app, session, mailbox, kind, batch, shas, parsed, state, isolate=True
                )
    if triage:
        results = _with_triage(app, results)
    for r in results:
        log.info(
            "%s %s (%s)%s",
            r.message_id or "-",
            r.status.value,
            r.origin,
            f": {r.reason}" if r.reason else "",
            extra=message_fields(r.message_id),
        )
    return results


def _parse_before(
    app: App,
    mailbox: str,
    batch: Sequence[FetchedMail],
    parsed: dict[int, InboundMail | _Failed],
    spool: Spool,
) -> None:
    """Parse the batch before its write transaction begins, so the write lock (SQLite) is
    held for storing only, not for parsing: the triage worker, live mail's claims and the
    web UI wait that much less. Locations already stored (a batch redone after a crash, a
    UIDVALIDITY resync) are looked up first, in a read that takes no write lock, and skipped.
    """
    locations = [(f.folder, f.uidvalidity, f.uid) for f in batch if f.uid]
    known: set[tuple[str, int, int]] = set()
    if locations:
        with app.sessions() as session:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            box = session.scalar(select(m.Mailbox.id).where(m.Mailbox.name == mailbox))
            if box is not None:
                known = q.known_locations(session, box, locations)
    for i, f in enumerate(batch):
        if not (f.uid and (f.folder, f.uidvalidity, f.uid) in known):
            parsed[i] = _parse(app, f, spool)


def _store_batch(
    app: App,
    session: Session,
    mailbox: str,
    kind: str,
    batch: Sequence[FetchedMail],
    shas: list[str],
    parsed: dict[int, InboundMail | _Failed],
    state: FolderState | None,
    *,
    isolate: bool = False,
    spool: Spool | None = None,
) -> list[IngestResult]:
    box = q.get_or_create_mailbox(session, mailbox, kind)
    seen = _Seen(
        q.known_locations(
            session, box.id, [(f.folder, f.uidvalidity, f.uid) for f in batch if f.uid]
        )
    )
    for i, f in enumerate(batch):
        if i not in parsed and not seen.has_location(f):
            parsed[i] = _parse(app, f, spool)
    mails = [p for p in parsed.values() if isinstance(p, InboundMail)]
    seen.pks = dict(q.message_pks(session, [p.message_id for p in mails]))
    seen.threads = ThreadIndex(session, mails)
    done = [
        _ingest_guarded(app, session, box.id, f, shas[i], parsed.get(i), seen, isolate)
        for i, f in enumerate(batch)
    ]
    session.flush()  # one flush for the batch: new rows get their ids
    results = [r if row is None else dataclasses.replace(r, message_pk=row.id) for r, row in done]
    if state is not None and batch:
        q.save_folder_state(
            session, box.id, batch[0].folder, state.uidvalidity, state.last_uid, app.clock()
        )
    app.blobs.flush()  # raw bytes and attachments on disk before the rows that name them
    return results


@dataclass
class _Seen:
    """What the store already holds for this batch (one query each instead of two a mail)."""

    locations: set[tuple[str, int, int]]
    pks: dict[str, int | m.Message] = dataclasses.field(default_factory=dict)
    threads: ThreadIndex | None = None

    def has_location(self, f: FetchedMail) -> bool:
        return bool(f.uid) and (f.folder, f.uidvalidity, f.uid) in self.locations


@dataclass(frozen=True, slots=True)
class _Failed:
    """Why a message could not be parsed (quarantined with this reason)."""

    reason: str
    detail: str = ""


def _parse(app: App, f: FetchedMail, spool: Spool | None = None) -> InboundMail | _Failed:
    try:
        return parse_message(f.raw, app.settings.parse, spool)
    except ParseError as exc:
        return _Failed(f"unparseable: {exc}")
    except Exception as exc:  # a parser bug must cost only this message
        log.exception("%s: parsing failed; quarantined", f.origin)
        return _Failed(f"{type(exc).__name__}: {exc}", traceback.format_exc())


def ingest_raw(
    app: App, raws: Iterable[tuple[bytes, str]], mailbox: str = "import", *, triage: bool = True
) -> list[IngestResult]:
    """Ingest standalone messages (files, reprocessing): ``(raw, origin)`` pairs."""
    batch = [
        FetchedMail(raw=raw, mailbox=mailbox, folder="", uidvalidity=0, uid=0, origin=origin)
        for raw, origin in raws
    ]
    return ingest_batch(app, mailbox, batch, None, kind="import", triage=triage)


def _with_triage(app: App, results: list[IngestResult]) -> list[IngestResult]:
    stored = [r.message_pk for r in results if r.status is IngestStatus.STORED and r.message_pk]
    # imported here: the daemon's capture process stores with triage=False and must not load
    # triage (language profiles, intent model, drafting) only to capture
    from mailagent.triage.worker import triage_messages

    failed = {o.message_pk: o for o in triage_messages(app, stored) if not o.ok}
    return [
        dataclasses.replace(
            r,
            status=IngestStatus.QUARANTINED,
            quarantine_id=failed[r.message_pk].quarantine_id,
            reason=failed[r.message_pk].reason,
        )
        if r.status is IngestStatus.STORED and r.message_pk in failed
        else r
        for r in results
    ]


def _ingest_guarded(
    app: App,
    session: Session,
    mailbox_id: int,
    f: FetchedMail,
    sha: str,
    mail: InboundMail | _Failed | None,
    seen: _Seen,
    isolate: bool,
) -> tuple[IngestResult, m.Message | None]:
    """The result for one message and the stored row it refers to (its id comes at flush)."""
    if mail is None or seen.has_location(f):
        return _duplicate(f, "location already stored"), None
    if isinstance(mail, _Failed):
        return _quarantine(app, session, mailbox_id, f, sha, mail.reason, mail.detail), None
    if not isolate:  # an exception here makes ingest_batch redo the batch isolated
        return _ingest_one(app, session, mailbox_id, f, mail, seen)
    try:
        with session.begin_nested():
            return _ingest_one(app, session, mailbox_id, f, mail, seen)
    except IntegrityError as exc:
        # a concurrent worker stored the same message between our check and insert
        log.info("%s: concurrent insert (%s); treating as duplicate", f.origin, exc.orig)
        outcome = _duplicate(f, "stored by another worker"), None
    except Exception as exc:
        log.exception("%s: processing failed; quarantined", f.origin)
        reason = f"{type(exc).__name__}: {exc}"
        outcome = (
            _quarantine(app, session, mailbox_id, f, sha, reason, traceback.format_exc()),
            None,
        )
    # the savepoint rolled back: reload what the batch index had learnt from the store
    assert seen.threads is not None
    seen.threads = ThreadIndex(session, seen.threads.mails)
    return outcome


def _duplicate(f: FetchedMail, reason: str) -> IngestResult:
    return IngestResult(IngestStatus.DUPLICATE, f.origin, reason=reason)


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
    app: App, session: Session, mailbox_id: int, f: FetchedMail, mail: InboundMail, seen: _Seen
) -> tuple[IngestResult, m.Message | None]:
    location = (f.folder, f.uidvalidity, f.uid)
    existing = seen.pks.get(mail.message_id)
    if existing is not None:
        row = existing if isinstance(existing, m.Message) else None
        if f.uid and location not in seen.locations:
            if isinstance(existing, m.Message):
                existing.locations.append(_location(mailbox_id, location))
            else:
                session.add(_location(mailbox_id, location, existing))
            seen.locations.add(location)
        result = IngestResult(
            IngestStatus.DUPLICATE,
            f.origin,
            message_pk=existing if isinstance(existing, int) else None,
            message_id=mail.message_id,
            reason="same Message-ID already stored",
        )
        return result, row
    assert seen.threads is not None
    row = _store(app, session, mail, f, seen.threads)
    if f.uid:
        row.locations.append(_location(mailbox_id, location))
    seen.pks[mail.message_id] = row
    seen.locations.add(location)
    return IngestResult(IngestStatus.STORED, f.origin, message_id=mail.message_id), row


def _location(
    mailbox_id: int, location: tuple[str, int, int], message_pk: int | None = None
) -> m.MessageLocation:
    folder, uidvalidity, uid = location
    return m.MessageLocation(
        message_pk=message_pk,
        mailbox_id=mailbox_id,
        folder=folder,
        uidvalidity=uidvalidity,
        uid=uid,
    )


DATE_SKEW = timedelta(hours=1)  # a Date header later than capture + this is not believed


def _received_at(app: App, mail: InboundMail, f: FetchedMail) -> datetime:
    """When the mail arrived: the server's INTERNALDATE, else the Date header unless it lies
    in the future (a wrong sender clock or spam), else now. SLA clocks start from it."""
    now = app.clock()
    date = mail.date if mail.date and _aware(mail.date) <= now + DATE_SKEW else None
    return _aware(f.internal_date or date or now)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _store(
    app: App, session: Session, mail: InboundMail, f: FetchedMail, threads: ThreadIndex
) -> m.Message:
    received_at = _received_at(app, mail, f)
    thread, method = threads.thread_for(mail, received_at)
    stored = [_store_attachment(app, a) for a in mail.attachments]
    sender_domain = mail.from_.domain if mail.from_ else ""
    own = {d.lower() for d in app.settings.team.own_domains}
    outbound = sender_domain in own or _in_sent_folder(app, f)
    return q.store_message(
        session,
        mail,
        thread=thread,
        thread_method=method,
        origin=f.origin,
        direction="outbound" if outbound else "inbound",
        received_at=received_at,
        now=app.clock(),
        stored_attachments=stored,
    )


def _in_sent_folder(app: App, f: FetchedMail) -> bool:
    """Mail from a mailbox's Sent folder is ours, whatever domain it was sent from."""
    if not f.folder:
        return False
    return any(
        mb.name == f.mailbox and mb.sent_folder == f.folder for mb in app.settings.imap.mailboxes
    )


def _store_attachment(app: App, attachment: Attachment) -> bool:
    if attachment.truncated:
        return False
    if attachment.spool_path is not None:
        source = Path(attachment.spool_path)
        if source.exists():  # else: moved in already by an earlier try of this batch
            app.blobs.put_attachment_file(source, attachment.sha256)
        return True
    app.blobs.put_attachment(attachment.payload, attachment.sha256)
    return True


def reprocess(app: App, quarantine_id: int, actor: str = "cli") -> IngestResult:
    """Replay a quarantined message; on success the quarantine row is resolved."""
    with app.sessions() as session:
        row = session.get(m.Quarantine, quarantine_id)
        if row is None:
            raise NotFound(f"no quarantined message with id {quarantine_id}")
        if row.resolved_at is not None:
            raise NotFound(f"quarantined message {quarantine_id} was already resolved")
        sha, origin, folder = row.raw_sha256, row.origin, row.folder or ""
        uidvalidity, uid = row.uidvalidity or 0, row.uid or 0
        mailbox_name = "import"
        if row.mailbox_id is not None:
            box = session.get(m.Mailbox, row.mailbox_id)
            mailbox_name = box.name if box else "import"
        stored_pk = row.message_pk if row.stage == "triage" else None
    if stored_pk is not None:
        result = _retriage(app, stored_pk, origin)
    else:
        fetched = FetchedMail(
            raw=app.blobs.get_raw(sha),
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


def _retriage(app: App, message_pk: int, origin: str) -> IngestResult:
    """Run triage again on a stored message whose triage failed."""
    with app.sessions() as session, session.begin():
        msg = session.get(m.Message, message_pk)
        if msg is None:
            raise NotFound(f"message {message_pk} of this quarantine entry no longer exists")
        if msg.status == TRIAGE_FAILED:
            msg.status = NEW
        message_id = msg.message_id
    from mailagent.triage.worker import triage_messages

    outcomes = triage_messages(app, [message_pk])
    failed = next((o for o in outcomes if not o.ok), None)
    if failed is not None:
        return IngestResult(
            IngestStatus.QUARANTINED,
            f"reprocess:{origin}",
            message_pk=message_pk,
            quarantine_id=failed.quarantine_id,
            message_id=message_id,
            reason=failed.reason,
        )
    return IngestResult(
        IngestStatus.STORED, f"reprocess:{origin}", message_pk=message_pk, message_id=message_id
    )
