"""parse_message: raw bytes -> InboundMail, repairing broken mail and recording defects."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

from mailagent.config import ParseSettings
from mailagent.errors import ParseError
from mailagent.parse.filenames import sanitize_filename
from mailagent.parse.message import parse_message
from mailagent.records import Address, AutoReplyKind

CRLF = b"\r\n"


def raw_mail(headers: list[str], body: bytes = b"Hello\r\n", *, head_bytes: bytes = b"") -> bytes:
    """A message from header lines (ASCII) plus optional raw 8-bit header bytes and a body."""
    head = CRLF.join(h.encode("ascii") for h in headers)
    return head + CRLF + head_bytes + CRLF + body


def b64(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


BASIC = raw_mail(
    [
        "Received: from mx.example by mail.example; Mon, 8 Jan 2024 10:00:00 +0800",
        "From: =?utf-8?B?5p2O5Lyf?= <Li.Wei@Factory.Example.CN>",
        'To: "John Smith" <JOHN@acme.example>, maria@ACME.example',
        "Cc: undisclosed-recipients:;",
        "Reply-To: sales@factory.example.cn",
        "Subject: RE: PI 2024-001",
        "Date: Mon, 8 Jan 2024 10:00:00 +0800",
        "Message-ID: <abc.123@factory.example.cn>",
        "In-Reply-To: <prev@acme.example>",
        "References: <root@acme.example>\r\n <prev@acme.example>",
        "Content-Type: text/plain; charset=utf-8",
    ],
    b"Please see the PI.\r\n\r\nOn Sun, Jan 7, 2024 John wrote:\r\n> Send PI\r\n",
)


def test_basic_fields() -> None:
    mail = parse_message(BASIC)
    assert mail.raw_sha256 == hashlib.sha256(BASIC).hexdigest()
    assert mail.raw_size == len(BASIC)
    assert mail.message_id == "abc.123@factory.example.cn"
    assert not mail.message_id_synthetic
    assert mail.subject == "RE: PI 2024-001"
    assert mail.from_ == Address("李伟", "li.wei@factory.example.cn")
    assert mail.to == (
        Address("John Smith", "john@acme.example"),
        Address("", "maria@acme.example"),
    )
    assert mail.cc == ()
    assert mail.reply_to == (Address("", "sales@factory.example.cn"),)
    assert mail.date == datetime(2024, 1, 8, 2, 0, tzinfo=UTC)
    assert mail.in_reply_to == "prev@acme.example"
    assert mail.references == ("root@acme.example", "prev@acme.example")
    assert [name for name, _ in mail.headers][:3] == ["Received", "From", "To"]
    assert mail.header("from") == "李伟 <Li.Wei@Factory.Example.CN>"
    assert mail.text == "Please see the PI.\n\nOn Sun, Jan 7, 2024 John wrote:\n> Send PI\n"
    assert mail.new_text == "Please see the PI."
    assert mail.quoted_text.startswith("On Sun, Jan 7, 2024 John wrote:")
    assert mail.html is None
    assert mail.attachments == ()
    assert mail.auto_reply is AutoReplyKind.NONE
    assert mail.charsets == ("utf-8",)
    assert mail.defects == ()


def test_missing_message_id_is_synthesised_from_the_hash() -> None:
    raw = raw_mail(["From: a@b.example", "Subject: x"])
    mail = parse_message(raw)
    assert mail.message_id_synthetic
    assert mail.message_id == f"{hashlib.sha256(raw).hexdigest()[:32]}@mailagent.invalid"
    assert parse_message(raw).message_id == mail.message_id
    assert any("Message-ID" in d for d in mail.defects)


def test_message_id_without_brackets_is_kept_with_defect() -> None:
    mail = parse_message(raw_mail(["From: a@b.example", "Message-ID: 12345@host.example"]))
    assert (mail.message_id, mail.message_id_synthetic) == ("12345@host.example", False)
    assert "Message-ID: missing angle brackets" in mail.defects


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 8 Jan 2024 10:00:00 +0800", datetime(2024, 1, 8, 2, 0, tzinfo=UTC)),
        ("Mon, 8 Jan 2024 10:00:00 -0000", datetime(2024, 1, 8, 10, 0, tzinfo=UTC)),
        ("8 Jan 2024 10:00:00 GMT", datetime(2024, 1, 8, 10, 0, tzinfo=UTC)),
        ("Mon, 8 Jan 2024 10:00:00 EST", datetime(2024, 1, 8, 15, 0, tzinfo=UTC)),
    ],
)
def test_dates_are_utc_aware(value: str, expected: datetime) -> None:
    mail = parse_message(raw_mail(["From: a@b.example", f"Date: {value}"]))
    assert mail.date == expected
    assert mail.date is not None and mail.date.utcoffset() is not None


@pytest.mark.parametrize("value", ["next tuesday", "Mon, 32 Foo 2024 99:99:99 +0000", "<HR>"])
def test_bad_date_is_none_with_defect(value: str) -> None:
    mail = parse_message(raw_mail(["From: a@b.example", f"Date: {value}"]))
    assert mail.date is None
    assert any(d.startswith("Date: unparseable") for d in mail.defects)


def test_garbage_addresses_are_skipped_with_defects() -> None:
    mail = parse_message(
        raw_mail(
            [
                'From: "unclosed <boss@acme.example>',
                "To: ,,, not an address, good@acme.example,, <>, Bad <no-at-sign>",
                "Cc: =?utf-8?B?546L?= <WANG@Example.CN>, =?koi8-r?B?8sXL0sXB1MnX?=",
            ]
        )
    )
    assert mail.to == (Address("", "good@acme.example"),)
    assert mail.cc == (Address("王", "wang@example.cn"),)
    assert mail.from_ == Address("", "boss@acme.example")
    assert any(d.startswith("From: repaired malformed address") for d in mail.defects)
    assert any(d.startswith("To: skipped invalid address") for d in mail.defects)
    assert any(d.startswith("Cc: skipped invalid address") for d in mail.defects)


def test_header_that_crashes_policy_default_falls_back_to_compat32() -> None:
    # Python 3.11's policy.default raises AttributeError on this group-with-comment.
    value = "unlisted-recipients:; (no To-header on input)"
    mail = parse_message(raw_mail(["From: a@b.example", f"To: {value}", "Cc: c@d.example"]))
    assert mail.to == ()
    assert mail.cc == (Address("", "c@d.example"),)
    assert mail.header("To") == value
    try:
        _ = policy.default.header_fetch_parse("To", value).addresses
    except AttributeError:  # still broken in this Python: the fallback must be recorded
        assert any(d.startswith("To: policy.default") for d in mail.defects)


def test_endless_address_list_does_not_crash() -> None:
    words = " ".join("=?utf-8?Q?date=3E2017?=" for _ in range(3000))
    mail = parse_message(raw_mail(["From: a@b.example", f"To: {words}, x@y.example"]))
    assert Address("", "x@y.example") in mail.to


@pytest.mark.parametrize(
    ("text", "label", "encoding"),
    [
        ("您好，报价单见附件。朱镕基", "gb2312", "gb18030"),
        ("您好，請查收報價單。", "big5", "big5hkscs"),
        ("見積書を送ります。", "iso-2022-jp", "iso2022_jp"),
        ("①見積書を送ります。", "shift_jis", "cp932"),
        ("Здравствуйте, пришлите цену.", "koi8-r", "koi8-r"),
        ("Grüße und 你好", "utf-7", "utf-7"),
        ("안녕하세요, 가격을 알려 주세요.", "ks_c_5601-1987", "cp949"),
    ],
)
def test_body_and_subject_in_legacy_charsets(text: str, label: str, encoding: str) -> None:
    subject = f"=?{label}?B?{base64.b64encode(text.encode(encoding)).decode()}?="
    raw = raw_mail(
        ["From: a@b.example", f"Subject: {subject}", f"Content-Type: text/plain; charset={label}"],
        text.encode(encoding) + CRLF,
    )
    mail = parse_message(raw)
    assert mail.subject == text
    assert mail.text.strip() == text
    assert mail.charsets == (encoding,)


def test_body_declared_latin1_but_gbk_is_repaired_with_defect() -> None:
    text = "您好，请问这款产品的最低价格是多少？我们需要五千件。"
    raw = raw_mail(
        ["From: a@b.example", "Content-Type: text/plain; charset=iso-8859-1"],
        text.encode("gbk"),
        head_bytes=b"",
    )
    mail = parse_message(raw)
    assert mail.text == text
    assert mail.charsets == ("gb18030",)
    assert any("declared iso-8859-1 but content looks gb18030" in d for d in mail.defects)


def test_bogus_charset_label_is_detected() -> None:
    raw = raw_mail(
        ["From: a@b.example", "Content-Type: text/plain; charset=x-unknown"],
        "Preis: 12 € pro Stück".encode(),
    )
    mail = parse_message(raw)
    assert mail.text == "Preis: 12 € pro Stück"
    assert any("unknown charset 'x-unknown'" in d for d in mail.defects)


def test_raw_8bit_headers_are_decoded() -> None:
    raw = raw_mail(
        ["From: a@b.example", "Content-Type: text/plain; charset=gb2312"],
        "正文".encode("gbk"),
        head_bytes=b"Subject: " + "关于报价单的问题".encode("gbk") + CRLF,
    )
    mail = parse_message(raw)
    assert mail.subject == "关于报价单的问题"
    assert mail.text == "正文"


def test_html_only_mail() -> None:
    html = "<html><body><p>Dear&nbsp;John,</p><ul><li>MOQ 500</li></ul></body></html>"
    raw = raw_mail(["From: a@b.example", "Content-Type: text/html; charset=utf-8"], html.encode())
    mail = parse_message(raw)
    assert mail.html == html
    assert mail.text == "Dear John,\n\n- MOQ 500"
    assert mail.new_text == mail.text


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Li Wei <li@factory.example.cn>"
    msg["To"] = "john@acme.example"
    msg["Subject"] = "PI"
    msg["Message-ID"] = "<m1@factory.example.cn>"
    return msg


def test_alternative_prefers_plain_and_keeps_html() -> None:
    msg = _message()
    msg.set_content("Plain version")
    msg.add_alternative("<p>HTML <b>version</b></p>", subtype="html")
    mail = parse_message(msg.as_bytes())
    assert mail.text.strip() == "Plain version"
    assert mail.html is not None and "<b>version</b>" in mail.html
    assert mail.attachments == ()


def test_attachments_are_extracted_with_safe_names() -> None:
    msg = _message()
    msg.set_content("See attachments")
    pdf = b"%PDF-1.4 fake"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="../../etc/passwd")
    msg.add_attachment(b"xlsx", maintype="application", subtype="octet-stream",
                       filename="报价单 2024.xlsx")  # fmt: skip
    msg.add_attachment(b"no name", maintype="application", subtype="pdf")
    mail = parse_message(msg.as_bytes())
    names = [a.filename for a in mail.attachments]
    assert names == ["passwd", "报价单 2024.xlsx", "attachment-3.pdf"]
    first = mail.attachments[0]
    assert (first.payload, first.size) == (pdf, len(pdf))
    assert first.sha256 == hashlib.sha256(pdf).hexdigest()
    assert first.content_type == "application/pdf"
    assert not first.truncated and not first.inline


def test_rfc2047_filename_and_inline_image() -> None:
    name = b64("报价单.xls", "gbk").replace("gbk", "gb2312").encode()
    raw = (
        b'From: a@b.example\r\nContent-Type: multipart/related; boundary="R"\r\n\r\n'
        b'--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<img src="cid:logo@x">\r\n'
        b"--R\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
        b'--R\r\nContent-Type: application/vnd.ms-excel; name="' + name + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--R--\r\n"
    )
    mail = parse_message(raw)
    logo, sheet = mail.attachments
    assert (logo.content_id, logo.inline, logo.filename) == ("logo@x", True, "attachment-1.png")
    assert logo.payload == base64.b64decode("iVBORw0KGgo=")
    assert sheet.filename == "报价单.xls"
    assert sheet.payload == b"\x00\x01\x02"


def test_oversized_attachment_is_truncated_with_defect() -> None:
    msg = _message()
    msg.set_content("big file attached")
    msg.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="big.zip")
    mail = parse_message(msg.as_bytes(), ParseSettings(max_attachment_bytes=1000))
    (att,) = mail.attachments
    assert att.truncated and att.payload == b"" and att.size == 5000
    assert att.sha256 == hashlib.sha256(b"").hexdigest()
    assert any("big.zip" in d and "max_attachment_bytes" in d for d in mail.defects)


def test_bad_base64_is_tolerated_with_defect() -> None:
    raw = (
        b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        b"--M\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        b"--M\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y!!bGQ\r\n--M--\r\n"
    )
    mail = parse_message(raw)
    assert mail.attachments[0].payload == b"hello world"
    assert any("damaged base64 repaired" in d for d in mail.defects)


def test_forwarded_message_is_an_attachment_not_the_body() -> None:
    inner = _message()
    inner.set_content("Old inner text")
    outer = _message()
    outer.set_content("FYI see below")
    outer.add_attachment(inner)
    mail = parse_message(outer.as_bytes())
    assert mail.text.strip() == "FYI see below"
    (fwd,) = mail.attachments
    assert (fwd.filename, fwd.content_type) == ("forwarded-message.eml", "message/rfc822")
    assert b"Old inner text" in fwd.payload


def test_max_parts_bounds_the_walk() -> None:
    msg = _message()
    msg.set_content("body")
    for i in range(10):
        msg.add_attachment(b"x", maintype="application", subtype="pdf", filename=f"{i}.pdf")
    mail = parse_message(msg.as_bytes(), ParseSettings(max_parts=5))
    assert len(mail.attachments) == 3  # root + body + 3 attachments = 5 parts
    assert any("more than 5 MIME parts" in d for d in mail.defects)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b" \r\n\r\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "no header block"),
        (b"Just some text, no headers at all\r\n", "no header block"),
    ],
)
def test_unrepresentable_input_raises_parse_error(raw: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_message(raw)


def test_oversized_message_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="max_message_bytes"):
        parse_message(BASIC, ParseSettings(max_message_bytes=100))


def test_repairs_bom_leading_blank_lines_and_obsolete_field_syntax() -> None:
    raw = b"\xef\xbb\xbf" + raw_mail(["From  : a@b.example", "Subject : hi"])
    mail = parse_message(b"\r\n" + raw)
    assert mail.subject == "hi"
    assert mail.from_ == Address("", "a@b.example")
    assert any("byte order mark" in d for d in mail.defects)


def test_header_cap() -> None:
    headers = [f"X-Trace-{i}: {i}" for i in range(600)]
    mail = parse_message(raw_mail(["From: a@b.example", *headers]))
    assert len(mail.headers) == 500
    assert mail.headers[-1] == ("X-Trace-498", "498")
    assert any("only the first 500 kept" in d for d in mail.defects)


def test_unstorable_characters_are_removed() -> None:
    # NUL bytes and a lone UTF-16 surrogate smuggled in through UTF-7 cannot be stored.
    raw = raw_mail(
        ["From: a@b.example", "Content-Type: text/plain; charset=utf-7"],
        b"a+2D0-b\x00c\r\n",
        head_bytes=b"Message-ID: <id\xff@x.example>\r\n",
    )
    mail = parse_message(raw)
    assert mail.text == "a\ufffdbc\n"
    assert mail.message_id == "idÿ@x.example"  # the raw byte decoded (cp1252), not a surrogate


def test_out_of_office_is_flagged() -> None:
    mail = parse_message(raw_mail(["From: a@b.example", "Subject: Automatic reply: PI"]))
    assert mail.auto_reply is AutoReplyKind.AUTO_REPLY
    assert mail.auto_reply_reason is not None and "out-of-office" in mail.auto_reply_reason


def test_dsn_is_a_bounce() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="D"\r\n\r\n'
        b"--D\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        b"--D\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n--D--\r\n"
    )
    mail = parse_message(raw)
    assert mail.auto_reply is AutoReplyKind.BOUNCE
    assert mail.text.strip() == "Delivery failed."
    (status,) = mail.attachments
    assert status.content_type == "message/delivery-status"
    assert b"Status: 5.1.1" in status.payload


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\evil\\run.exe", "run.exe"),
        ("..", "attachment-2.pdf"),
        (".htaccess", "htaccess"),
        ("CON.txt", "_CON.txt"),
        ("invoice\u202etxt.exe", "invoicetxt.exe"),
        ("a\x00b\x1f.pdf", "ab.pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
        (None, "attachment-2.pdf"),
    ],
)
def test_sanitize_filename(name: str | None, expected: str) -> None:
    assert sanitize_filename(name, "application/pdf", 2) == expected
