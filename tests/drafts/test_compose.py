"""Compose: reply, reply-all, forward (with the files), new mail to a contact (real store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from support.apptools import mail
from test_drafting import build

from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.compose import compose
from mailagent.drafts.recipients import RecipientError
from mailagent.drafts.service import DraftStateError


def _raw() -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Tom Baker <tom@acmerobotics.com>"
    msg["To"] = "sales@huaxin-pcb.com, Sarah <sarah@acmerobotics.com>"
    msg["Cc"] = "kevin.wang@huaxin-pcb.com, qa@acmerobotics.com"
    msg["Subject"] = "Drawing for the new panel"
    msg["Date"] = "Fri, 20 Nov 2026 07:00:00 +0000"
    msg["Message-ID"] = "<draw-1@acmerobotics.com>"
    msg.set_content("Hello Kevin,\n\nplease check the attached drawing.\n\nTom")
    msg.add_attachment(b"%PDF-1.4 drawing", maintype="application", subtype="pdf",
                       filename="panel.pdf")  # fmt: skip
    return msg.as_bytes()


def test_reply_all_forward_and_new(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    (result,) = ingest_raw(app, [(_raw(), "drawing")])
    pk = result.message_pk
    assert pk is not None

    reply_all = drafting.get_draft(
        app, compose(app, "reply_all", "kevin.wang@huaxin-pcb.com", message_pk=pk)
    )
    assert reply_all.summary.to == ("Tom Baker <tom@acmerobotics.com>",)
    assert reply_all.cc == ("Sarah <sarah@acmerobotics.com>", "qa@acmerobotics.com")  # not us
    assert reply_all.summary.subject.startswith("Re: ")
    assert reply_all.body.startswith("[[YOUR TEXT / 正文]]")
    assert "Kevin Wang" in reply_all.body  # the composing salesperson's signature
    assert "> please check the attached drawing." in reply_all.body
    with pytest.raises(DraftStateError, match="placeholder"):  # an empty reply cannot go out
        drafting.approve(app, reply_all.summary.id, "kevin")
    with app.sessions() as s:
        d = s.get(m.Draft, reply_all.summary.id)
        assert d is not None and d.in_reply_to == "draw-1@acmerobotics.com"
        assert d.references[-1] == "draw-1@acmerobotics.com"
        live = s.scalars(
            select(m.Draft.id).where(
                m.Draft.thread_id == d.thread_id,
                m.Draft.kind == "reply",
                m.Draft.status.in_(("pending", "held")),
            )
        )
        assert list(live) == [d.id]  # one live reply in the thread

    fwd_id = compose(app, "forward", "kevin.wang@huaxin-pcb.com", message_pk=pk,
                     to="Engineering <eng@huaxin-pcb.com>")  # fmt: skip
    fwd = drafting.get_draft(app, fwd_id)
    assert fwd.summary.subject == "Fwd: Drawing for the new panel"
    assert "-------- Forwarded message" in fwd.body and "please check the attached" in fwd.body
    with app.sessions() as s:
        files = s.scalars(select(m.DraftAttachment).where(m.DraftAttachment.draft_id == fwd_id))
        assert [(f.filename, f.content_type) for f in files] == [("panel.pdf", "application/pdf")]

    new_id = compose(app, "new", "kevin.wang@huaxin-pcb.com", to="tom@acmerobotics.com")
    new = drafting.get_draft(app, new_id)
    assert (
        new.summary.to == ("tom@acmerobotics.com",) and new.summary.customer == "Acme Robotics Inc."
    )
    with pytest.raises(RecipientError, match="not a valid e-mail address"):
        compose(app, "new", "kevin", to="tom@")
    app.close()


def test_compose_is_audited_and_modes_are_checked(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    (result,) = ingest_raw(app, [(mail(1), "rfq")])
    assert result.message_pk is not None
    draft_id = compose(app, "reply", "lily", message_pk=result.message_pk)
    assert drafting.get_draft(app, draft_id).audit[0][1:3] == ("lily", "draft.created")
    with pytest.raises(ValueError, match="unknown compose mode"):
        compose(app, "bounce", "lily", message_pk=result.message_pk)
    app.close()
