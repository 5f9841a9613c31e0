"""Sending approved drafts through a real aiosmtpd (STARTTLS + AUTH) into real Dovecot mailboxes.

The test SMTP server forwards accepted mail over LMTP, so a sent reply shows up in the
customer's IMAP INBOX and threads under the customer's original there; the copy in the
salesperson mailbox's Sent folder is checked over IMAP as well. Crashes are real: a child
process is killed with ``os._exit`` right after the server accepted the message.
"""

from __future__ import annotations

import dataclasses
import email
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select, update
from support.apptools import mail, make_app
from support.servers import Dovecot, Smtpd, free_port, unique_name

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.capture.sent import PENDING_FLAG, SentFolder
from mailagent.config import DraftSettings, ImapSettings, SalespersonSettings
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import prepare_for_message
from mailagent.records import MailAddress, OutgoingMail
from mailagent.send.smtp import build_message

pytestmark = pytest.mark.dovecot

T0 = datetime.now(UTC).replace(microsecond=0)
PRICES = Path(__file__).resolve().parents[2] / "mailagent" / "demo" / "archive" / "pricelist.csv"


@dataclasses.dataclass
class World:
    app: App
    dovecot: Dovecot
    smtpd: Smtpd
    sales: str  # the salesperson mailbox (IMAP user) that gets the Sent copy
    customer: str  # the customer's address = its Dovecot mailbox
    original_id: str = ""

    def imap(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", self.dovecot.imap_port, ssl=False, timeout=10)
        client.login(user, self.dovecot.password)
        return client

    def find(self, user: str, folder: str, message_id: str) -> list[tuple[int, tuple[bytes, ...]]]:
        """(uid, flags) of the messages in ``user``'s ``folder`` with this Message-ID."""
        with self.imap(user) as c:
            c.select_folder(folder, readonly=True)
            uids = c.search(["HEADER", "Message-ID", f"<{message_id}>"])
            flags = c.get_flags(uids) if uids else {}
            return [(int(u), tuple(flags[u])) for u in uids]

    def fetch(self, user: str, folder: str, uid: int) -> email.message.EmailMessage:
        with self.imap(user) as c:
            c.select_folder(folder, readonly=True)
            raw = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]

    def at(self, delta: timedelta) -> None:
        self.app.clock = lambda: T0 + delta

    def after_real_now(self, delta: timedelta) -> None:
        """``delta`` after the wall clock: what a child process on the real clock stamped
        (T0 is taken at import, minutes before a late test in a long run)."""
        now = datetime.now(UTC)
        self.app.clock = lambda: now + delta

    def inquiry(self, n: int = 1, body: str | None = None) -> int:
        """The customer's RFQ arrives (also in the customer's own INBOX); returns the draft id."""
        self.original_id = f"rfq-{unique_name('m')}@acmerobotics.com"
        raw = mail(
            n,
            sender=f"Tom Baker <{self.customer}>",
            message_id=f"<{self.original_id}>",
            body=body or "Dear Kevin,\n\nplease quote 500 pcs of HX-4L-FR4-1.6.\n\nThanks\nTom",
            date=T0 - timedelta(hours=2),
        )
        self.dovecot.deliver_lmtp(self.customer, raw)
        (result,) = ingest_raw(self.app, [(raw, f"rfq-{n}")])
        assert result.message_pk is not None
        (draft_id,) = prepare_for_message(self.app, result.message_pk)
        return draft_id

    def outbox(self, draft_id: int) -> m.Outbox:
        with self.app.sessions() as s:
            ob = s.scalar(select(m.Outbox).where(m.Outbox.draft_id == draft_id))
            assert ob is not None
            return ob


@pytest.fixture
def world(tmp_path: Path, dovecot: Dovecot, smtpd: Smtpd, imap_user: str) -> Iterator[World]:
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'mailagent.db'}",
        imap=ImapSettings(mailboxes=[dovecot.mailbox_settings(imap_user)]),
        smtp=smtpd.smtp_settings(from_address="sales@huaxin-pcb.com"),
        drafts=DraftSettings(
            pricelist_path=str(PRICES),
            reference_prefix="HX",
            company_name="Huaxin PCB",
            send_retry_max=3,
            salespeople=[SalespersonSettings("kevin.wang@huaxin-pcb.com", "Kevin Wang")],
        ),
    )
    with app.sessions() as s, s.begin():
        c = m.Customer(
            code="ACME",
            name="Acme Robotics Inc.",
            language="en",
            country="US",
            salesperson="kevin.wang@huaxin-pcb.com",
        )
        c.domains.append(m.CustomerDomain(domain="acmerobotics.com"))
        s.add(c)
    w = World(app, dovecot, smtpd, imap_user, unique_name("c") + "@acmerobotics.com")
    w.at(timedelta(0))
    yield w
    app.close()


def audit_actions(app: App, draft_id: int) -> list[str]:
    return [action for _, _, action, _ in drafting.get_draft(app, draft_id).audit]


def test_approved_reply_reaches_the_customer_threaded_with_a_copy_in_sent(world: World) -> None:
    draft_id = world.inquiry()
    assert drafting.send_approved(world.app) == []  # pending drafts are never sent
    message_id = drafting.approve(world.app, draft_id, "kevin")
    results = drafting.send_approved(world.app)
    assert [(r.draft_id, r.status) for r in results] == [(draft_id, "sent")]
    assert "queued as" in results[0].detail  # the server's answer is kept
    (got,) = world.smtpd.received
    assert (got.mail_from, got.rcpt_tos) == ("sales@huaxin-pcb.com", (world.customer,))

    # the customer's INBOX: our reply, threaded under their original by References
    (uid, _flags) = world.find(world.customer, "INBOX", message_id)[0]
    reply = world.fetch(world.customer, "INBOX", uid)
    assert reply["In-Reply-To"] == f"<{world.original_id}>"
    assert f"<{world.original_id}>" in reply["References"]
    assert reply["Subject"] == "Re: [HX-Q2026-0001] Request for quotation: 4-layer PCB"
    (sender,) = reply["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Kevin Wang (Huaxin PCB)",
        "sales@huaxin-pcb.com",
    )
    assert reply["X-Mailagent-Draft"] == f"{draft_id}.1"
    body = reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "USD 1,325.00" in body and "> please quote 500 pcs" in body
    with world.imap(world.customer) as c:
        c.select_folder("INBOX", readonly=True)
        original_uid = c.search(["HEADER", "Message-ID", f"<{world.original_id}>"])[0]
        assert c.thread("REFERENCES", ["ALL"]) == ((original_uid, uid),)

    # the salesperson's Sent folder: one copy, seen, no longer flagged pending
    ((_, flags),) = world.find(world.sales, "Sent", message_id)
    assert b"\\Seen" in flags and PENDING_FLAG.encode() not in flags

    d = drafting.get_draft(world.app, draft_id)
    assert (d.summary.status, d.summary.delivery) == ("sent", "sent")
    assert world.outbox(draft_id).copy_state == "done"
    assert audit_actions(world.app, draft_id) == ["draft.created", "draft.approved", "draft.sent"]
    with world.app.sessions() as s:
        assert (
            s.scalar(select(m.Message.status).where(m.Message.id == d.summary.message_pk))
            == "answered"
        )
    assert drafting.send_approved(world.app) == []  # nothing is sent twice


def test_wrong_password_stays_approved_and_shows_the_servers_answer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRONG_SMTP_PASSWORD", "not-the-password")
    smtp = dataclasses.replace(world.app.settings.smtp, password_env="WRONG_SMTP_PASSWORD")
    world.app.settings = dataclasses.replace(world.app.settings, smtp=smtp)
    first = world.inquiry(1)  # approved before the next mail in the thread: kept
    drafting.approve(world.app, first, "kevin")
    second = world.inquiry(2)
    drafting.approve(world.app, second, "kevin")
    (result,) = drafting.send_approved(world.app)  # the run stops after the refused login
    assert (result.draft_id, result.status) == (first, "retry")
    assert "535" in result.detail and "authentication failed" in result.detail
    d = drafting.get_draft(world.app, first)
    assert d.summary.status == "approved" and "535" in (d.summary.error or "")
    ob = world.outbox(first)
    assert (ob.state, ob.attempts, ob.last_error is not None) == ("queued", 1, True)
    assert world.outbox(second).attempts == 0
    assert world.smtpd.received == []
    assert world.find(world.sales, "Sent", ob.message_id) == []  # journal copy removed


def test_550_fails_visibly_with_the_servers_text(world: World) -> None:
    draft_id = world.inquiry()
    message_id = drafting.approve(world.app, draft_id, "kevin")
    world.smtpd.data_replies.append("550 5.7.1 Message rejected: policy violation")
    (result,) = drafting.send_approved(world.app)
    assert result.status == "failed"
    assert "550 5.7.1 Message rejected: policy violation" in result.detail
    d = drafting.get_draft(world.app, draft_id)
    assert d.summary.status == "failed" and "550 5.7.1" in (d.summary.error or "")
    assert audit_actions(world.app, draft_id)[-1] == "draft.failed"
    assert world.smtpd.received == []
    assert world.find(world.sales, "Sent", message_id) == []
    # a person may approve it again: same content, same Message-ID, and this time it goes out
    assert drafting.approve(world.app, draft_id, "kevin") == message_id
    assert [r.status for r in drafting.send_approved(world.app)] == ["sent"]
    assert len(world.smtpd.received) == 1


def test_recipient_refused_at_rcpt(world: World) -> None:
    draft_id = world.inquiry()
    drafting.approve(world.app, draft_id, "kevin")
    world.smtpd.rcpt_replies[world.customer] = "550 5.1.1 Recipient address rejected: User unknown"
    (result,) = drafting.send_approved(world.app)
    assert result.status == "failed" and "recipients refused" in result.detail
    assert f"{world.customer}: 550 5.1.1 Recipient address rejected" in result.detail


def test_451_is_retried_with_backoff_then_sent(world: World) -> None:
    draft_id = world.inquiry()
    drafting.approve(world.app, draft_id, "kevin")
    world.smtpd.data_replies.append("451 4.3.0 Temporary local problem")
    (result,) = drafting.send_approved(world.app)
    assert (
        result.status == "retry"
        and "attempt 1/3 failed" in result.detail
        and "451" in result.detail
    )
    ob = world.outbox(draft_id)
    assert ob.next_attempt_at is not None
    assert ob.next_attempt_at.replace(tzinfo=UTC) == T0 + timedelta(seconds=60)
    assert drafting.send_approved(world.app) == []  # not due yet
    world.at(timedelta(seconds=61))
    assert [r.status for r in drafting.send_approved(world.app)] == ["sent"]
    assert len(world.smtpd.received) == 1 and world.outbox(draft_id).attempts == 2
    assert audit_actions(world.app, draft_id)[-2:] == ["draft.send_retry", "draft.sent"]


def test_retries_are_bounded(world: World) -> None:
    draft_id = world.inquiry()
    drafting.approve(world.app, draft_id, "kevin")
    world.smtpd.data_replies += ["421 4.7.0 Try again later"] * 3
    for minutes in (0, 2, 5):
        world.at(timedelta(minutes=minutes))
        (result,) = drafting.send_approved(world.app)
    assert result.status == "failed" and "gave up after 3 attempts" in result.detail
    assert drafting.get_draft(world.app, draft_id).summary.status == "failed"


def test_connection_refused_is_temporary(world: World) -> None:
    smtp = dataclasses.replace(world.app.settings.smtp, port=free_port())
    world.app.settings = dataclasses.replace(world.app.settings, smtp=smtp)
    draft_id = world.inquiry()
    drafting.approve(world.app, draft_id, "kevin")
    (result,) = drafting.send_approved(world.app)
    assert result.status == "retry" and "SMTP 127.0.0.1" in result.detail


def test_sent_folder_down_mail_still_goes_out_and_the_copy_follows(world: World) -> None:
    good = world.app.settings
    broken = dataclasses.replace(good.imap.mailboxes[0], port=free_port())
    world.app.settings = dataclasses.replace(good, imap=ImapSettings(mailboxes=[broken]))
    draft_id = world.inquiry()
    message_id = drafting.approve(world.app, draft_id, "kevin")
    assert [r.status for r in drafting.send_approved(world.app)] == ["sent"]
    ob = world.outbox(draft_id)
    assert ob.copy_state == "failed" and "Connection refused" in (ob.copy_error or "")
    world.app.settings = good
    assert [(r.status, r.draft_id) for r in drafting.send_approved(world.app)] == [
        ("copy", draft_id)
    ]
    assert len(world.find(world.sales, "Sent", message_id)) == 1
    assert len(world.smtpd.received) == 1  # a missing copy never causes a resend


CHILD = """
import os, pickle, sys
from mailagent.app import open_app
from mailagent.drafts.service import send_approved
settings = pickle.loads(open(sys.argv[1], "rb").read())
app = open_app(settings, with_model=False)
send_approved(app, on_accepted=lambda draft_id: os._exit(17))
"""


def send_and_crash(world: World, tmp_path: Path) -> str:
    """Send in a child process killed right after the server accepted; returns the Message-ID."""
    draft_id = world.inquiry()
    message_id = drafting.approve(world.app, draft_id, "kevin")
    (tmp_path / "settings.pickle").write_bytes(pickle.dumps(world.app.settings))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "settings.pickle")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert child.returncode == 17, child.stderr
    assert len(world.smtpd.received) == 1
    assert world.outbox(draft_id).state == "sending"  # the bookkeeping never happened
    return message_id


@pytest.mark.slow
def test_crash_after_accept_is_never_resent_and_shows_unconfirmed(
    world: World, tmp_path: Path
) -> None:
    message_id = send_and_crash(world, tmp_path)
    ((_, flags),) = world.find(world.sales, "Sent", message_id)
    assert PENDING_FLAG.encode() in flags  # the journal copy filed before SMTP
    assert drafting.send_approved(world.app) == []  # a recent 'sending' may still be running
    world.after_real_now(timedelta(minutes=10))
    (result,) = drafting.send_approved(world.app)
    assert (
        result.status == "unconfirmed" and "Check whether the customer received it" in result.detail
    )
    assert len(world.smtpd.received) == 1  # no second copy
    assert len(world.find(world.customer, "INBOX", message_id)) == 1
    d = drafting.get_draft(world.app, result.draft_id)
    assert d.summary.status == "failed" and "unconfirmed" in (d.summary.error or "")
    # a person checked with the customer and resends: same Message-ID, one copy in Sent
    assert drafting.approve(world.app, result.draft_id, "kevin") == message_id
    assert [r.status for r in drafting.send_approved(world.app)] == ["sent"]
    assert len(world.smtpd.received) == 2
    ((_, flags),) = world.find(world.sales, "Sent", message_id)
    assert PENDING_FLAG.encode() not in flags


@pytest.mark.slow
def test_crash_with_a_confirmed_copy_in_sent_is_marked_sent(world: World, tmp_path: Path) -> None:
    message_id = send_and_crash(world, tmp_path)
    with world.imap(world.sales) as c:  # e.g. the server filed its own copy in Sent
        c.select_folder("Sent")
        c.remove_flags(c.search(["HEADER", "Message-ID", f"<{message_id}>"]), [PENDING_FLAG])
    world.after_real_now(timedelta(minutes=10))
    (result,) = drafting.send_approved(world.app)
    assert result.status == "sent" and "not sent again" in result.detail
    assert len(world.smtpd.received) == 1
    assert drafting.get_draft(world.app, result.draft_id).summary.status == "sent"


def test_stale_sending_without_any_copy_is_sent_once(world: World) -> None:
    draft_id = world.inquiry()
    message_id = drafting.approve(world.app, draft_id, "kevin")
    with world.app.sessions() as s, s.begin():  # a worker died before it reached the server
        s.execute(
            update(m.Outbox)
            .where(m.Outbox.draft_id == draft_id)
            .values(state="sending", sending_since=T0 - timedelta(hours=1))
        )
    assert [r.status for r in drafting.send_approved(world.app)] == ["sent"]
    assert len(world.smtpd.received) == 1
    assert len(world.find(world.customer, "INBOX", message_id)) == 1


def test_build_message_encodes_non_ascii_and_threads() -> None:
    d = OutgoingMail(
        sender=MailAddress("lily.chen@huaxin-pcb.com", "陈莉 (Huaxin)"),
        to=(MailAddress("j.hoffmann@mueller-elektronik.de", "Jürgen Hoffmann"),),
        cc=(MailAddress("qs@mueller-elektronik.de"),),
        subject="Re: [SO-2026-0088] Bestellung – Lieferung",
        body="Grüße 你好\n",
        in_reply_to="po@mueller.de",
        references=("root@mueller.de", "po@mueller.de"),
        language="de",
        draft_ref="7.2",
    )
    raw = build_message(d, "abc.7@huaxin-pcb.com", T0).as_bytes()
    assert raw.isascii() and b"\r\n" in raw
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "Re: [SO-2026-0088] Bestellung – Lieferung"
    assert msg["From"].addresses[0].display_name == "陈莉 (Huaxin)"  # type: ignore[attr-defined]
    assert msg["To"] == "Jürgen Hoffmann <j.hoffmann@mueller-elektronik.de>"
    assert msg["References"] == "<root@mueller.de> <po@mueller.de>"
    assert (msg["Message-ID"], msg["X-Mailagent-Draft"]) == ("<abc.7@huaxin-pcb.com>", "7.2")
    assert msg.get_content().splitlines() == ["Grüße 你好"]  # type: ignore[attr-defined]
    assert msg["Content-Transfer-Encoding"] == "base64"  # never raw 8bit


def test_sent_folder_lookup(dovecot: Dovecot, imap_user: str) -> None:
    folder = SentFolder(dovecot.mailbox_settings(imap_user))
    try:
        raw = mail(1, message_id="<x1@huaxin-pcb.com>")
        uid = folder.file(raw, T0, pending=True)
        assert uid is not None and folder.find("x1@huaxin-pcb.com") == [(uid, True)]
        folder.confirm(uid)
        assert folder.find("x1@huaxin-pcb.com") == [(uid, False)]
        folder.discard(uid)
        assert folder.find("x1@huaxin-pcb.com") == []
    finally:
        folder.close()


def test_auto_relay_waits_for_the_translation_and_carries_it(world: World) -> None:
    drafts = dataclasses.replace(world.app.settings.drafts, auto_relay_complaints=True)
    world.app.settings = dataclasses.replace(world.app.settings, drafts=drafts)
    raw = mail(
        3,
        sender=f"Tom Baker <{world.customer}>",
        subject="Complaint: short circuits",
        body="Complaint: we found short circuits on 30 boards, please send an 8D report.",
        date=T0 - timedelta(minutes=5),
    )
    (result,) = ingest_raw(world.app, [(raw, "complaint")])
    assert result.message_pk is not None
    reply_id, relay_id = prepare_for_message(world.app, result.message_pk)
    with world.app.sessions() as s:
        assert s.get(m.Message, result.message_pk).translation_status == "pending"  # type: ignore[union-attr]
    assert drafting.send_approved(world.app) == []  # waits for the background translation
    with world.app.sessions() as s, s.begin():  # the translation job finishes
        msg = s.get(m.Message, result.message_pk)
        assert msg is not None
        msg.translated_text, msg.translation_status = "投诉：30块板短路，请提供8D报告。", "done"
    results = drafting.send_approved(world.app)
    assert [(r.draft_id, r.status) for r in results] == [(relay_id, "sent")], results
    (got,) = world.smtpd.received
    assert got.rcpt_tos == ("quality@huaxin-pcb.com", "kevin.wang@huaxin-pcb.com")
    sent = email.message_from_bytes(got.content, policy=policy.default)
    assert "30块板短路" in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    d = drafting.get_draft(world.app, relay_id)
    assert d.versions[-1][0] == 2 and d.versions[-1][3] == "translation added"
    assert drafting.get_draft(world.app, reply_id).summary.status == "pending"  # needs a person
