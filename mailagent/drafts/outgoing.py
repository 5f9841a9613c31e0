"""A draft as the send layer needs it: the outgoing-mail record and the outbox's hooks.

``send/`` never imports drafting: delivery is handed :data:`HOOKS`, which build the
:class:`~mailagent.records.OutgoingMail` (recipients, body and the draft's files as plain
records) from a draft row and do the drafting work after a reply went out (closing the
thread's other drafts).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts.attachments import outgoing
from mailagent.drafts.thread_drafts import after_sent
from mailagent.records import MailAddress, OutgoingFile, OutgoingMail
from mailagent.send.outbox import OutboxHooks

__all__ = ["hooks", "outgoing_mail"]


def _address(a: dict[str, str]) -> MailAddress:
    return MailAddress(email=a["email"], name=a.get("name", ""))


def outgoing_mail(d: m.Draft, files: Sequence[OutgoingFile] = ()) -> OutgoingMail:
    """The draft row (and its files) as the record the SMTP edge builds the message from."""
    return OutgoingMail(
        sender=MailAddress(email=d.from_addr, name=d.from_name),
        to=tuple(_address(a) for a in d.to_addrs),
        cc=tuple(_address(a) for a in d.cc_addrs or ()),
        subject=d.subject,
        body=d.body,
        language=d.language,
        draft_ref=f"{d.id}.{d.version}",
        in_reply_to=d.in_reply_to,
        references=tuple(d.references or ()),
        attachments=tuple(files),
    )


def hooks(app: App) -> OutboxHooks:
    """What delivery calls back into: compose a claimed draft, and after it was sent."""

    def compose(session: Session, d: m.Draft) -> OutgoingMail:
        return outgoing_mail(d, outgoing(session, app, d.id))

    return OutboxHooks(compose=compose, on_sent=after_sent)
