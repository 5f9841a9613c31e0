"""What exactly will go out for a draft: the MIME message as the SMTP edge builds it.

Builds the message with the same functions delivery uses (headers, recipients, the text and
its generated HTML alternative, the attachments) and describes it for the review page:
every header, the envelope recipients, and each part with its type, name and size. Before
approval the Message-ID is not fixed yet; the preview says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts.attachments import outgoing
from mailagent.drafts.outgoing import outgoing_mail
from mailagent.drafts.prepare import from_address
from mailagent.errors import NotFound
from mailagent.send.parts import add_parts
from mailagent.send.smtp import build_message

__all__ = ["MimePart", "MimePreview", "preview"]

UNFIXED = "message-id-fixed-at-approval@mailagent.invalid"


@dataclass(frozen=True, slots=True)
class MimePart:
    depth: int
    content_type: str
    filename: str
    size: int  # encoded bytes of this part's body


@dataclass(frozen=True, slots=True)
class MimePreview:
    headers: tuple[tuple[str, str], ...]
    recipients: tuple[str, ...]  # envelope: To + Cc + Bcc
    parts: tuple[MimePart, ...]
    total_size: int
    limit: int
    message_id_fixed: bool


def _walk(msg: EmailMessage, depth: int = 0) -> list[MimePart]:
    if msg.is_multipart():
        out = [MimePart(depth, msg.get_content_type(), "", 0)]
        for sub in msg.iter_parts():
            out += _walk(sub, depth + 1)  # type: ignore[arg-type]
        return out
    payload = msg.get_payload()
    size = len(payload.encode("ascii", "replace")) if isinstance(payload, str) else 0
    return [MimePart(depth, msg.get_content_type(), msg.get_filename() or "", size)]


def preview(app: App, draft_id: int) -> MimePreview:
    with app.sessions() as session:
        d = session.get(m.Draft, draft_id)
        if d is None:
            raise NotFound(f"no draft with id {draft_id}")
        ob = session.scalar(select(m.Outbox).where(m.Outbox.draft_id == d.id))
        session.expunge(d)
        files = outgoing(session, app, d.id)
    if not d.from_addr:
        d.from_addr = from_address(app.settings)
    message_id = ob.message_id if ob is not None and ob.version == d.version else UNFIXED
    mail = outgoing_mail(d, files)
    msg = add_parts(build_message(mail, message_id, app.clock()), mail.body, mail.attachments)
    raw = msg.as_bytes(policy=SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    headers = []
    for field in head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n"):
        name, _, value = field.partition(":")
        headers.append((name, value.strip()))
    bcc = [a["email"] for a in getattr(d, "bcc_addrs", None) or []]
    recipients = (*(a["email"] for a in (*d.to_addrs, *d.cc_addrs)), *bcc)
    return MimePreview(
        headers=tuple(headers),
        recipients=tuple(recipients),
        parts=tuple(_walk(msg)),
        total_size=len(raw),
        limit=app.settings.smtp.max_message_bytes,
        message_id_fixed=message_id != UNFIXED,
    )
