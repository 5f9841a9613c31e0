"""Idempotent delivery of approved drafts: the outbox state machine.

A crash between the server's "250 accepted" and our bookkeeping must never send a reply
twice. Each approved draft has one ``outbox`` row:

1. claim: ``queued -> sending`` by a conditional UPDATE, committed before any network I/O;
   the exact bytes (Message-ID fixed at approval) are kept in the blob store, so a resend is
   byte-identical;
2. journal: the copy is APPENDed to the Sent folder *before* SMTP, flagged ``$MailagentPending``;
3. SMTP: 4xx/connection errors remove the journal copy and put the row back to ``queued``
   with an exponential backoff (``failed`` after ``drafts.send_retry_max`` attempts); 5xx
   removes it and fails the draft with the server's answer; a refused login stops the run;
4. accepted: the row becomes ``sent`` (the draft too, the message ``answered``), then the
   pending flag is cleared.

A row found in ``sending`` after a crash is never blindly resent: the Sent folder (SEARCH
HEADER Message-ID) and our own store are checked first. No copy: SMTP was never reached, so
it is sent. A confirmed copy: it is marked sent. A copy still flagged pending: the attempt
died between filing the copy and recording the answer, so the row becomes ``unconfirmed``
and the draft ``failed`` with that explanation; a person decides (approving again resends
with the same Message-ID, which mail clients fold into one). If the Sent folder is
unreachable before sending, the mail still goes out and the copy is filed afterwards
(retried on later runs); only in that degraded case can a crash window remain, as it does
when no IMAP mailbox is configured at all.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.policy import SMTP as SMTP_POLICY
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.capture.sent import SentFolder
from mailagent.config import MailboxSettings, Settings
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.errors import (
    ConfigError,
    PermanentDeliveryError,
    SourceError,
    TransientDeliveryError,
)
from mailagent.records import (
    CopyState,
    DeliveryOutcome,
    DraftState,
    OutboxState,
    OutgoingMail,
    TranslationStatus,
)
from mailagent.send.parts import add_parts
from mailagent.send.smtp import SmtpAuthError, build_message, send_raw, smtp_password

__all__ = ["DeliveryResult", "OutboxHooks", "deliver"]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")

MAX_RETRY_DELAY = timedelta(hours=1)


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryResult:
    draft_id: int
    status: DeliveryOutcome
    detail: str


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxHooks:
    """What the caller (the drafts layer) supplies; the outbox knows nothing of drafting.

    ``compose(session, draft)`` builds the mail to send (recipients, body and files as plain
    records) when a draft is first claimed; ``on_sent(session, draft, message_id, now)`` runs
    in the transaction that records a delivery (e.g. closing the thread's other drafts).
    """

    compose: Callable[[Session, m.Draft], OutgoingMail]
    on_sent: Callable[[Session, m.Draft, str, datetime], None]


def _mailbox(settings: Settings, name: str) -> MailboxSettings | None:
    boxes = settings.imap.mailboxes
    return next((mb for mb in boxes if mb.name == name), boxes[0] if boxes else None)


# -- delivery --------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Run:
    app: App
    now: datetime
    password: str | None
    hooks: OutboxHooks
    folders: dict[str, SentFolder] = dataclasses.field(default_factory=dict)

    def folder(self, name: str) -> SentFolder | None:
        mb = _mailbox(self.app.settings, name)
        if mb is None:
            return None
        if mb.name not in self.folders:
            self.folders[mb.name] = SentFolder(mb)
        return self.folders[mb.name]


def deliver(
    app: App,
    hooks: OutboxHooks,
    draft_id: int | None = None,
    *,
    on_accepted: Callable[[int], None] | None = None,
) -> list[DeliveryResult]:
    """Send every due approved draft (or only ``draft_id``); returns one result per draft.

    ``on_accepted(draft_id)`` runs right after the server accepted a message and before
    any bookkeeping (for metrics, and for tests that simulate a crash at the worst moment).
    """
    run = _Run(app, app.clock(), smtp_password(app.settings.smtp), hooks)
    results: list[DeliveryResult] = []
    try:
        for outbox_id in _due(run, draft_id):
            result = _deliver_one(run, outbox_id, on_accepted)
            if result is None:
                continue
            results.append(result)
            if result.status == DeliveryOutcome.RETRY and result.detail.startswith("auth:"):
                break  # wrong password: every other draft would fail the same way
        results += _file_copies(run, draft_id)
    finally:
        for f in run.folders.values():
            f.close()
    return results


def _due(run: _Run, draft_id: int | None) -> list[int]:
    stale = run.now - timedelta(seconds=3 * run.app.settings.smtp.timeout_seconds + 60)
    wait = timedelta(minutes=run.app.settings.drafts.relay_translation_wait_minutes)
    stmt = (
        select(m.Outbox, m.Draft, m.Message.translation_status)
        .join(m.Draft, m.Draft.id == m.Outbox.draft_id)
        .outerjoin(m.Message, m.Message.id == m.Draft.message_pk)
        .where(
            or_(
                (m.Outbox.state == OutboxState.QUEUED)
                & or_(m.Outbox.next_attempt_at.is_(None), m.Outbox.next_attempt_at <= run.now)
                & or_(m.Outbox.not_before.is_(None), m.Outbox.not_before <= run.now),
                (m.Outbox.state == OutboxState.SENDING) & (m.Outbox.sending_since < stale),
            )
        )
        .order_by(m.Outbox.queued_at, m.Outbox.id)
    )
    if draft_id is not None:
        stmt = stmt.where(m.Outbox.draft_id == draft_id)
    with run.app.sessions() as session:
        rows = session.execute(stmt).all()
    return [
        ob.id
        for ob, d, tstatus in rows
        if not (
            d.kind == "relay"
            and d.decided_by == "auto"
            and tstatus == TranslationStatus.PENDING
            and q.aware(d.created_at) > run.now - wait
        )
    ]


def _claim(run: _Run, outbox_id: int) -> tuple[m.Draft, m.Outbox, bool] | None:
    """``queued``/stale ``sending`` -> ``sending``, committed; None if another worker won."""
    app, now = run.app, run.now
    with app.sessions() as s, s.begin():
        ob = s.get(m.Outbox, outbox_id)
        if ob is None or ob.state not in (OutboxState.QUEUED, OutboxState.SENDING):
            return None
        recovering = ob.state == OutboxState.SENDING
        claimed = s.execute(
            update(m.Outbox)
            .where(
                m.Outbox.id == ob.id, m.Outbox.state == ob.state, m.Outbox.attempts == ob.attempts
            )
            .values(state=OutboxState.SENDING, sending_since=now, attempts=ob.attempts + 1)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        s.refresh(ob)
        d = s.get(m.Draft, ob.draft_id)
        assert d is not None
        if not d.mailbox:
            d.mailbox = _message_mailbox(s, d)
        if ob.raw_sha256 is None:
            mail = run.hooks.compose(s, d)
            msg = add_parts(build_message(mail, ob.message_id, now), mail.body, mail.attachments)
            raw = msg.as_bytes(policy=SMTP_POLICY)
            ob.raw_sha256 = app.blobs.put_raw(raw)
    return d, ob, recovering


def _message_mailbox(s: Session, d: m.Draft) -> str:
    box = s.scalar(
        select(m.Mailbox.name)
        .join(m.MessageLocation, m.MessageLocation.mailbox_id == m.Mailbox.id)
        .where(m.MessageLocation.message_pk == d.message_pk)
        .limit(1)
    )
    return str(box or "")


_DRAFT_STATE = {OutboxState.SENT: DraftState.SENT, OutboxState.QUEUED: DraftState.APPROVED}
_ACTION = {OutboxState.SENT: "draft.sent", OutboxState.QUEUED: "draft.send_retry"}


def _finish(run: _Run, ob_id: int, state: OutboxState, detail: str, **values: Any) -> None:
    """Record the outcome of an attempt on the outbox row and the draft, with an audit row."""
    app, now = run.app, run.now
    with app.sessions() as s, s.begin():
        ob = s.get(m.Outbox, ob_id)
        assert ob is not None
        d = s.get(m.Draft, ob.draft_id)
        assert d is not None
        ob.state = state
        for key, value in values.items():
            setattr(ob, key, value)
        d.status, d.updated_at = _DRAFT_STATE.get(state, DraftState.FAILED), now
        d.error = None if state == OutboxState.SENT else detail
        if state == OutboxState.SENT:
            d.sent_at = ob.sent_at = now
            msg = s.get(m.Message, d.message_pk) if d.message_pk and d.kind == "reply" else None
            if msg is not None:
                msg.status = "answered"
            run.hooks.on_sent(s, d, ob.message_id, now)
        action = _ACTION.get(state, "draft.failed")
        q.audit(
            s,
            "mailagent",
            action,
            now,
            d.message_pk,
            draft_id=d.id,
            message_id=ob.message_id,
            attempt=ob.attempts,
            detail=detail[:2000],
        )
    audit_log.info("draft %d <%s>: %s: %s", ob.draft_id, ob.message_id, state, detail)


def _deliver_one(
    run: _Run, outbox_id: int, on_accepted: Callable[[int], None] | None
) -> DeliveryResult | None:
    claimed = _claim(run, outbox_id)
    if claimed is None:
        return None
    d, ob, recovering = claimed
    folder = run.folder(d.mailbox)
    raw = run.app.blobs.get_raw(ob.raw_sha256 or "")
    uid: int | None = None
    copy_state = CopyState.SKIPPED if folder is None else CopyState.PENDING
    try:
        copies = folder.find(ob.message_id) if folder is not None else []
        if recovering or any(not pending for _, pending in copies):
            verdict = _recovered(run, ob, copies)
            if verdict is not None:
                return verdict
        if folder is not None:
            uid = copies[0][0] if copies else folder.file(raw, run.now, pending=True)
            copy_state = CopyState.JOURNAL
    except (SourceError, ConfigError) as exc:
        log.warning("draft %d: Sent folder unavailable before sending: %s", d.id, exc)
    recipients = [a["email"] for a in (*d.to_addrs, *d.cc_addrs, *(d.bcc_addrs or ()))]
    try:
        answer = send_raw(run.app.settings.smtp, run.password, d.from_addr, recipients, raw)
    except TransientDeliveryError as exc:
        _discard(folder, uid)
        return _retry(run, d, ob, str(exc), auth=isinstance(exc, SmtpAuthError))
    except PermanentDeliveryError as exc:
        _discard(folder, uid)
        _finish(
            run, ob.id, OutboxState.FAILED, str(exc), last_error=str(exc), copy_state=CopyState.NONE
        )
        return DeliveryResult(d.id, DeliveryOutcome.FAILED, str(exc))
    if on_accepted is not None:
        on_accepted(d.id)
    _finish(
        run,
        ob.id,
        OutboxState.SENT,
        answer,
        smtp_response=answer,
        last_error=None,
        copy_state=copy_state,
        copy_uid=uid,
    )
    if folder is not None and uid is not None:
        try:
            folder.confirm(uid)
            _set_copy(run, ob.id, CopyState.DONE, None)
        except SourceError as exc:
            log.warning("draft %d: could not clear the pending flag: %s", d.id, exc)
    return DeliveryResult(d.id, DeliveryOutcome.SENT, answer)


def _recovered(run: _Run, ob: m.Outbox, copies: list[tuple[int, bool]]) -> DeliveryResult | None:
    """Decide about a copy found before sending: already sent, unconfirmed, or go ahead."""
    with run.app.sessions() as s:
        stored = q.message_by_message_id(s, ob.message_id) is not None
    confirmed = stored or any(not pending for _, pending in copies)
    if confirmed:
        detail = "already delivered: found in the Sent folder / the store; not sent again"
        _finish(
            run,
            ob.id,
            OutboxState.SENT,
            detail,
            smtp_response=detail,
            copy_state=CopyState.DONE,
            copy_uid=copies[0][0] if copies else None,
        )
        return DeliveryResult(ob.draft_id, DeliveryOutcome.SENT, detail)
    if any(pending for _, pending in copies):
        detail = (
            "delivery unconfirmed: a previous attempt was interrupted after the copy was filed "
            "in Sent and the server's answer was never recorded. Check whether the customer "
            "received it; approve again to resend (same Message-ID)."
        )
        _finish(
            run,
            ob.id,
            OutboxState.UNCONFIRMED,
            detail,
            last_error=detail,
            copy_state=CopyState.JOURNAL,
            copy_uid=copies[0][0],
        )
        return DeliveryResult(ob.draft_id, DeliveryOutcome.UNCONFIRMED, detail)
    return None


def _discard(folder: SentFolder | None, uid: int | None) -> None:
    if folder is None or uid is None:
        return
    try:
        folder.discard(uid)
    except SourceError as exc:  # the next attempt finds and reuses it
        log.warning("could not remove the unsent journal copy UID %s: %s", uid, exc)


def _retry(run: _Run, d: m.Draft, ob: m.Outbox, error: str, *, auth: bool) -> DeliveryResult:
    settings = run.app.settings.drafts
    if ob.attempts >= settings.send_retry_max:
        detail = f"gave up after {ob.attempts} attempts: {error}"
        _finish(
            run, ob.id, OutboxState.FAILED, detail, last_error=detail, copy_state=CopyState.NONE
        )
        return DeliveryResult(d.id, DeliveryOutcome.FAILED, detail)
    delay = timedelta(seconds=settings.send_retry_base_seconds * 2 ** (ob.attempts - 1))
    when = run.now + min(delay, MAX_RETRY_DELAY)
    detail = f"attempt {ob.attempts}/{settings.send_retry_max} failed: {error}; next {when:%H:%M}"
    _finish(
        run,
        ob.id,
        OutboxState.QUEUED,
        detail,
        last_error=error,
        next_attempt_at=when,
        copy_state=CopyState.NONE,
    )
    return DeliveryResult(d.id, DeliveryOutcome.RETRY, ("auth: " if auth else "") + detail)


def _set_copy(run: _Run, ob_id: int, state: CopyState, error: str | None) -> None:
    with run.app.sessions() as s, s.begin():
        s.execute(
            update(m.Outbox).where(m.Outbox.id == ob_id).values(copy_state=state, copy_error=error)
        )


def _file_copies(run: _Run, draft_id: int | None) -> list[DeliveryResult]:
    """Append the Sent copy of mail that went out while the folder was unreachable."""
    stmt = select(m.Outbox, m.Draft).join(m.Draft, m.Draft.id == m.Outbox.draft_id)
    stmt = stmt.where(
        m.Outbox.state == OutboxState.SENT,
        m.Outbox.copy_state.in_((CopyState.PENDING, CopyState.FAILED)),
    )
    if draft_id is not None:
        stmt = stmt.where(m.Outbox.draft_id == draft_id)
    with run.app.sessions() as s:
        rows = s.execute(stmt).all()
    results = []
    for ob, d in rows:
        folder = run.folder(d.mailbox)
        if folder is None or ob.raw_sha256 is None:
            continue
        try:
            if not folder.find(ob.message_id):
                folder.file(run.app.blobs.get_raw(ob.raw_sha256), run.now, pending=False)
            _set_copy(run, ob.id, CopyState.DONE, None)
            results.append(
                DeliveryResult(d.id, DeliveryOutcome.COPY, f"copy filed in {folder.folder}")
            )
        except (SourceError, ConfigError) as exc:
            _set_copy(run, ob.id, CopyState.FAILED, str(exc))
            log.warning("draft %d: Sent copy still not filed: %s", d.id, exc)
    return results
