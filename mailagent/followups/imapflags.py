"""Mailbox state on the server: set ``\\Answered`` on the original when our reply was sent.

Only when ``followups.mark_answered`` is on. For each sent reply draft whose original message
has a known location (mailbox, folder, UIDVALIDITY, UID), the flag is added with UID STORE;
a changed UIDVALIDITY means the UID no longer names that message, so the original is found
by its Message-ID instead. Done once per draft (``followups`` key ``answered:<draft>``);
an unreachable server leaves it for the next run. Never deletes or moves anything.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from mailagent.app import App
from mailagent.capture.imap_auth import guard, open_client
from mailagent.db import models as m
from mailagent.errors import ConfigError, SourceError
from mailagent.followups.store import claim
from mailagent.records import DraftState

__all__ = ["mark_answered"]

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=14)


def _todo(app: App, now: datetime) -> list[tuple[int, str, str, str, int, int]]:
    """(draft id, message id, mailbox, folder, uidvalidity, uid) of replies to flag."""
    done = select(m.FollowupItem.key).where(m.FollowupItem.kind == "answered")
    with app.sessions() as s:
        keys = set(s.scalars(done))
        rows = s.execute(
            select(
                m.Draft.id,
                m.Message.message_id,
                m.Mailbox.name,
                m.MessageLocation.folder,
                m.MessageLocation.uidvalidity,
                m.MessageLocation.uid,
            )
            .join(m.Message, m.Message.id == m.Draft.message_pk)
            .join(m.MessageLocation, m.MessageLocation.message_pk == m.Message.id)
            .join(m.Mailbox, m.Mailbox.id == m.MessageLocation.mailbox_id)
            .where(
                m.Draft.status == DraftState.SENT,
                m.Draft.kind == "reply",
                m.Draft.sent_at >= now - LOOKBACK,
            )
        ).all()
    return [tuple(r) for r in rows if f"answered:{r[0]}" not in keys]  # type: ignore[misc]


def mark_answered(app: App, now: datetime) -> int:
    boxes = {mb.name: mb for mb in app.settings.imap.mailboxes}
    flagged = 0
    for draft_id, message_id, box, folder, uidvalidity, uid in _todo(app, now):
        mb = boxes.get(box)
        if mb is None:
            continue
        try:
            client = open_client(mb)
        except (SourceError, ConfigError) as exc:
            log.warning("\\Answered for draft %d: %s", draft_id, exc)
            continue
        try:
            with guard(f"IMAP {mb.name} {folder}", "STORE"):
                info = client.select_folder(folder)
                current = int(info.get(b"UIDVALIDITY", 0))
                uids = (
                    [uid]
                    if current == uidvalidity
                    else client.search(["HEADER", "Message-ID", f"<{message_id}>"])
                )
                if uids:
                    client.add_flags(uids, [b"\\Answered"], silent=True)
        except SourceError as exc:
            log.warning("\\Answered for draft %d: %s", draft_id, exc)
            continue
        finally:
            with contextlib.suppress(Exception):  # a dead connection is closed either way
                client.logout()
        with app.sessions() as s, s.begin():
            claim(
                s,
                f"answered:{draft_id}",
                "answered",
                now,
                draft_id=draft_id,
                state="done",
                reasons=[
                    f"\\Answered set on <{message_id}> in {box}/{folder}"
                    if uids
                    else f"<{message_id}> no longer in {folder}"
                ],
            )
        flagged += bool(uids)
    return flagged
