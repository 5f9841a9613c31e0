"""Detection of auto-replies, bounces and list mail, with the deciding reason."""

from __future__ import annotations

import pytest

from mailagent.parse.autoreply import detect
from mailagent.records import AutoReplyKind

HUMAN = [("From", "John Smith <john@acme.example>"), ("Subject", "RE: PI 2024-001")]


def test_human_mail_is_none_without_reason() -> None:
    assert detect(HUMAN, "text/plain") == (AutoReplyKind.NONE, None)


@pytest.mark.parametrize(
    ("header", "value", "reason_part"),
    [
        ("Auto-Submitted", "auto-replied", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted", "auto-generated; type=vacation", "Auto-Submitted: auto-generated"),
        ("X-Autoreply", "yes", "x-autoreply"),
        ("X-Autorespond", "Out of office", "x-autorespond"),
        ("Precedence", "auto_reply", "Precedence: auto_reply"),
        ("X-Auto-Response-Suppress", "All", "X-Auto-Response-Suppress"),
        ("X-Auto-Response-Suppress", "DR, OOF", "X-Auto-Response-Suppress"),
    ],
)
def test_auto_reply_headers(header: str, value: str, reason_part: str) -> None:
    kind, reason = detect([*HUMAN, (header, value)], "text/plain")
    assert kind is AutoReplyKind.AUTO_REPLY
    assert reason is not None and reason_part in reason


@pytest.mark.parametrize(
    ("header", "value"),
    [("Auto-Submitted", "no"), ("X-Auto-Response-Suppress", "DR, RN"), ("X-Autoreply", "no")],
)
def test_negative_header_values_are_human(header: str, value: str) -> None:
    assert detect([*HUMAN, (header, value)], "text/plain")[0] is AutoReplyKind.NONE


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: RE: PI 2024-001",
        "Automatic reply: Order 5512",
        "AutoReply: your message",
        "Auto-Reply: vacation",
        "Abwesenheitsnotiz: Bestellung",
        "Respuesta automática: Pedido",
        "Réponse automatique : commande",
        "自动回复: 关于报价",
        "自動回覆：訂單",
        "自動応答: 見積もり",
        "【不在】見積もりの件",
        "不在通知: 1/8-1/12",
        "John Smith is out of the office.",
    ],
)
def test_out_of_office_subjects(subject: str) -> None:
    kind, reason = detect([("From", "a@b.example"), ("Subject", subject)], "text/plain")
    assert kind is AutoReplyKind.AUTO_REPLY
    assert reason is not None and reason.startswith("Subject matches out-of-office pattern")


@pytest.mark.parametrize(
    "subject",
    [
        "产品不在保修期内怎么办",  # Chinese "not within warranty", not a Japanese absence notice
        "RE: Out of office supplies order",  # a human reply that mentions it
        "Question about automatic replies in your ERP",
    ],
)
def test_ordinary_subjects_are_not_out_of_office(subject: str) -> None:
    assert detect([("Subject", subject)], "text/plain")[0] is AutoReplyKind.NONE


def test_dsn_content_type_is_a_bounce() -> None:
    kind, reason = detect(HUMAN, "multipart/report", report_type="delivery-status")
    assert kind is AutoReplyKind.BOUNCE
    assert reason == "Content-Type: multipart/report; report-type=delivery-status"


def test_read_receipt_report_is_an_auto_reply() -> None:
    kind, reason = detect(HUMAN, "multipart/report", report_type="disposition-notification")
    assert kind is AutoReplyKind.AUTO_REPLY
    assert reason is not None and "disposition-notification" in reason


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        ("MAILER-DAEMON@mx.example.com", "Undelivered Mail Returned to Sender"),
        ("Mail Delivery System <Mailer-Daemon@host.example>", "Mail delivery failed"),
        ("postmaster@outlook.example", "Undeliverable: PI 2024-001"),
        ("postmaster@qq.example", "系统退信"),
        ("postmaster@gmail.example", "Delivery Status Notification (Failure)"),
    ],
)
def test_bounces_from_daemons(sender: str, subject: str) -> None:
    kind, reason = detect([("From", sender), ("Subject", subject)], "text/plain")
    assert kind is AutoReplyKind.BOUNCE
    assert reason is not None and "bounce subject" in reason


def test_postmaster_without_bounce_subject_is_a_person() -> None:
    headers = [("From", "postmaster@customer.example"), ("Subject", "Your order")]
    assert detect(headers, "text/plain")[0] is AutoReplyKind.NONE


def test_mailer_daemon_alone_and_failed_recipients_are_bounces() -> None:
    daemon = detect([("From", "MAILER-DAEMON@x.example"), ("Subject", "Warning")], "text/plain")
    assert daemon == (AutoReplyKind.BOUNCE, "From: mailer-daemon@x.example")
    exim = detect([*HUMAN, ("X-Failed-Recipients", "bad@x.example")], "text/plain")
    assert exim == (AutoReplyKind.BOUNCE, "X-Failed-Recipients: bad@x.example")


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Precedence", "bulk", "Precedence: bulk"),
        ("Precedence", "list", "Precedence: list"),
        ("Precedence", "junk", "Precedence: junk"),
        ("List-Id", "<news.acme.example>", "List-Id: <news.acme.example>"),
        ("List-Unsubscribe", "<mailto:u@x.example>", "List-Unsubscribe: <mailto:u@x.example>"),
    ],
)
def test_list_mail(header: str, value: str, reason: str) -> None:
    assert detect([*HUMAN, (header, value)], "text/plain") == (AutoReplyKind.LIST, reason)


def test_bounce_wins_over_list_and_auto_reply() -> None:
    headers = [*HUMAN, ("List-Id", "<l.example>"), ("Auto-Submitted", "auto-replied")]
    kind, _ = detect(headers, "multipart/report", report_type="delivery-status")
    assert kind is AutoReplyKind.BOUNCE
    kind, _ = detect(headers, "text/plain")
    assert kind is AutoReplyKind.AUTO_REPLY


def test_header_names_are_case_insensitive_and_first_wins() -> None:
    headers = [("auto-submitted", "auto-replied"), ("Auto-Submitted", "no")]
    assert detect(headers)[0] is AutoReplyKind.AUTO_REPLY
