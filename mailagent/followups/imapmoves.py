"""Mailbox state on the server: mirror junk / not junk / phishing / archive as folder moves.

With ``followups.mirror_moves`` on, a person's correction (``messages.relevance.correct``)
or archive request queues a ``server_moves`` row (:func:`request_move`, inside the
correction's own transaction) for a message with a stored IMAP location; the follow-up job
drains the queue (:func:`drain_moves`). The queue survives restarts. A server that is away
leaves the row queued with the reason appended, and the next run retries it (after
:data:`MAX_ATTEMPTS` failures it is ``failed``). Only the newest request per message is
carried out: junk then not junk before the daemon ran leaves the message where it belongs.

Never deletes. With the MOVE extension (RFC 6851) the server moves the message atomically.
Without it the message is COPYed to the target folder and the original stays where it was,
marked ``\\Seen`` and with the keyword ``$MailagentMoved`` (no ``\\Deleted``, no EXPUNGE:
a person may clean it up from their mail client). Either way the stored location (mailbox,
folder, UIDVALIDITY, UID) then names the message in the target folder, found again by its
Message-ID; a message already in the target folder is not moved twice, so a run cut short
after the MOVE finishes cleanly on the next one. Mail without a Message-ID of its own
(``message_id_synthetic``) cannot be found again and is skipped, with that reason.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.capture.imap_auth import guard, open_client
from mailagent.config import FollowupSettings, Settings
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.errors import ConfigError, SourceError
from mailagent.records import MoveState

__all__ = [
    "KEYWORD",
    "MAX_ATTEMPTS",
    "MoveOutcome",
    "drain_moves",
    "on_imap",
    "request_move",
    "target_for",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")

KEYWORD = b"$MailagentMoved"  # on an original left in place when the server has no MOVE
MAX_ATTEMPTS = 20
ACTOR = "followups"
_FOLDER_OF = {
    "junk": "junk_folder",
    "phishing": "junk_folder",
    "notjunk": "inbox_folder",
    "archive": "archive_folder",
}


def target_for(settings: FollowupSettings, action: str) -> str:
    """The configured folder an action moves mail to (KeyError for an unknown action)."""
    return str(getattr(settings, _FOLDER_OF[action]))


def on_imap(session: Session, settings: Settings, message_pk: int) -> bool:
    """Moves are mirrored and the message sits on a configured IMAP mailbox."""
    if not settings.followups.mirror_moves:
        return False
    boxes = {mb.name for mb in settings.imap.mailboxes}
    names = session.scalars(
        select(m.Mailbox.name)
        .join(m.MessageLocation, m.MessageLocation.mailbox_id == m.Mailbox.id)
        .where(m.MessageLocation.message_pk == message_pk)
    )
    return bool(boxes.intersection(names))


def request_move(
    session: Session, settings: Settings, message_pk: int, action: str, actor: str, now: datetime
) -> m.ServerMove | None:
    """Queue the move of ``action`` for a message; None when moves are not mirrored or the
    message has no location on a configured IMAP mailbox (imported from files)."""
    if not on_imap(session, settings, message_pk):
        return None
    row = m.ServerMove(
        message_pk=message_pk,
        action=action,
        target=target_for(settings.followups, action),
        state=MoveState.QUEUED,
        attempts=0,
        reasons=[],
        requested_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    return row


@dataclass(frozen=True, slots=True)
class _Location:
    id: int
    mailbox: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True, slots=True)
class _Job:
    move_id: int
    message_pk: int
    message_id: str
    synthetic: bool
    target: str
    locations: tuple[_Location, ...]


@dataclass(frozen=True, slots=True)
class MoveOutcome:
    move_id: int
    message_pk: int
    state: MoveState  # done | skipped | queued (retry later) | failed
    reason: str


@dataclass(frozen=True, slots=True)
class _Moved:
    location_id: int
    folder: str
    uidvalidity: int
    uid: int


def drain_moves(app: App, now: datetime) -> list[MoveOutcome]:
    """Carry out the queued moves (newest request per message); one outcome per request."""
    out: list[MoveOutcome] = []
    for job in _jobs(app, now):
        try:
            state, reason, moved = _carry_out(app, job)
        except (SourceError, ConfigError) as exc:
            state, reason, moved = MoveState.QUEUED, str(exc), []
        out.append(_record(app, job, state, reason, moved, now))
    return out


def _jobs(app: App, now: datetime) -> list[_Job]:
    """The newest queued request per message; the older ones are marked superseded."""
    with app.sessions() as s, s.begin():
        rows = list(
            s.scalars(
                select(m.ServerMove)
                .where(m.ServerMove.state == MoveState.QUEUED)
                .order_by(m.ServerMove.id)
            )
        )
        newest = {r.message_pk: r for r in rows}
        jobs = []
        for r in rows:
            if newest[r.message_pk] is not r:
                r.state, r.updated_at = MoveState.SUPERSEDED, now
                r.reasons = [*r.reasons, f"superseded by request {newest[r.message_pk].id}"]
                continue
            msg = s.get(m.Message, r.message_pk)
            if msg is None:  # pragma: no cover - the row cascades with its message
                continue
            locations = s.execute(
                select(m.MessageLocation, m.Mailbox.name)
                .join(m.Mailbox, m.Mailbox.id == m.MessageLocation.mailbox_id)
                .where(m.MessageLocation.message_pk == msg.id)
                .order_by(m.MessageLocation.id)
            ).all()
            jobs.append(
                _Job(
                    r.id,
                    msg.id,
                    msg.message_id,
                    msg.message_id_synthetic,
                    r.target,
                    tuple(
                        _Location(loc.id, name, loc.folder, int(loc.uidvalidity), int(loc.uid))
                        for loc, name in locations
                    ),
                )
            )
    return jobs


def _carry_out(app: App, job: _Job) -> tuple[MoveState, str, list[_Moved]]:
    boxes = {mb.name: mb for mb in app.settings.imap.mailboxes}
    here = [loc for loc in job.locations if loc.mailbox in boxes]
    if not here:
        return MoveState.SKIPPED, "no location on a configured IMAP mailbox", []
    if job.synthetic:
        return MoveState.SKIPPED, "no Message-ID of its own: it could not be found after a move", []
    moved: list[_Moved] = []
    notes: list[str] = []
    there = False  # some location is in the target folder now
    for loc in here:
        if loc.folder == job.target:
            there = True
            notes.append(f"{loc.mailbox}/{loc.folder}: already there")
            continue
        client = open_client(boxes[loc.mailbox])
        try:
            with guard(f"IMAP {loc.mailbox} {loc.folder}", f"move to {job.target}"):
                can_move = b"MOVE" in client.capabilities()
                found = relocate(client, loc.folder, loc.uidvalidity, loc.uid, job, can_move)
        finally:
            with contextlib.suppress(Exception):  # a dead connection is closed either way
                client.logout()
        if found is None:
            notes.append(f"{loc.mailbox}/{loc.folder}: <{job.message_id}> not found on the server")
            continue
        how, uidvalidity, uid = found
        there = True
        moved.append(_Moved(loc.id, job.target, uidvalidity, uid))
        notes.append(f"{loc.mailbox}/{loc.folder} -> {job.target} ({how}, UID {uid})")
    return (MoveState.DONE if there else MoveState.SKIPPED), "; ".join(notes), moved


def relocate(
    client: Any, folder: str, uidvalidity: int, uid: int, job: _Job, can_move: bool
) -> tuple[str, int, int] | None:
    """Move (or copy and keyword) one message from ``folder`` to ``job.target`` on a logged-in
    client; (how, target UIDVALIDITY, UID in the target) or None when it is nowhere."""
    already = _find(client, job.target, job.message_id)
    info = client.select_folder(folder)
    same = int(info.get(b"UIDVALIDITY", 0)) == uidvalidity
    uids = client.search(["UID", str(uid)]) if same else []
    if not uids:  # UIDVALIDITY changed or the UID is gone: find it by its Message-ID
        uids = client.search(["HEADER", "Message-ID", f"<{job.message_id}>"])
    if already is not None:
        if uids and not can_move:
            client.add_flags(uids, [b"\\Seen", KEYWORD], silent=True)
        return ("already in the target folder", *already)
    if not uids:
        return None
    if not client.folder_exists(job.target):
        client.create_folder(job.target)
    if can_move:
        client.move(uids, job.target)
        how = "MOVE"
    else:
        client.copy(uids, job.target)
        client.add_flags(uids, [b"\\Seen", KEYWORD], silent=True)
        how = "COPY, original kept with $MailagentMoved"
    found = _find(client, job.target, job.message_id)
    return None if found is None else (how, *found)


def _find(client: Any, folder: str, message_id: str) -> tuple[int, int] | None:
    """(UIDVALIDITY, newest UID) of the message in ``folder``; None if absent."""
    if not client.folder_exists(folder):
        return None
    info = client.select_folder(folder, readonly=True)
    uids = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
    return (int(info.get(b"UIDVALIDITY", 0)), int(max(uids))) if uids else None


def _record(
    app: App, job: _Job, state: MoveState, reason: str, moved: list[_Moved], now: datetime
) -> MoveOutcome:
    with app.sessions() as s, s.begin():
        row = s.get(m.ServerMove, job.move_id)
        assert row is not None
        row.attempts += state == MoveState.QUEUED
        if state == MoveState.QUEUED and row.attempts >= MAX_ATTEMPTS:
            state = MoveState.FAILED
        row.state, row.updated_at = state, now
        row.reasons = [*row.reasons, f"{now:%Y-%m-%d %H:%M} {state}: {reason}"]
        for mv in moved:
            _relocated(s, mv)
        if state == MoveState.DONE:
            q.audit(s, ACTOR, "message.moved", now, job.message_pk, target=job.target, why=reason)
    if state == MoveState.DONE:
        audit_log.info("<%s> moved to %s on the server: %s", job.message_id, job.target, reason)
    else:
        log.warning("<%s> move to %s %s: %s", job.message_id, job.target, state, reason)
    return MoveOutcome(job.move_id, job.message_pk, state, reason)


def _relocated(s: Session, mv: _Moved) -> None:
    """Point the stored location at the target folder (or drop it when the poller already
    stored the new one)."""
    loc = s.get(m.MessageLocation, mv.location_id)
    if loc is None:
        return
    twin = s.scalar(
        select(m.MessageLocation.id).where(
            m.MessageLocation.mailbox_id == loc.mailbox_id,
            m.MessageLocation.folder == mv.folder,
            m.MessageLocation.uidvalidity == mv.uidvalidity,
            m.MessageLocation.uid == mv.uid,
        )
    )
    if twin is not None:
        s.delete(loc)
    else:
        loc.folder, loc.uidvalidity, loc.uid = mv.folder, mv.uidvalidity, mv.uid
