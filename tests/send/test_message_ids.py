"""Message-id headers go out unencoded: unit checks and the real path (aiosmtpd -> Dovecot).

Exchange/Outlook Message-IDs are ~86 characters; the ``email`` SMTP policy used to wrap such
headers in RFC 2047 encoded words, which no client decodes there, so replies to Outlook
customers did not thread. These tests read the raw bytes that arrive in the customer's
INBOX and in the salesperson's Sent folder.
"""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient
from support.apptools import make_app
from support.servers import Dovecot, Smtpd, unique_name

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.config import DraftSettings, ImapSettings, SalespersonSettings
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import prepare_for_message
from mailagent.send.headers import (
    MAX_REFERENCES,
    OUTBOUND_POLICY,
    clean_id,
    fold_ids,
    set_id_headers,
)

T0 = datetime.now(UTC).replace(microsecond=0)
PRICES = Path(__file__).resolve().parents[2] / "mailagent" / "demo" / "archive" / "pricelist.csv"

# shaped like the real thing: Exchange Online (86 chars) and Gmail (with + = _ -)
EXCHANGE = "FR3P281MB2517A4C9E0B1D36F8C4A9F2E7B5D1C03A@FR3P281MB2517.DEUP281.PROD.OUTLOOK.COM"
EXCHANGE_ROOT = "AM9PR08MB6882C3F71E4B2A90D5E8C1B6F9A07D24@AM9PR08MB6882.eurprd08.prod.outlook.com"
GMAIL = "CAH+w=7Kq_5bN0x-3pZr8Jd2Vf9Lm4TyQe1Wu6So@mail.gmail.com"


def _headers(raw: bytes) -> dict[str, str]:
    """Raw header block, unfolded by hand (no decoding), name -> value."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    out: dict[str, str] = {}
    for field in re.split(r"\r\n(?![ \t])", head):
        name, _, value = field.partition(":")
        out[name.lower()] = value
    return out


def _check_ids(raw: bytes, own: str, parent: str, refs: list[str]) -> None:
    h = _headers(raw)
    assert not any("=?" in h[k] for k in ("message-id", "in-reply-to", "references"))
    assert h["message-id"].strip() == f"<{own}>"
    assert h["in-reply-to"].strip() == f"<{parent}>"
    # folded only between ids: each physical line holds whole ids
    for line in h["references"].split("\r\n"):
        assert re.fullmatch(r" ?(<[^<>\s]+>)( <[^<>\s]+>)*", line), line
    assert h["references"].split() == [f"<{r}>" for r in refs]


def test_long_ids_are_folded_between_ids_and_never_encoded() -> None:
    msg = EmailMessage(policy=OUTBOUND_POLICY)
    msg["Subject"] = "Re: Bestellung – Lieferung"
    set_id_headers(msg, "hx.1@huaxin-pcb.com", EXCHANGE, [EXCHANGE_ROOT, GMAIL, EXCHANGE])
    msg.set_content("Grüße\n")
    raw = msg.as_bytes(policy=policy.SMTP)
    _check_ids(raw, "hx.1@huaxin-pcb.com", EXCHANGE, [EXCHANGE_ROOT, GMAIL, EXCHANGE])
    assert (
        b"Subject: Re: Bestellung =?utf-8?" in raw
    )  # other headers are still encoded as they must be
    back = email.message_from_bytes(raw, policy=policy.default)
    assert back["In-Reply-To"] == f"<{EXCHANGE}>"
    assert back["References"].split() == [f"<{EXCHANGE_ROOT}>", f"<{GMAIL}>", f"<{EXCHANGE}>"]


def test_hostile_ids_are_dropped_and_references_bounded() -> None:
    assert clean_id(" <a@b> ") == "a@b"
    for bad in ("", "<>", "a b@c", "a\r\nBcc: x@y", "ü@x", "x" * 1000):
        assert clean_id(bad) is None, bad
    msg = EmailMessage(policy=OUTBOUND_POLICY)
    refs = [f"r{i}@x" for i in range(40)]
    set_id_headers(msg, "own@x", "p@x", ["bad id", *refs, "p@x", "own@x"])
    got = str(msg["References"]).split()
    assert len(got) == MAX_REFERENCES and got[0] == "<r0@x>" and got[-1] == "<p@x>"
    with pytest.raises(ValueError, match="OUTBOUND_POLICY"):
        set_id_headers(EmailMessage(), "own@x", None)
    with pytest.raises(ValueError, match="not a valid Message-ID"):
        set_id_headers(EmailMessage(policy=OUTBOUND_POLICY), "a b", None)


def test_fold_keeps_a_single_long_id_whole() -> None:
    folded = fold_ids("References", [EXCHANGE, EXCHANGE_ROOT], max_line=78)
    assert folded == f"References: <{EXCHANGE}>\r\n <{EXCHANGE_ROOT}>\r\n"


# -- the real path ---------------------------------------------------------------------------------


def _exchange_mail(customer: str) -> bytes:
    """An Outlook mail as Exchange writes it: long ids, References folded between ids."""
    return (
        f"From: Jürgen Hoffmann <{customer}>\r\n"
        "To: sales@huaxin-pcb.com\r\n"
        "Subject: RE: Request for quotation: 4-layer PCB\r\n"
        f"Date: {email.utils.format_datetime(T0 - timedelta(hours=1))}\r\n"
        f"Message-ID: <{EXCHANGE}>\r\n"
        f"In-Reply-To: <{GMAIL}>\r\n"
        f"References: <{EXCHANGE_ROOT}>\r\n <{GMAIL}>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="us-ascii"\r\n'
        "\r\n"
        "Hello,\r\nplease quote 500 pcs of HX-4L-FR4-1.6.\r\nRegards\r\nJuergen\r\n"
    ).encode()


@pytest.fixture
def app(tmp_path: Path, dovecot: Dovecot, smtpd: Smtpd, imap_user: str) -> Iterator[App]:
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'mailagent.db'}",
        imap=ImapSettings(mailboxes=[dovecot.mailbox_settings(imap_user)]),
        smtp=smtpd.smtp_settings(from_address="sales@huaxin-pcb.com"),
        drafts=DraftSettings(
            pricelist_path=str(PRICES),
            reference_prefix="HX",
            company_name="Huaxin PCB",
            salespeople=[SalespersonSettings("kevin.wang@huaxin-pcb.com", "Kevin Wang")],
        ),
    )
    with app.sessions() as s, s.begin():
        c = m.Customer(code="MUE", name="Müller Elektronik", language="en", country="DE")
        c.domains.append(m.CustomerDomain(domain="mueller-elektronik.de"))
        s.add(c)
    app.clock = lambda: T0
    yield app
    app.close()


def _raw(dovecot: Dovecot, user: str, folder: str, message_id: str) -> bytes:
    with IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False, timeout=10) as c:
        c.login(user, dovecot.password)
        c.select_folder(folder, readonly=True)
        (uid,) = c.search(["HEADER", "Message-ID", f"<{message_id}>"])
        raw: bytes = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        if folder == "INBOX":  # the customer's client threads our reply under their mail
            (orig,) = c.search(["HEADER", "Message-ID", f"<{EXCHANGE}>"])
            assert c.thread("REFERENCES", ["ALL"]) == ((orig, uid),)
    return raw


@pytest.mark.dovecot
def test_reply_to_outlook_threads_on_the_wire_and_in_sent(
    app: App, dovecot: Dovecot, smtpd: Smtpd, imap_user: str
) -> None:
    customer = unique_name("c") + "@mueller-elektronik.de"
    raw = _exchange_mail(customer)
    dovecot.deliver_lmtp(customer, raw)
    (result,) = ingest_raw(app, [(raw, "exchange")])
    assert result.message_pk is not None
    draft_id = prepare_for_message(app, result.message_pk)[0]
    message_id = drafting.approve(app, draft_id, "kevin")
    assert [r.status for r in drafting.send_approved(app)] == ["sent"]
    refs = [EXCHANGE_ROOT, GMAIL, EXCHANGE]
    (got,) = smtpd.received
    _check_ids(got.content, message_id, EXCHANGE, refs)  # on the wire
    _check_ids(_raw(dovecot, customer, "INBOX", message_id), message_id, EXCHANGE, refs)
    _check_ids(_raw(dovecot, imap_user, "Sent", message_id), message_id, EXCHANGE, refs)
