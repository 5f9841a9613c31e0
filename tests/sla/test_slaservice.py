"""SLA clocks in the store (SQLite and PostgreSQL): created, stopped by replies, paused,
warned and escalated once, with notices really sent to an SMTP server on loopback."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from support.apptools import mail, make_app
from support.servers import free_port

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.config import SmtpSettings
from mailagent.db import models as m
from mailagent.errors import TransientDeliveryError
from mailagent.messages.service import reclassify
from mailagent.reports.scheduled import send_report
from mailagent.send.notices import send_notice
from mailagent.sla import service as slaservice

SUPERVISOR = "grace.liu@huaxin-pcb.com"
SALES = "kevin.wang@huaxin-pcb.com"
MON_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


class Sink:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def _smtp_settings(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        security="plain",
        username="",
        from_address="mailagent@huaxin-pcb.com",
        timeout_seconds=10,
    )


@pytest.fixture
def app(tmp_path: Path, db_url: str, smtp: tuple[Sink, int]) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    team = dataclasses.replace(a.settings.team, supervisor_addresses=[SUPERVISOR])
    a.settings = dataclasses.replace(a.settings, team=team, smtp=_smtp_settings(smtp[1]))
    with a.sessions() as s, s.begin():
        customer = m.Customer(
            code="ACME",
            name="Acme Robotics Inc.",
            country="US",
            timezone="America/New_York",
            salesperson=SALES,
        )
        customer.domains.append(m.CustomerDomain(domain="acmerobotics.com"))
        s.add(customer)
    yield a
    a.close()


def _ingest(app: App, raw: bytes) -> int:
    (result,) = ingest_raw(app, [(raw, "test")])
    assert result.message_pk is not None, result
    return result.message_pk


def _inquiry(app: App, n: int = 1, at: datetime = MON_10, **kw: Any) -> int:
    return _ingest(app, mail(n, date=at, **kw))


def _reply(app: App, n: int, at: datetime, to: str = "tom@acmerobotics.com") -> int:
    raw = mail(
        100 + n,
        sender=SALES,
        to=to,
        subject="Re: Request for quotation: 4-layer PCB",
        body="Dear Tom,\n\nplease find our quotation attached.\n\nKevin",
        message_id=f"<reply-{n}@huaxin-pcb.com>",
        in_reply_to=f"<test-{n}@acmerobotics.com>",
        references=f"<test-{n}@acmerobotics.com>",
        date=at,
    )
    return _ingest(app, raw)


def _clocks(app: App) -> list[m.SlaClock]:
    with app.sessions() as s:
        return list(s.scalars(select(m.SlaClock).order_by(m.SlaClock.id)))


def _audits(app: App, action: str) -> int:
    with app.sessions() as s:
        stmt = select(func.count()).select_from(m.AuditEvent).where(m.AuditEvent.action == action)
        return int(s.scalar(stmt) or 0)


def test_reply_in_the_thread_stops_the_clock(app: App, smtp: tuple[Sink, int]) -> None:
    pk = _inquiry(app)
    changes = slaservice.refresh_clocks(app, MON_10 + timedelta(hours=1))
    assert [(c.message_pk, c.policy_id, c.event, c.state) for c in changes] == [
        (pk, "inquiry.answer", "created", "running")
    ]
    (clock,) = _clocks(app)
    assert clock.due_at.replace(tzinfo=UTC) == MON_10 + timedelta(hours=24)
    assert clock.timezone == "Asia/Shanghai"
    assert clock.reasons[-1].startswith("due 2026-11-24 10:00 CST")
    reply_pk = _reply(app, 1, MON_10 + timedelta(hours=3))
    with app.sessions() as s:
        reply = s.get(m.Message, reply_pk)
        assert reply is not None and reply.direction == "outbound"
    changes = slaservice.refresh_clocks(app, MON_10 + timedelta(hours=4))
    assert [(c.event, c.old_state, c.state) for c in changes] == [("changed", "running", "met")]
    (clock,) = _clocks(app)
    assert clock.stopped_at is not None
    assert clock.stopped_at.replace(tzinfo=UTC) == MON_10 + timedelta(hours=3)
    assert clock.elapsed_seconds == 3 * 3600
    assert any(f"message #{reply_pk}" in r for r in clock.reasons)
    # idempotent: nothing new on the next runs, no clocks for the outbound reply itself
    assert slaservice.refresh_clocks(app, MON_10 + timedelta(days=3)) == []
    assert len(_clocks(app)) == 1
    assert smtp[0].messages == []


def test_internal_mail_is_not_a_reply(app: App) -> None:
    _inquiry(app)
    _reply(app, 1, MON_10 + timedelta(hours=1), to="lily.chen@huaxin-pcb.com")
    slaservice.refresh_clocks(app, MON_10 + timedelta(hours=2), notify=False)
    (clock,) = _clocks(app)
    assert clock.state == "running"


def test_no_clock_for_no_reply_other_or_old_mail(app: App) -> None:
    _ingest(
        app,
        mail(
            2,
            subject="Automatic reply: out of office",
            body="I am out of the office until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
            date=MON_10,
        ),
    )
    other = _inquiry(app, 3)
    reclassify(app, other, "other", "tester")
    _inquiry(app, 4, at=MON_10 - timedelta(days=30))  # older than sla.lookback_days
    assert slaservice.refresh_clocks(app, MON_10 + timedelta(hours=1)) == []
    assert _clocks(app) == []


def test_reclassified_message_loses_its_clock(app: App) -> None:
    pk = _inquiry(app)
    slaservice.refresh_clocks(app, MON_10 + timedelta(hours=1))
    reclassify(app, pk, "other", "tester")
    changes = slaservice.refresh_clocks(app, MON_10 + timedelta(hours=2))
    assert [(c.event, c.summary) for c in changes] == [("cancelled", "intent is now other")]
    assert _clocks(app) == []
    assert _audits(app, "sla.cancelled") == 1


def test_warning_then_escalation_once(app: App, smtp: tuple[Sink, int]) -> None:
    sink = smtp[0]
    pk = _inquiry(app)
    slaservice.refresh_clocks(app, MON_10 + timedelta(hours=1))
    # warning window: 4 h before the due time (Tuesday 10:00 Shanghai)
    changes = slaservice.refresh_clocks(app, MON_10 + timedelta(hours=21))
    assert [(c.event, c.state) for c in changes] == [("changed", "warning"), ("warned", "warning")]
    assert [(rcpts, msg["Subject"]) for _f, rcpts, msg in sink.messages] == [
        ([SALES], "SLA warning: 1 message(s) due soon")
    ]
    for when in (22, 23):  # still warning: no second warning
        assert slaservice.refresh_clocks(app, MON_10 + timedelta(hours=when)) == []
    assert len(sink.messages) == 1
    breach = MON_10 + timedelta(hours=25)
    changes = slaservice.refresh_clocks(app, breach)
    assert [(c.event, c.state) for c in changes] == [
        ("changed", "breached"),
        ("escalated", "breached"),
    ]
    assert len(sink.messages) == 2
    mail_from, rcpts, notice = sink.messages[1]
    assert mail_from == "mailagent@huaxin-pcb.com"
    assert sorted(rcpts) == sorted([SUPERVISOR, SALES])
    assert notice["To"] == SUPERVISOR and notice["Cc"] == SALES
    assert notice["Subject"] == "SLA breached: 1 message(s)"
    assert notice["Auto-Submitted"] == "auto-generated"
    body = notice.get_content()
    assert f"#{pk}" in body and "Acme Robotics" in body and "overdue by 1h 00m" in body
    # run twice more: nothing new is sent or recorded
    assert slaservice.refresh_clocks(app, breach + timedelta(minutes=5)) == []
    assert slaservice.refresh_clocks(app, breach + timedelta(hours=1)) == []
    assert len(sink.messages) == 2
    assert _audits(app, "sla.escalated") == 1
    assert _audits(app, "sla.warned") == 1
    (view,) = slaservice.clock_views(app, states=["breached"])
    assert view.escalated and view.message_pk == pk
    slaservice.acknowledge(app, view.clock_id, SUPERVISOR)
    (view,) = slaservice.clock_views(app)
    assert not view.escalated
    # a late reply ends the clock as breached; no further notice
    _reply(app, 1, breach + timedelta(hours=2))
    changes = slaservice.refresh_clocks(app, breach + timedelta(hours=3))
    assert [(c.event, c.state) for c in changes] == []  # state stays breached
    (clock,) = _clocks(app)
    assert clock.stopped_at is not None
    assert "1h 00m late" not in clock.reasons[-1] and "late" in clock.reasons[-1]
    assert len(sink.messages) == 2


def test_failed_escalation_is_retried(app: App, smtp: tuple[Sink, int]) -> None:
    sink = smtp[0]
    _inquiry(app)
    good = app.settings
    app.settings = dataclasses.replace(good, smtp=_smtp_settings(free_port()))  # nobody there
    breach = MON_10 + timedelta(hours=25)
    changes = slaservice.refresh_clocks(app, breach)
    assert [c.event for c in changes] == ["created"]  # escalation not recorded as done
    (clock,) = _clocks(app)
    assert clock.state == "breached" and clock.escalated_at is None
    assert _audits(app, "sla.escalated.failed") == 1
    app.settings = good
    changes = slaservice.refresh_clocks(app, breach + timedelta(minutes=5))
    assert [c.event for c in changes] == ["escalated"]
    assert len(sink.messages) == 1
    with pytest.raises(TransientDeliveryError):
        app.settings = dataclasses.replace(good, smtp=_smtp_settings(free_port()))
        send_notice(app.settings, sink.messages[0][2])


def test_pause_while_waiting_on_customer(app: App) -> None:
    pk = _inquiry(app)
    reclassify(app, pk, "order", "tester")  # order.confirm: 1 working day, pauses
    slaservice.refresh_clocks(app, MON_10 + timedelta(hours=1))
    app.clock = lambda: MON_10 + timedelta(hours=2)  # Monday 12:00 Shanghai
    slaservice.pause(app, pk, SALES, "asked for Gerber files")
    changes = slaservice.refresh_clocks(app, MON_10 + timedelta(hours=8))
    assert [(c.event, c.state) for c in changes] == [("changed", "paused")]
    (clock,) = _clocks(app)
    assert clock.elapsed_seconds == 2 * 3600
    assert any("Gerber" in r for r in clock.reasons)
    # the customer writes again in the thread: the pause ends by itself
    app.clock = lambda: MON_10 + timedelta(days=1)  # captured when it was sent
    _ingest(
        app,
        mail(
            5,
            subject="Re: Request for quotation: 4-layer PCB",
            body="Gerber files attached.",
            in_reply_to="<test-1@acmerobotics.com>",
            references="<test-1@acmerobotics.com>",
            date=MON_10 + timedelta(days=1),  # Tuesday 10:00
        ),
    )
    changes = slaservice.refresh_clocks(app, MON_10 + timedelta(days=1, hours=1))
    assert ("changed", "paused", "running") in [(c.event, c.old_state, c.state) for c in changes]
    (clock, *_rest) = _clocks(app)
    assert clock.elapsed_seconds == 3 * 3600  # Mon 10-12 + Tue 10-11
    assert clock.due_at.replace(tzinfo=UTC) == MON_10 + timedelta(days=1, hours=7)  # Tue 17:00


def test_complaint_relay_and_answer_clocks(app: App) -> None:
    pk = _inquiry(app)
    reclassify(app, pk, "complaint", "tester")
    slaservice.refresh_clocks(app, MON_10 + timedelta(minutes=30), notify=False)
    assert sorted(c.policy_id for c in _clocks(app)) == ["complaint.answer", "complaint.relay"]
    app.clock = lambda: MON_10 + timedelta(hours=1)
    slaservice.record_relay(app, pk, SALES, "phoned quality")
    slaservice.refresh_clocks(app, MON_10 + timedelta(hours=3), notify=False)
    states = {c.policy_id: c.state for c in _clocks(app)}
    assert states == {"complaint.relay": "met", "complaint.answer": "running"}
    with pytest.raises(LookupError):
        slaservice.record_relay(app, 9999, SALES)


def test_scheduled_report_is_sent_once_per_period(app: App, smtp: tuple[Sink, int]) -> None:
    sink = smtp[0]
    _inquiry(app)
    now = MON_10 + timedelta(hours=30)
    first = send_report(app, "daily", now)
    assert first.sent and first.period == "2026-11-24" and first.recipients == (SUPERVISOR,)
    again = send_report(app, "daily", now + timedelta(hours=1))
    assert not again.sent and "already sent" in again.reason
    forced = send_report(app, "daily", now, force=True)
    assert forced.sent
    assert [msg["Subject"] for _f, _r, msg in sink.messages] == ["Unanswered mail — 2026-11-24"] * 2
    weekly = send_report(app, "weekly", now)
    assert weekly.sent and weekly.period == "2026-W48"
    assert sink.messages[-1][2]["Subject"] == "Unanswered mail — week 2026-W48"


def test_old_breached_clocks_are_left_alone(app: App) -> None:
    _inquiry(app)
    slaservice.refresh_clocks(app, MON_10 + timedelta(days=2), notify=False)
    (clock,) = _clocks(app)
    assert clock.state == "breached"
    _reply(app, 1, MON_10 + timedelta(days=19))
    later = MON_10 + timedelta(days=20)  # the clock started before sla.lookback_days
    assert slaservice.refresh_clocks(app, later, notify=False) == []
    (clock,) = _clocks(app)
    assert clock.stopped_at is None
    assert clock.evaluated_at.replace(tzinfo=UTC) == MON_10 + timedelta(days=2)
