"""Quotation/PI PDFs (read back with pdftotext), draft attachments, the size limit, the MIME
preview. Real store (SQLite and PostgreSQL) and real blob store."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from test_drafting import build, store

from mailagent.app import App
from mailagent.drafts import service as drafting
from mailagent.drafts.attachments import (
    AttachmentError,
    attach_document,
    attach_file,
    attach_from_thread,
    list_attachments,
    pdf_fonts,
    remove_attachment,
)
from mailagent.drafts.prepare import prepare_for_message
from mailagent.drafts.preview import preview
from mailagent.drafts.service import DraftStateError

BANK = "Bank of China, Shenzhen Branch\nBeneficiary: Huaxin PCB\nSWIFT: BKCHCNBJ45A"
PO = (
    "Dear Kevin,\n\nplease find our purchase order PO-45001: 300 pcs HX-2L-FR4-1.6 and "
    "500 pcs HX-4L-FR4-1.6. Please send the PI.\n\nTom"
)


def order_draft(tmp_path: Path, db_url: str) -> tuple[App, int]:
    app = build(tmp_path, db_url, bank_details=BANK)
    pk = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", subject="PO-45001", body=PO)
    (draft_id,) = prepare_for_message(app, pk)
    return app, draft_id


def pdftotext(data: bytes, tmp_path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: .ci/install-system-deps")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(
        [exe, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_proforma_invoice_pdf_has_order_lines_total_and_configured_bank(
    tmp_path: Path, db_url: str
) -> None:
    app, draft_id = order_draft(tmp_path, db_url)
    info = attach_document(app, draft_id, "proforma", "kevin")
    assert (info.filename, info.content_type) == ("PI PI-HX-2026-035.pdf", "application/pdf")
    assert info.document_no == "PI-HX-2026-035"  # the order's PI number
    with app.sessions() as s:
        (stored,) = list_attachments(s, draft_id)
        from mailagent.db import models as m

        row = s.get(m.DraftAttachment, stored.id)
        assert row is not None
        data = app.blobs.get_attachment(row.sha256)
    text = pdftotext(data, tmp_path)
    assert "PROFORMA INVOICE" in text and "PI-HX-2026-035" in text
    assert "SO-2026-0100" in text and "PO-45001" in text
    assert "HX-2L-FR4-1.6" in text and "HX-4L-FR4-1.6" in text
    # 300 x 1.85 + 500 x 2.65 from the demo price list
    assert "USD 555.00" in text and "USD 1,325.00" in text and "USD 1,880.00" in text
    assert "SWIFT: BKCHCNBJ45A" in text  # from drafts.bank_details, the one configured place
    # regenerating replaces the old copy; a quotation is a separate document
    attach_document(app, draft_id, "proforma", "kevin")
    quote = attach_document(app, draft_id, "quotation", "kevin")
    assert quote.document_no == f"HX-QT2026-{draft_id:04d}"
    with app.sessions() as s:
        assert [a.source for a in list_attachments(s, draft_id)] == [
            "generated:proforma",
            "generated:quotation",
        ]
    app.close()


def test_attachments_change_an_approved_draft_and_preview_shows_the_mime(
    tmp_path: Path, db_url: str
) -> None:
    app, draft_id = order_draft(tmp_path, db_url)
    body = drafting.get_draft(app, draft_id).body.split("[[")[0] + "Kevin\n"
    drafting.edit_draft(app, draft_id, body, actor="kevin")
    drafting.approve(app, draft_id, "kevin")
    attach_file(app, draft_id, "../../etc/drawing<1>.dxf", b"0\nSECTION\n", "kevin")
    assert drafting.get_draft(app, draft_id).summary.status == "pending"  # approve again
    p = preview(app, draft_id)
    assert not p.message_id_fixed
    kinds = [(part.depth, part.content_type, part.filename) for part in p.parts]
    assert kinds == [
        (0, "multipart/mixed", ""),
        (1, "multipart/alternative", ""),
        (2, "text/plain", ""),
        (2, "text/html", ""),
        (1, "image/vnd.dxf", "_.._etc_drawing_1_.dxf"),
    ]
    assert dict(p.headers)["To"] == "Tom Baker <tom@acmerobotics.com>"
    assert p.recipients == ("tom@acmerobotics.com",)
    assert all(part.size > 0 for part in p.parts if part.depth == 2)
    with app.sessions() as s:
        (a,) = list_attachments(s, draft_id)
    remove_attachment(app, draft_id, a.id, "kevin")
    with pytest.raises(AttachmentError, match="not in this draft's thread"):
        attach_from_thread(app, draft_id, 99999, "kevin")
    app.close()


def test_too_big_for_the_smtp_server_is_refused_at_approval(tmp_path: Path, db_url: str) -> None:
    app, draft_id = order_draft(tmp_path, db_url)
    smtp = dataclasses.replace(app.settings.smtp, max_message_bytes=200_000)
    app.settings = dataclasses.replace(app.settings, smtp=smtp)
    drafting.edit_draft(app, draft_id, "Dear Tom,\n\nsee the drawing.\n", actor="kevin")
    attach_file(app, draft_id, "scan.pdf", b"%PDF-1.4\n" + b"x" * 300_000, "kevin")
    with pytest.raises(
        DraftStateError, match=r"over the SMTP server's limit of 0\.2 MB.*scan\.pdf"
    ):
        drafting.approve(app, draft_id, "kevin")
    assert drafting.get_draft(app, draft_id).summary.status == "pending"
    app.close()


def test_a_proforma_needs_an_order(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    pk = store(app, 1, sender="tom@acmerobotics.com", body="Please quote 500 pcs HX-4L-FR4-1.6.")
    (draft_id,) = prepare_for_message(app, pk)
    with pytest.raises(AttachmentError, match="needs one"):
        attach_document(app, draft_id, "proforma", "kevin")
    assert attach_document(app, draft_id, "quotation", "kevin").size > 1000
    app.close()


def _chinese_names(app: App, draft_id: int) -> None:
    """The customer and the first product line named in Chinese."""
    from mailagent.db import models as m

    with app.sessions() as s, s.begin():
        d = s.get(m.Draft, draft_id)
        assert d is not None and d.customer_id is not None
        customer = s.get(m.Customer, d.customer_id)
        assert customer is not None
        customer.name = "深圳华信电路有限公司"
        first, *rest = d.quote
        d.quote = [{**first, "description": "双面电路板 FR4 1.6毫米"}, *rest]


def _pdf_of(app: App, draft_id: int) -> bytes:
    from mailagent.db import models as m

    with app.sessions() as s:
        (info,) = list_attachments(s, draft_id)
        row = s.get(m.DraftAttachment, info.id)
        assert row is not None
        return app.blobs.get_attachment(row.sha256)


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mailagent.db'}"  # fonts are not a database matter


def test_proforma_invoice_prints_chinese_names_with_the_cjk_font(tmp_path: Path) -> None:
    app, draft_id = order_draft(tmp_path, _sqlite(tmp_path))
    if not pdf_fonts(app.settings.drafts.pdf_cjk_fonts).cjk:
        pytest.skip("no CJK font (fonts-droid-fallback): .ci/install-system-deps")
    _chinese_names(app, draft_id)
    attach_document(app, draft_id, "proforma", "kevin")
    text = pdftotext(_pdf_of(app, draft_id), tmp_path)
    assert "深圳华信电路有限公司" in text and "双面电路板" in text
    assert "PI-HX-2026-035" in text and "USD 1,880.00" in text  # Latin text as before
    assert not any("CJK font" in n for n in drafting.get_draft(app, draft_id).notes)
    app.close()


def test_without_a_cjk_font_the_pdf_is_made_and_the_draft_warns(tmp_path: Path) -> None:
    app, draft_id = order_draft(tmp_path, _sqlite(tmp_path))
    missing = str(tmp_path / "no-such-font.ttf")
    drafts = dataclasses.replace(app.settings.drafts, pdf_cjk_fonts=[missing])
    app.settings = dataclasses.replace(app.settings, drafts=drafts)
    _chinese_names(app, draft_id)
    info = attach_document(app, draft_id, "proforma", "kevin")
    text = pdftotext(_pdf_of(app, draft_id), tmp_path)
    assert "深圳" not in text and "??" in text and "PI-HX-2026-035" in text
    (note,) = [n for n in drafting.get_draft(app, draft_id).notes if "CJK font" in n]
    assert note.startswith(f"{info.document_no}: ") and missing in note and "中文字体" in note
    attach_document(app, draft_id, "proforma", "kevin")  # regenerated: one warning, not two
    assert sum("CJK font" in n for n in drafting.get_draft(app, draft_id).notes) == 1
    assert ("kevin", "draft.pdf_font_missing") in [
        (actor, action) for _, actor, action, _ in drafting.get_draft(app, draft_id).audit
    ]
    app.close()
