"""A reply-all with an attachment through the real path: aiosmtpd (STARTTLS + AUTH) -> Dovecot.

The customer's mail had a colleague in Cc; the reply keeps the Cc, carries a generated PI and
an uploaded file, and arrives as multipart/mixed with a text + HTML alternative."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from support.apptools import mail
from support.servers import Dovecot, Smtpd, unique_name
from test_message_ids import T0, app  # noqa: F401  (the fixture)

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.attachments import attach_document, attach_file
from mailagent.drafts.prepare import prepare_for_message

pytestmark = pytest.mark.dovecot


def _fetch(dovecot: Dovecot, user: str, folder: str, message_id: str) -> EmailMessage:
    with IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False, timeout=10) as c:
        c.login(user, dovecot.password)
        c.select_folder(folder, readonly=True)
        (uid,) = c.search(["HEADER", "Message-ID", f"<{message_id}>"])
        raw = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_reply_all_with_attachments_arrives_with_cc_files_and_html(
    app: App,  # noqa: F811
    dovecot: Dovecot,
    smtpd: Smtpd,
    imap_user: str,
) -> None:
    customer = unique_name("c") + "@mueller-elektronik.de"
    colleague = unique_name("q") + "@mueller-elektronik.de"
    with app.sessions() as s, s.begin():
        c = s.query(m.Customer).filter_by(code="MUE").one()
        s.add(m.Order(order_no="SO-2026-0300", customer_id=c.id, customer_po="PO-77001"))
    raw = mail(
        1,
        sender=f"Jürgen Hoffmann <{customer}>",
        to="sales@huaxin-pcb.com",
        subject="PO-77001",
        body="Hello,\n\nour order PO-77001: 500 pcs HX-4L-FR4-1.6. Please send the PI.\n",
        headers={"Cc": f"Quality <{colleague}>"},
        date=T0 - timedelta(hours=1),
    )
    (result,) = ingest_raw(app, [(raw, "po")])
    assert result.message_pk is not None
    (draft_id,) = prepare_for_message(app, result.message_pk)
    detail = drafting.get_draft(app, draft_id)
    assert detail.cc == (f"Quality <{colleague}>",)  # reply-all keeps the customer's Cc
    drafting.edit_draft(app, draft_id, "Dear Jürgen,\n\nplease find our PI attached.\n", actor="k")
    pi = attach_document(app, draft_id, "proforma", "kevin")
    attach_file(app, draft_id, "drawing.txt", "Bohrplan für Ihr Projekt\n".encode(), "kevin")
    message_id = drafting.approve(app, draft_id, "kevin")
    assert [r.status for r in drafting.send_approved(app)] == ["sent"]
    (got,) = smtpd.received
    assert set(got.rcpt_tos) == {customer, colleague}

    for user, folder in ((customer, "INBOX"), (colleague, "INBOX"), (imap_user, "Sent")):
        msg = _fetch(dovecot, user, folder, message_id)
        assert msg.get_content_type() == "multipart/mixed"
        assert msg["Cc"] == f"Quality <{colleague}>"
        alt = next(p for p in msg.iter_parts() if p.get_content_type() == "multipart/alternative")
        text, html = (p for p in alt.iter_parts())  # type: ignore[attr-defined]
        assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
        assert "please find our PI attached" in text.get_content()
        assert "<p>Dear Jürgen,</p>" in html.get_content()
        files = {a.get_filename(): a for a in msg.iter_attachments()}
        assert set(files) == {pi.filename, "drawing.txt"}
        pdf = files[pi.filename].get_content()
        assert pdf.startswith(b"%PDF") and len(pdf) == pi.size
        assert files["drawing.txt"].get_content() == "Bohrplan für Ihr Projekt\n"
