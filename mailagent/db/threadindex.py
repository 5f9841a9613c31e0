"""The ingest batch's view of threads: which thread a message joins, and its new keys.

Every Message-ID a thread has seen (its messages' own and the ones they reference) is a
``thread_keys`` row. Instead of two queries per message, a batch loads the keys of all its
messages once; threads created or joined inside the batch are tracked as objects, so a
reply stored in the same batch as its parent joins the parent's thread before anything is
flushed. Order of evidence: In-Reply-To / References, then a subject reference token.
The normalised-subject rule needs the customer and is applied by the triage stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.db import models as m
from mailagent.db.queries import aware, in_chunks, storable
from mailagent.parse.threadkeys import extract_tokens, normalize_subject
from mailagent.records import InboundMail

__all__ = ["ThreadIndex"]


def _keys(mail: InboundMail) -> list[str]:
    found = (mail.message_id, mail.in_reply_to, *mail.references)
    return list(dict.fromkeys(storable(k)[:998] for k in found if k))


class ThreadIndex:
    """Thread keys of one batch: loaded once, extended as messages are stored."""

    def __init__(self, session: Session, mails: Iterable[InboundMail]) -> None:
        self.session = session
        self.mails = list(mails)
        self.by_key: dict[str, m.Thread] = {}
        wanted = sorted({k for mail in self.mails for k in _keys(mail)})
        pairs: list[tuple[str, int]] = []
        for chunk in in_chunks(wanted):
            rows = session.execute(
                select(m.ThreadKey.key, m.ThreadKey.thread_id).where(m.ThreadKey.key.in_(chunk))
            )
            pairs += [(str(key), int(tid)) for key, tid in rows]
        ids = sorted({tid for _, tid in pairs})
        threads = {
            t.id: t
            for chunk in in_chunks(ids)
            for t in session.scalars(select(m.Thread).where(m.Thread.id.in_(chunk)))
        }
        for key, tid in pairs:
            if tid in threads:
                self.by_key[key] = threads[tid]

    def resolve(self, mail: InboundMail) -> tuple[m.Thread | None, str]:
        """The thread ``mail`` joins and how it was found ("references", "token"), or new."""
        refs = [storable(k)[:998] for k in (mail.in_reply_to, *mail.references) if k]
        for key in refs:
            if key in self.by_key:
                return self.by_key[key], "references"
        for token in extract_tokens(mail.subject):
            thread = self.session.scalar(
                select(m.Thread).where(m.Thread.token == token).order_by(m.Thread.id).limit(1)
            )
            if thread is not None:
                return thread, "token"
        return None, "new"

    def thread_for(self, mail: InboundMail, received_at: datetime) -> tuple[m.Thread, str]:
        """The thread to store ``mail`` in (a new one if it joins none), its keys recorded."""
        thread, method = self.resolve(mail)
        if thread is None:
            tokens = extract_tokens(mail.subject)
            thread = m.Thread(
                subject=storable(mail.subject)[:500],
                subject_norm=storable(normalize_subject(mail.subject))[:500],
                token=tokens[0] if tokens else None,
                first_at=received_at,
                last_at=received_at,
            )
            self.session.add(thread)
        else:
            if thread.last_at is None or aware(thread.last_at) < received_at:
                thread.last_at = received_at
            if thread.token is None:
                tokens = extract_tokens(mail.subject)
                thread.token = tokens[0] if tokens else None
        for key in _keys(mail):
            if key not in self.by_key:
                self.session.add(m.ThreadKey(key=key, thread=thread))
                self.by_key[key] = thread
        return thread, method
