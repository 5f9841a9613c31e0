"""Files that go out with a draft, and what exactly will be sent.

Use cases (CLI and web call these): attach a generated quotation or Proforma Invoice PDF
(:mod:`mailagent.drafts.documents`; numbered, stored in the blob store and kept with the
draft), attach an uploaded file, attach one of the thread's received attachments, remove
one, list them; :func:`outgoing` gives the files for the SMTP edge, :func:`check_size`
refuses a draft the server would bounce for its size (before anything is sent), and
:func:`preview` renders the exact MIME structure (headers, recipients, parts with sizes)
for the review page. Attachments change the draft like an edit does: an approved draft goes
back to ``pending``.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts.documents import (
    CommercialDocument,
    PdfFonts,
    document_number,
    has_cjk,
    lines_from_quote,
    render_pdf,
)
from mailagent.errors import MailagentError, NotFound
from mailagent.records import DraftState, OutboxState, OutgoingFile
from mailagent.send.parts import encoded_size, safe_filename

__all__ = [
    "AttachmentError",
    "AttachmentInfo",
    "attach_document",
    "attach_file",
    "attach_from_thread",
    "check_size",
    "list_attachments",
    "outgoing",
    "pdf_fonts",
    "remove_attachment",
]

log = logging.getLogger(__name__)
MAX_UPLOAD = 50 * 1024 * 1024


class AttachmentError(MailagentError):
    """The file cannot be attached (or makes the draft too big); the message says why."""


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int
    source: str
    document_no: str


def _info(a: m.DraftAttachment) -> AttachmentInfo:
    return AttachmentInfo(a.id, a.filename, a.content_type, a.size, a.source, a.document_no)


def _editable(session: Session, draft_id: int) -> m.Draft:
    d = session.get(m.Draft, draft_id)
    if d is None:
        raise NotFound(f"no draft with id {draft_id}")
    if d.status not in DraftState.editable():
        raise AttachmentError(f"draft {d.id} is {d.status}: its attachments can no longer change")
    if d.status == DraftState.APPROVED:  # like an edit: it must be approved again
        ob = session.scalar(select(m.Outbox).where(m.Outbox.draft_id == d.id))
        if ob is not None and ob.state == OutboxState.SENDING:
            raise AttachmentError(f"draft {d.id} is being sent right now")
        if ob is not None:
            session.delete(ob)
        d.status = DraftState.PENDING
    return d


def _store(
    session: Session,
    app: App,
    d: m.Draft,
    name: str,
    ctype: str,
    data: bytes,
    source: str,
    actor: str,
    number: str = "",
) -> AttachmentInfo:
    now = app.clock()
    if len(data) > MAX_UPLOAD:
        raise AttachmentError(f"{name}: {len(data):,} bytes is more than {MAX_UPLOAD:,}")
    sha = app.blobs.put_attachment(data)
    row = m.DraftAttachment(
        draft_id=d.id,
        filename=safe_filename(name),
        content_type=ctype,
        size=len(data),
        sha256=sha,
        source=source,
        document_no=number,
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    d.updated_at = now
    session.flush()
    q.audit(
        session, actor, "draft.attached", now, d.message_pk, draft_id=d.id, file=row.filename,
        size=row.size, source=source,
    )  # fmt: skip
    return _info(row)


def _document(app: App, session: Session, d: m.Draft, kind: str) -> CommercialDocument:
    s = app.settings.drafts
    order = session.get(m.Order, d.order_id) if d.order_id else None
    customer = session.get(m.Customer, d.customer_id) if d.customer_id else None
    now = app.clock()
    lines = lines_from_quote(d.quote)
    if kind == "proforma" and order is None:
        raise AttachmentError(f"draft {d.id} has no order: a Proforma Invoice needs one")
    if not lines:
        raise AttachmentError(f"draft {d.id} has no quote lines to put in a {kind}")
    if kind == "proforma" and order is not None and order.pi_number:
        number = order.pi_number
    else:
        number = document_number(kind, s.reference_prefix, now.year, d.id)
    currency = next((str(x.get("currency")) for x in d.quote if x.get("currency")), "USD")
    return CommercialDocument(
        kind=kind,
        number=number,
        issued=now.date(),
        valid_until=now.date() + timedelta(days=s.quote_validity_days),
        currency=currency,
        lines=lines,
        customer_name=customer.name if customer else "",
        customer_country=customer.country if customer else "",
        contact=(d.to_addrs[0].get("name") or d.to_addrs[0]["email"]) if d.to_addrs else "",
        reference=d.reference,
        order_no=order.order_no if order else "",
        customer_po=order.customer_po if order else "",
        incoterm=f"{s.default_incoterm.upper()} {s.incoterm_place}".strip(),
        payment_terms=s.payment_terms,
        company_name=s.company_name,
        company_address=s.company_address,
        company_phone=s.company_phone,
        company_website=s.company_website,
        bank_details=s.bank_details,  # the one place our bank details are configured
    )


_DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def pdf_fonts(cjk_candidates: Sequence[str]) -> PdfFonts:
    """The fonts found on this machine: DejaVu, and the first CJK font that exists."""
    regular, bold = (p if Path(p).is_file() else "" for p in (_DEJAVU, _DEJAVU_BOLD))
    cjk = next((p for p in cjk_candidates if p and Path(p).is_file()), "")
    return PdfFonts(regular, bold, cjk)


def _font_warning(doc: CommercialDocument, fonts: PdfFonts, paths: Sequence[str]) -> str:
    """A warning when the document has CJK text and no font to print it (else "")."""
    if fonts.cjk or not has_cjk(repr(doc)):
        return ""
    tried = ", ".join(paths) or "(none configured)"
    return (
        f"{doc.number}: no CJK font found (drafts.pdf_cjk_fonts: {tried}): Chinese/Japanese/"
        "Korean text is printed as '?' — install fonts-droid-fallback / "
        "未找到中文字体，PDF 中的中文显示为“?”：请安装 fonts-droid-fallback"
    )


def attach_document(app: App, draft_id: int, kind: str, actor: str) -> AttachmentInfo:
    """Generate the quotation (``quotation``) or Proforma Invoice (``proforma``) PDF.

    Chinese names need a CJK font (``drafts.pdf_cjk_fonts``); without one the PDF is made
    all the same and the draft carries a warning (notes, log, audit).
    """
    if kind not in ("quotation", "proforma"):
        raise AttachmentError(f"unknown document {kind!r}: quotation or proforma")
    paths = app.settings.drafts.pdf_cjk_fonts
    fonts = pdf_fonts(paths)
    with app.sessions() as session, session.begin():
        d = _editable(session, draft_id)
        doc = _document(app, session, d, kind)
        pdf = render_pdf(doc, fonts)
        warning = _font_warning(doc, fonts, paths)
        if warning:
            log.warning("draft %d: %s", d.id, warning)
            d.notes = [*(n for n in d.notes if not n.startswith(f"{doc.number}: ")), warning]
            q.audit(
                session, actor, "draft.pdf_font_missing", app.clock(), d.message_pk,
                draft_id=d.id, warning=warning,
            )  # fmt: skip
        name = f"{'PI' if kind == 'proforma' else 'Quotation'} {doc.number}.pdf"
        old = session.scalars(
            select(m.DraftAttachment).where(
                m.DraftAttachment.draft_id == d.id, m.DraftAttachment.source == f"generated:{kind}"
            )
        )
        for row in old:  # regenerated: the new one replaces it
            session.delete(row)
        return _store(
            session, app, d, name, "application/pdf", pdf, f"generated:{kind}", actor, doc.number
        )


def attach_file(
    app: App, draft_id: int, filename: str, data: bytes, actor: str, content_type: str = ""
) -> AttachmentInfo:
    """Attach an uploaded file (its type guessed from the name when not given)."""
    ctype = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    with app.sessions() as session, session.begin():
        d = _editable(session, draft_id)
        return _store(session, app, d, filename, ctype, data, "upload", actor)


def attach_from_thread(app: App, draft_id: int, attachment_id: int, actor: str) -> AttachmentInfo:
    """Attach a file received in the draft's thread (e.g. forward the customer's photos)."""
    with app.sessions() as session, session.begin():
        d = _editable(session, draft_id)
        a = session.get(m.Attachment, attachment_id)
        msg = session.get(m.Message, a.message_pk) if a is not None else None
        if a is None or msg is None or msg.thread_id != d.thread_id or d.thread_id is None:
            raise AttachmentError(f"attachment {attachment_id} is not in this draft's thread")
        if not a.stored:
            raise AttachmentError(f"{a.filename}: not stored (over the size limit when received)")
        data = app.blobs.get_attachment(a.sha256)
        return _store(
            session, app, d, a.filename, a.content_type, data, f"thread:{a.message_pk}", actor
        )


def remove_attachment(app: App, draft_id: int, attachment_id: int, actor: str) -> None:
    with app.sessions() as session, session.begin():
        d = _editable(session, draft_id)
        row = session.get(m.DraftAttachment, attachment_id)
        if row is None or row.draft_id != d.id:
            raise AttachmentError(f"draft {draft_id} has no attachment {attachment_id}")
        session.delete(row)
        q.audit(
            session, actor, "draft.detached", app.clock(), d.message_pk, draft_id=d.id,
            file=row.filename,
        )  # fmt: skip


def list_attachments(session: Session, draft_id: int) -> list[AttachmentInfo]:
    rows = session.scalars(
        select(m.DraftAttachment)
        .where(m.DraftAttachment.draft_id == draft_id)
        .order_by(m.DraftAttachment.id)
    )
    return [_info(a) for a in rows]


def outgoing(session: Session, app: App, draft_id: int) -> list[OutgoingFile]:
    """The draft's files, with their bytes, for the SMTP edge."""
    rows = session.scalars(
        select(m.DraftAttachment)
        .where(m.DraftAttachment.draft_id == draft_id)
        .order_by(m.DraftAttachment.id)
    )
    return [
        OutgoingFile(a.filename, a.content_type, app.blobs.get_attachment(a.sha256)) for a in rows
    ]


def check_size(session: Session, app: App, d: m.Draft) -> int:
    """The draft's size on the wire; raises AttachmentError above ``smtp.max_message_bytes``."""
    files = outgoing(session, app, d.id)
    size = encoded_size(d.body, files)
    limit = app.settings.smtp.max_message_bytes
    if limit and size > limit:
        biggest = max(files, key=lambda f: len(f.data), default=None)
        hint = f"; largest file: {biggest.filename} ({_mb(len(biggest.data))})" if biggest else ""
        raise AttachmentError(
            f"draft {d.id} would be {_mb(size)} on the wire, over the SMTP server's limit of "
            f"{_mb(limit)} (smtp.max_message_bytes){hint}: remove or shrink attachments / "
            f"邮件超过 SMTP 大小限制，请删除或压缩附件"
        )
    return size


def _mb(n: int) -> str:
    return f"{Decimal(n) / Decimal(1024 * 1024):.1f} MB"
