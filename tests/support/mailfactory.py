"""``make_mail``: a complete, valid :class:`InboundMail` for tests, without MIME parsing.

Addresses are given as ``"a@b.com"`` or ``"Name <a@b.com>"``; attachments as file names (an
empty PDF part is made for each) or ready :class:`Attachment` records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parseaddr

from mailagent.records import Address, Attachment, AutoReplyKind, InboundMail

__all__ = ["addr", "make_mail"]

FIXED_DATE = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def addr(spec: str) -> Address:
    """``"Li Wei <Li.Wei@Example.com>"`` → ``Address("Li Wei", "li.wei@example.com")``."""
    name, email = parseaddr(spec)
    return Address(name, email.lower())


def _attachment(item: str | Attachment) -> Attachment:
    if isinstance(item, Attachment):
        return item
    payload = b"%PDF-1.4\n%test\n"
    return Attachment(
        filename=item,
        content_type="application/pdf",
        size=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        payload=payload,
    )


def make_mail(
    subject: str = "",
    body: str = "",
    sender: str | None = "a@b.com",
    to: Iterable[str] = ("sales@ourpcb.com",),
    cc: Iterable[str] = (),
    attachments: Iterable[str | Attachment] = (),
    *,
    signature: str = "",
    quoted: str = "",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
    date: datetime | None = FIXED_DATE,
    headers: Iterable[tuple[str, str]] = (),
) -> InboundMail:
    """A parsed mail as ``parse.py`` would build it; ``body`` is the author's new text."""
    text = "\n\n".join(part for part in (body, signature, quoted) if part)
    raw = f"Subject: {subject}\n\n{text}".encode()
    digest = hashlib.sha256(raw).hexdigest()
    from_ = addr(sender) if sender else None
    return InboundMail(
        raw_sha256=digest,
        raw_size=len(raw),
        message_id=message_id or f"{digest[:16]}@test.invalid",
        message_id_synthetic=message_id is None,
        subject=subject,
        from_=from_,
        sender=None,
        reply_to=(),
        to=tuple(addr(a) for a in to),
        cc=tuple(addr(a) for a in cc),
        date=date,
        in_reply_to=in_reply_to,
        references=tuple(references),
        headers=(("Subject", subject), *tuple(headers)),
        text=text,
        html=None,
        new_text=body,
        quoted_text=quoted,
        signature=signature,
        attachments=tuple(_attachment(a) for a in attachments),
        auto_reply=AutoReplyKind.NONE,
        auto_reply_reason=None,
        charsets=("utf-8",),
        defects=(),
    )
