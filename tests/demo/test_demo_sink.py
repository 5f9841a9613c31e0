"""The demo sends only to its own local sink: the real delivery code, nothing leaves the box."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

from support.apptools import mail, make_app

from mailagent.capture.ingest import ingest_raw
from mailagent.config import Settings
from mailagent.demo.run import demo_settings
from mailagent.demo.sink import DemoSink
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import prepare_for_message


def test_demo_smtp_points_at_the_sink_or_nowhere(tmp_path: Path) -> None:
    sink = DemoSink(tmp_path / "sent-mail").start()
    try:
        smtp = demo_settings(Settings(), str(tmp_path), sink.port).smtp
        assert (smtp.host, smtp.port, smtp.security, smtp.username) == (
            "127.0.0.1",
            sink.port,
            "plain",
            "",
        )
    finally:
        sink.stop()
    assert demo_settings(Settings(), str(tmp_path)).smtp.port == 9  # no sink: refused locally
    assert demo_settings(Settings(), str(tmp_path)).imap.mailboxes == []


def test_a_reply_sent_in_the_demo_is_kept_in_the_sink(tmp_path: Path) -> None:
    sink = DemoSink(tmp_path / "sent-mail").start()
    try:
        demo = demo_settings(Settings(), str(tmp_path / "store"), sink.port)
        app = make_app(
            tmp_path, f"sqlite:///{tmp_path / 'demo.db'}", smtp=demo.smtp, drafts=demo.drafts
        )
        (result,) = ingest_raw(app, [(mail(1, sender="Tom <tom@acmerobotics.com>"), "rfq")])
        assert result.message_pk is not None
        (draft_id,) = prepare_for_message(app, result.message_pk)
        drafting.edit_draft(app, draft_id, "Dear Tom,\n\nour offer follows.\n", actor="lily")
        message_id = drafting.approve(app, draft_id, "lily")
        (sent,) = drafting.send_approved(app)
        assert sent.status == "sent" and "kept in the demo sink as 0001.eml" in sent.detail
        kept = email.message_from_bytes(
            (tmp_path / "sent-mail" / "0001.eml").read_bytes(), policy=policy.default
        )
        assert kept["Message-ID"] == f"<{message_id}>"
        assert kept["To"] == "Tom <tom@acmerobotics.com>"
        app.close()
    finally:
        sink.stop()
