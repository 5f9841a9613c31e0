"""End to end on real Dovecot + aiosmtpd: quote -> silence -> follow-up -> colleague replies.

The customer's RFQ is delivered over LMTP into the sales mailbox and captured over IMAP; our
priced quotation is approved and sent through aiosmtpd (it lands in the customer's own
Dovecot mailbox); after three US business days of silence the engine drafts a follow-up;
then a *colleague* of the buyer answers from another address of the same company, which is
captured over IMAP and cancels the follow-up. With ``followups.mark_answered`` the original
RFQ carries ``\\Answered`` on the server afterwards, and nothing was deleted.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select
from support.apptools import mail, make_app
from support.servers import Dovecot, Smtpd, unique_name

from mailagent.app import App, open_app
from mailagent.capture.imap import ImapSource
from mailagent.config import DraftSettings, FollowupSettings, ImapSettings, SalespersonSettings
from mailagent.daemon.loop import MailboxWorker
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.followups import sendlater
from mailagent.followups.report import open_followups
from mailagent.followups.service import run_followups
from mailagent.triage.worker import triage_pending

pytestmark = pytest.mark.dovecot
PRICES = Path(__file__).resolve().parents[2] / "mailagent" / "demo" / "archive" / "pricelist.csv"


@dataclasses.dataclass
class World:
    app: App
    dovecot: Dovecot
    smtpd: Smtpd
    sales: str
    buyer: str
    colleague: str

    def poll(self) -> None:
        (mb,) = self.app.settings.imap.mailboxes
        worker = MailboxWorker(self.app, mb, threading.Event())
        with ImapSource(mb) as source:
            worker.poll_once(source)
        triage_pending(self.app)

    def flags(self, user: str, message_id: str) -> tuple[bytes, ...]:
        with IMAPClient("127.0.0.1", self.dovecot.imap_port, ssl=False, timeout=10) as c:
            c.login(user, self.dovecot.password)
            c.select_folder("INBOX", readonly=True)
            (uid,) = c.search(["HEADER", "Message-ID", f"<{message_id}>"])
            return tuple(c.get_flags([uid])[uid])


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
            salespeople=[SalespersonSettings("kevin.wang@huaxin-pcb.com", "Kevin Wang")],
        ),
        followups=FollowupSettings(mark_answered=True),
    )
    domain = unique_name("d") + ".example"
    with app.sessions() as s, s.begin():
        c = m.Customer(
            code="ACME",
            name="Acme Robotics Inc.",
            language="en",
            country="US",
            salesperson="kevin.wang@huaxin-pcb.com",
        )
        c.domains.append(m.CustomerDomain(domain=domain))
        c.contacts.append(m.Contact(name="Tom Baker", email=f"tom@{domain}"))
        s.add(c)
    w = World(app, dovecot, smtpd, imap_user, f"tom@{domain}", f"lisa@{domain}")
    yield w
    w.app.close()


def now_s() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_quote_silence_followup_then_a_colleague_replies(world: World) -> None:
    app = world.app
    rfq_id = unique_name("rfq") + "@acme"
    world.dovecot.deliver_lmtp(
        world.sales,
        mail(
            1,
            sender=f"Tom Baker <{world.buyer}>",
            to="sales@huaxin-pcb.com",
            message_id=f"<{rfq_id}>",
            body="Dear Kevin,\n\nplease quote 500 pcs of HX-4L-FR4-1.6.\n\nThanks\nTom",
            date=now_s(),
        ),
    )
    world.poll()
    with app.sessions() as s:
        quote_id = s.scalar(select(m.Draft.id).where(m.Draft.intent == "inquiry"))
    assert quote_id is not None
    time.sleep(1.1)  # the server's INTERNALDATE has a resolution of one second
    sent = now_s()
    app.clock = lambda: sent
    quote_mid = drafting.approve(app, quote_id, "kevin")
    assert [r.status for r in drafting.send_approved(app)] == ["sent"]

    # three US business days later: a follow-up quoting the priced lines, threaded
    later = sent + timedelta(days=8)
    app.clock = lambda: later
    summary = run_followups(app, later)
    (fid,) = summary.drafted
    assert summary.flagged == 1 and b"\\Answered" in world.flags(world.sales, rfq_id)
    f = drafting.get_draft(app, fid)
    assert (f.summary.status, f.summary.intent, f.summary.to) == (
        "pending",
        "followup",
        (f"Tom Baker <{world.buyer}>",),
    )
    assert f.summary.subject == "Re: Request for quotation: 4-layer PCB"
    assert "HX-4L-FR4-1.6 x 500" in f.body
    with app.sessions() as s:
        d = s.get(m.Draft, fid)
        assert d is not None and d.in_reply_to == quote_mid
    (row,) = open_followups(app, later)
    assert (row.state, row.draft_id, row.salesperson) == (
        "drafted",
        fid,
        "kevin.wang@huaxin-pcb.com",
    )

    # Lisa, a colleague at the same company (not in the archive), answers our quotation
    time.sleep(1.1)
    world.dovecot.deliver_lmtp(
        world.sales,
        mail(
            2,
            sender=f"Lisa Chen <{world.colleague}>",
            to="sales@huaxin-pcb.com",
            message_id=f"<{unique_name('re')}@acme>",
            in_reply_to=f"<{quote_mid}>",
            references=f"<{quote_mid}>",
            subject="Re: Request for quotation: 4-layer PCB",
            date=now_s(),
            body="Hi Kevin,\n\nTom is travelling; we will order next month.\n\nLisa",
        ),
    )
    world.poll()
    summary = run_followups(app, later)
    assert summary.cancelled == [fid] and summary.drafted == []
    f = drafting.get_draft(app, fid)
    assert f.summary.status == "rejected"
    assert open_followups(app, later) == []
    assert run_followups(app, later + timedelta(days=30)).drafted == []
    # the mailbox still holds everything: nothing was deleted
    with IMAPClient("127.0.0.1", world.dovecot.imap_port, ssl=False, timeout=10) as c:
        c.login(world.sales, world.dovecot.password)
        assert c.select_folder("INBOX", readonly=True)[b"EXISTS"] == 2


def test_send_later_is_held_across_a_restart_then_delivered(world: World, tmp_path: Path) -> None:
    """A follow-up approved on Friday evening in the US leaves on Monday 09:00 New York time."""
    app = world.app
    with app.sessions() as s, s.begin():
        cid = s.scalar(select(m.Customer.id).where(m.Customer.code == "ACME"))
        c = s.get(m.Customer, cid)
        assert c is not None
        c.timezone = "America/New_York"
    rfq_id = unique_name("rfq") + "@acme"
    world.dovecot.deliver_lmtp(
        world.sales,
        mail(
            3,
            sender=f"Tom Baker <{world.buyer}>",
            to="sales@huaxin-pcb.com",
            message_id=f"<{rfq_id}>",
            body="Dear Kevin,\n\nplease quote 500 pcs of HX-4L-FR4-1.6.\n\nThanks\nTom",
            date=now_s(),
        ),
    )
    world.poll()
    with app.sessions() as s:
        draft_id = s.scalar(select(m.Draft.id).where(m.Draft.intent == "inquiry"))
    assert draft_id is not None
    friday = datetime(2027, 1, 8, 22, 40, tzinfo=UTC)  # 17:40 in New York
    app.clock = lambda: friday
    when = sendlater.approve_send_later(app, draft_id, "kevin")
    assert when == datetime(2027, 1, 11, 14, 0, tzinfo=UTC)
    assert drafting.send_approved(app) == []
    # the daemon restarts: a fresh App on the same store still holds the mail
    settings = app.settings
    app.close()
    again = open_app(settings, with_model=False, clock=lambda: when - timedelta(minutes=1))
    world.app = again
    assert drafting.send_approved(again) == [] and world_received(world) == 0
    again.clock = lambda: when
    assert [r.status for r in drafting.send_approved(again)] == ["sent"]
    assert world_received(world) == 1
    with IMAPClient("127.0.0.1", world.dovecot.imap_port, ssl=False, timeout=10) as c:
        c.login(world.buyer, world.dovecot.password)
        c.select_folder("INBOX", readonly=True)
        assert len(c.search(["HEADER", "In-Reply-To", rfq_id])) == 1


def world_received(world: World) -> int:
    return len(world.smtpd.received)
