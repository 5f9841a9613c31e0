"""The first sync ingests the Sent folder with INBOX: our replies there answer their threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select
from support.apptools import mail, make_app
from support.servers import Dovecot

from mailagent.capture.imap import ImapSource
from mailagent.capture.sent import PENDING_FLAG
from mailagent.config import ImapSettings
from mailagent.daemon.loop import MailboxWorker
from mailagent.db import models as m
from mailagent.sla.service import refresh_clocks

pytestmark = pytest.mark.dovecot


def test_first_sync_reads_sent_and_our_replies_close_their_threads(
    tmp_path: Path, dovecot: Dovecot, imap_user: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    asked = now - timedelta(minutes=30)
    inbox = [
        mail(1, message_id="<ask-1@acmerobotics.com>", subject="RFQ one", date=asked),
        mail(2, message_id="<ask-2@acmerobotics.com>", subject="RFQ two", date=asked),
    ]
    dovecot.seed_maildir(imap_user, inbox, received=asked.timestamp())
    replied = now - timedelta(minutes=5)
    reply = mail(  # sent from a mail client, from a domain not in team.own_domains
        3,
        sender="lily@huaxin-mail.example",
        to="tom@acmerobotics.com",
        subject="Re: RFQ one",
        message_id="<reply-1@huaxin-mail.example>",
        in_reply_to="<ask-1@acmerobotics.com>",
        references="<ask-1@acmerobotics.com>",
        date=replied,
        body="Dear Tom,\n\nthe quotation is attached.\n\nLily",
    )
    dovecot.seed_maildir(imap_user, [reply], folder="Sent", received=replied.timestamp())
    journal = mail(  # a send in progress (or failed): not sent yet, so not an answer
        4,
        sender="lily@huaxin-mail.example",
        to="tom@acmerobotics.com",
        subject="Re: RFQ two",
        message_id="<journal-2@huaxin-mail.example>",
        in_reply_to="<ask-2@acmerobotics.com>",
        date=replied,
    )
    with IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False) as client:
        client.login(imap_user, "imap-test-secret")
        client.append("Sent", journal, flags=[PENDING_FLAG])

    mb = dovecot.mailbox_settings(imap_user, name="sales", move_to="Archive")
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'sent.db'}", imap=ImapSettings(mailboxes=[mb]))
    worker = MailboxWorker(app, mb, threading.Event())  # no triage worker: triaged inline
    assert worker.folders() == ["INBOX", "Sent"]
    with ImapSource(mb) as source:
        assert worker.poll_once(source) == 3  # the journal copy is skipped

    with app.sessions() as s:
        rows = {r.message_id: r for r in s.scalars(select(m.Message))}
        assert set(rows) == {"ask-1@acmerobotics.com", "ask-2@acmerobotics.com",
                             "reply-1@huaxin-mail.example"}  # fmt: skip
        ours = rows["reply-1@huaxin-mail.example"]
        assert ours.direction == "outbound"
        assert ours.thread_id == rows["ask-1@acmerobotics.com"].thread_id
        drafts = {d.message_pk: d.status for d in s.scalars(select(m.Draft))}
        assert drafts[rows["ask-2@acmerobotics.com"].id] == "pending"
        assert drafts[rows["ask-1@acmerobotics.com"].id] != "pending"  # answered in Sent
    refresh_clocks(app, now, notify=False, since=now - timedelta(days=1))
    with app.sessions() as s:
        clocks = {
            msg: state
            for msg, state in s.execute(
                select(m.Message.message_id, m.SlaClock.state).join(
                    m.SlaClock, m.SlaClock.message_pk == m.Message.id
                )
            )
        }
    assert clocks["ask-1@acmerobotics.com"] == "met"
    assert clocks["ask-2@acmerobotics.com"] != "met"
    # the Sent folder is read, never marked: move_to applies to INBOX only
    with IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False) as client:
        client.login(imap_user, "imap-test-secret")
        assert client.select_folder("Sent")[b"EXISTS"] == 2
        assert client.select_folder("INBOX")[b"EXISTS"] == 0  # moved to Archive
    app.close()
