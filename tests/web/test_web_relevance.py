"""The relevance gate in the web UI: the red fraud banner, the relevance box with its reasons,
the junk / not junk / report phishing buttons and the supervisor's acknowledgement, in
English and Chinese. SQLite and PostgreSQL (the corrections write the store)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, USERS, Site, build_site, login

from mailagent.capture.ingest import ingest_raw
from mailagent.config import FollowupSettings, ImapSettings, MailboxSettings
from mailagent.db import models as m
from mailagent.web import users as users_module
from mailagent.web.app import create_app

FRAUD = Path(__file__).resolve().parents[1] / "triage" / "data" / "fraud"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[Site]:
    s = build_site(tmp_path, db_url)
    (held,) = ingest_raw(s.app, [((FRAUD / "bank-change-de.eml").read_bytes(), "held")])
    assert held.message_pk is not None
    s.ids["held"] = held.message_pk
    yield s
    s.app.close()


def _row(site: Site, pk: int) -> m.Message:
    with site.app.sessions() as session:
        row = session.get(m.Message, pk)
        assert row is not None
        session.expunge(row)
        return row


def test_fraud_banner_buttons_and_acknowledgement(site: Site) -> None:
    held = site.ids["held"]
    lily = TestClient(create_app(site.app))  # sales, Chinese UI, owns MUELLER
    token = login(lily, "lily")
    page = lily.get(f"/messages/{held}").text
    assert "欺诈警告" in page and "银行账户变更" in page and "已暂扣" in page
    assert "此警告须由主管确认" in page and "/ack-fraud" not in page
    assert lily.post(f"/messages/{held}/ack-fraud", data={"csrf_token": token}).status_code == 403

    grace = TestClient(create_app(site.app))  # supervisor, English UI
    token = login(grace, "grace")
    page = grace.get(f"/messages/{held}").text
    assert "Fraud warning" in page and "Bank account change" in page
    assert "Acknowledge the warning" in page and "Customer mail" in page
    inbox = grace.get("/inbox").text
    assert "Held: fraud warning" in inbox
    dashboard = grace.get("/dashboard").text
    assert "Fraud warnings to check" in dashboard and f"/messages/{held}" in dashboard
    done = grace.post(
        f"/messages/{held}/ack-fraud", data={"csrf_token": token, "note": "called Petra"}
    )
    assert "The fraud warning was acknowledged." in done.text
    assert "Acknowledged by grace.liu@huaxin-pcb.com" in done.text
    row = _row(site, held)
    assert (row.disposition, row.fraud_ack_by) == ("process", USERS["grace"][0])


def test_junk_not_junk_and_phishing_buttons(site: Site) -> None:
    pk = site.ids["mueller"]
    web = TestClient(create_app(site.app))
    token = login(web, "grace")
    page = web.get(f"/messages/{pk}").text
    assert "Relevance" in page and 'value="junk"' in page and 'value="notjunk"' not in page
    done = web.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "junk"})
    assert "The message was marked as junk." in done.text and 'value="notjunk"' in done.text
    assert (_row(site, pk).relevance, _row(site, pk).disposition) == ("spam", "filtered")
    done = web.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "phishing"})
    assert "reported as phishing" in done.text
    done = web.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "notjunk"})
    assert "marked as customer mail" in done.text
    row = _row(site, pk)
    assert (row.relevance, row.relevance_manual, row.disposition) == ("customer", True, "process")
    with site.app.sessions() as session:
        actions = set(
            session.scalars(select(m.AuditEvent.action).where(m.AuditEvent.message_pk == pk))
        )
    assert {"relevance.junk", "relevance.phishing", "relevance.notjunk"} <= actions
    bad = web.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "delete"})
    assert bad.status_code == 404


def test_sales_cannot_correct_mail_outside_their_scope(site: Site) -> None:
    kevin = TestClient(create_app(site.app))  # ACME, BRIGHTWELL, ... but not MUELLER
    token = login(kevin, "kevin")
    pk = site.ids["mueller"]
    response = kevin.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "junk"})
    assert response.status_code == 404
    assert _row(site, pk).relevance == "customer"


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Site]:
    """SQLite only: the queue is plain rows, its schema is checked on PostgreSQL by the
    migrations' test."""
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    yield s
    s.app.close()


def test_archive_and_junk_moves_on_the_mail_server(lite: Site) -> None:
    site = lite
    pk = site.ids["mueller"]
    web = TestClient(create_app(site.app))
    token = login(web, "lily")  # Chinese UI, owns MUELLER
    assert 'value="archive"' not in web.get(f"/messages/{pk}").text  # moves are not mirrored
    sales = MailboxSettings(name="sales")
    site.app.settings = dataclasses.replace(
        site.app.settings,
        imap=ImapSettings(mailboxes=[sales]),
        followups=FollowupSettings(mirror_moves=True),
    )
    with site.app.sessions() as session, session.begin():
        box = m.Mailbox(name="sales", kind="imap")
        session.add(box)
        session.flush()
        where = {"folder": "INBOX", "uidvalidity": 7, "uid": 3}
        session.add(m.MessageLocation(message_pk=pk, mailbox_id=box.id, **where))
    page = web.get(f"/messages/{pk}").text
    assert "在邮件服务器上归档" in page
    done = web.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "archive"})
    assert "该邮件将在邮件服务器上移到 Archive。" in done.text
    assert "等待在邮件服务器上移到 Archive。" in done.text
    grace = TestClient(create_app(site.app))
    token = login(grace, "grace")
    done = grace.post(f"/messages/{pk}/relevance", data={"csrf_token": token, "action": "junk"})
    assert "Waiting to move to Junk on the mail server." in done.text
    with site.app.sessions() as session:
        moves = session.execute(
            select(m.ServerMove.action, m.ServerMove.target, m.ServerMove.requested_by)
            .where(m.ServerMove.message_pk == pk)
            .order_by(m.ServerMove.id)
        ).all()
    assert [tuple(r) for r in moves] == [
        ("archive", "Archive", USERS["lily"][0]),
        ("junk", "Junk", USERS["grace"][0]),
    ]
