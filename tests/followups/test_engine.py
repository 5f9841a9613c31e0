"""The follow-up engine against a migrated store (SQLite and PostgreSQL), frozen clocks.

Mail goes through the real ingest and triage: the customer's inquiry, our quotation as it
comes back from the Sent folder (our own domain: outbound), a colleague's reply.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from support.apptools import mail, make_app
from support.servers import Smtpd

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.config import DraftSettings, SalespersonSettings, SmtpSettings, TeamSettings
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts.outgoing import hooks
from mailagent.followups import greetings, ledger, ledgerview, sendlater
from mailagent.followups.localview import customer_clock
from mailagent.followups.report import followup_tables, open_followups
from mailagent.followups.service import run_followups
from mailagent.reports.scheduled import send_report
from mailagent.send import outbox

THU = datetime(2026, 12, 17, 10, 0, tzinfo=UTC)  # our quotation leaves on Thursday 17 Dec


def build(tmp_path: Path, db_url: str, smtp: SmtpSettings | None = None) -> App:
    team = dataclasses.replace(
        TeamSettings(), own_domains=["huaxin-pcb.com"], supervisor_addresses=["boss@huaxin-pcb.com"]
    )
    app = make_app(
        tmp_path,
        db_url,
        team=team,
        smtp=smtp or SmtpSettings(from_address="sales@huaxin-pcb.com"),
        drafts=DraftSettings(
            company_name="Huaxin PCB",
            salespeople=[SalespersonSettings("kevin@huaxin-pcb.com", "Kevin Wang")],
        ),
    )
    with app.sessions() as s, s.begin():
        c = m.Customer(
            code="KM",
            name="Kraus Mechatronik GmbH",
            country="Germany",
            language="de",
            salesperson="kevin@huaxin-pcb.com",
        )
        c.domains.append(m.CustomerDomain(domain="kraus-mech.de"))
        c.contacts.append(m.Contact(name="Tom Kraus", email="tom@kraus-mech.de"))
        c.contacts.append(m.Contact(name="Anna Vogel", email="anna@kraus-mech.de"))
        s.add(c)
        p = m.Customer(
            code="P1", name="Silent Prospect Ltd", country="US", language="en", status="prospect"
        )
        p.contacts.append(m.Contact(name="Sam", email="sam@silent.example"))
        s.add(p)
    return app


def at(app: App, when: datetime) -> datetime:
    app.clock = lambda: when
    return when


def ingest(app: App, raw: bytes) -> int:
    (r,) = ingest_raw(app, [(raw, "t")])
    assert r.message_pk is not None
    return r.message_pk


def conversation(app: App) -> None:
    at(app, THU - timedelta(days=1))
    ingest(
        app,
        mail(
            1,
            sender="Tom Kraus <tom@kraus-mech.de>",
            message_id="<rfq-1@kraus-mech.de>",
            subject="Anfrage: 4-Lagen-Leiterplatten",
            date=THU - timedelta(days=1),
            body="Hallo Kevin,\n\nbitte um ein Angebot für 500 Stück HX-4L-FR4-1.6.\n\nGruß\nTom",
        ),
    )
    at(app, THU)
    ingest(
        app,
        mail(
            2,
            sender="Kevin Wang <sales@huaxin-pcb.com>",
            to="tom@kraus-mech.de",
            message_id="<quote-1@huaxin-pcb.com>",
            in_reply_to="<rfq-1@kraus-mech.de>",
            references="<rfq-1@kraus-mech.de>",
            subject="AW: Anfrage: 4-Lagen-Leiterplatten",
            date=THU,
            body=(
                "Dear Tom,\n\nplease find our quotation: HX-4L-FR4-1.6, 500 pcs, "
                "USD 2.65/pc.\n\nKevin"
            ),
        ),
    )


def followup_drafts(app: App) -> list[m.Draft]:
    with app.sessions() as s:
        return list(
            s.scalars(select(m.Draft).where(m.Draft.intent == "followup").order_by(m.Draft.id))
        )


def test_quote_silence_followup_then_colleague_reply_cancels(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    conversation(app)
    assert run_followups(app, at(app, datetime(2026, 12, 21, 15, tzinfo=UTC))).drafted == []
    (row,) = open_followups(app, app.clock())
    assert (row.state, row.step, row.due_on) == ("waiting", "quote try 1", "2026-12-22")

    summary = run_followups(app, at(app, datetime(2026, 12, 22, 8, tzinfo=UTC)))
    (d,) = followup_drafts(app)
    assert summary.drafted == [d.id]
    assert (d.status, d.language, d.in_reply_to, d.created_by) == (
        "pending",
        "de",
        "quote-1@huaxin-pcb.com",
        "followups",
    )
    assert [a["email"] for a in d.to_addrs] == ["tom@kraus-mech.de"]
    assert d.subject == "AW: Anfrage: 4-Lagen-Leiterplatten"
    assert "Sehr geehrte/r Tom" in d.body and "please find our quotation" in d.body
    assert any("3 business day(s) of DE" in n for n in d.notes)
    assert run_followups(app, app.clock()).drafted == []  # idempotent
    (row,) = open_followups(app, app.clock())
    assert (row.salesperson, row.state, row.draft_id) == ("kevin@huaxin-pcb.com", "drafted", d.id)

    # no second follow-up is stacked on one still waiting for approval
    assert run_followups(app, at(app, datetime(2027, 1, 5, 9, tzinfo=UTC))).drafted == []
    # Anna (another contact at the same customer) answers our quotation
    at(app, datetime(2026, 12, 23, 9, tzinfo=UTC))
    ingest(
        app,
        mail(
            3,
            sender="Anna Vogel <anna@kraus-mech.de>",
            message_id="<re-1@kraus-mech.de>",
            in_reply_to="<quote-1@huaxin-pcb.com>",
            subject="AW: Anfrage",
            date=app.clock(),
            body="Hallo Kevin, Tom ist im Urlaub; wir bestellen im Januar.\nAnna",
        ),
    )
    summary = run_followups(app, app.clock())
    assert summary.cancelled == [d.id]
    (d,) = followup_drafts(app)
    assert d.status == "rejected" and d.reject_reason is not None
    assert d.reject_reason.startswith("cancelled: the customer replied (re-1@kraus-mech.de")
    assert open_followups(app, app.clock()) == []
    assert run_followups(app, at(app, datetime(2027, 1, 20, tzinfo=UTC))).drafted == []


@pytest.mark.dovecot  # the session's aiosmtpd forwards to Dovecot LMTP
def test_the_emailed_supervisor_report_lists_open_followups(tmp_path: Path, smtpd: Smtpd) -> None:
    smtp = smtpd.smtp_settings(from_address="sales@huaxin-pcb.com")
    app = build(tmp_path, f"sqlite:///{tmp_path / 'r.db'}", smtp)
    conversation(app)
    # still inside the waiting time: nothing to report yet
    assert send_report(app, "daily", at(app, datetime(2026, 12, 21, 15, tzinfo=UTC))).sent
    html = _html(smtpd.received[-1].content)
    assert "待跟进与沉默报价" not in html and "逾期款项" not in html
    order(app, date(2026, 12, 1))  # EUR 12,000 due on 1 Dec: 22 days overdue on the 23rd
    run_followups(app, at(app, datetime(2026, 12, 22, 8, tzinfo=UTC)))
    (d,) = followup_drafts(app)
    assert send_report(app, "daily", at(app, datetime(2026, 12, 23, 8, tzinfo=UTC))).sent
    html = _html(smtpd.received[-1].content)
    assert "Open follow-ups and quotes gone silent, per salesperson" in html
    assert "待跟进与沉默报价（按业务员）" in html
    assert '<td style="border: 1px solid #ccc;">kevin@huaxin-pcb.com</td>' in html
    assert "follow-up awaiting approval / 跟进草稿待审批" in html
    assert f">{d.id}</td>" in html and "Kraus Mechatronik GmbH" in html
    overdue = html.split("逾期款项（按客户和账龄，天）", 1)[1].split("</table>", 1)[0]
    assert "Overdue payments by customer and age" in html
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", overdue)
    assert cells[:3] == ["Kraus Mechatronik GmbH", "EUR", "12000.00"]  # 0-30 days
    assert cells[3:] == ["0.00", "0.00", "0.00", "12960.00"]  # older buckets, then USD
    (item,) = open_followups(app, app.clock(), include_waiting=False)
    by_person, rows = followup_tables([item, dataclasses.replace(item, state="silent")])
    assert by_person.rows == (("kevin@huaxin-pcb.com", 1, 1, 0, 0),)
    assert [r[3] for r in rows.rows] == [
        "follow-up awaiting approval / 跟进草稿待审批",
        "gone silent, follow-up due / 客户沉默，应跟进",
    ]


def _html(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_out_of_office_pauses_and_bounces_do_not_cancel(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    conversation(app)
    at(app, THU + timedelta(minutes=5))
    ingest(
        app,
        mail(
            4,
            sender="tom@kraus-mech.de",
            message_id="<ooo-1@kraus-mech.de>",
            in_reply_to="<quote-1@huaxin-pcb.com>",
            subject="Automatische Antwort: AW: Anfrage",
            date=app.clock(),
            headers={"Auto-Submitted": "auto-replied"},
            body="Ich bin bis 07.01.2027 nicht im Büro.",
        ),
    )
    assert run_followups(app, at(app, datetime(2026, 12, 28, tzinfo=UTC))).drafted == []
    (row,) = open_followups(app, app.clock())
    assert (row.state, row.due_on) == ("paused", "2027-01-07")
    assert (
        run_followups(app, at(app, datetime(2027, 1, 11, 9, tzinfo=UTC))).drafted != []
    )  # 7, 8, 11 Jan


def test_send_later_holds_the_mail_until_the_customers_morning(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    conversation(app)
    run_followups(app, at(app, datetime(2026, 12, 22, 8, tzinfo=UTC)))
    (d,) = followup_drafts(app)
    # Friday 8 Jan 2027, 17:40 in Germany
    friday = at(app, datetime(2027, 1, 8, 16, 40, tzinfo=UTC))
    with app.sessions() as s:
        cid = s.scalar(select(m.Customer.id).where(m.Customer.code == "KM"))
    assert customer_clock(app, cid, friday, "en") == "Fri 17:40 in Berlin, working hours"
    assert (
        customer_clock(app, cid, friday + timedelta(hours=1), "zh") == "Berlin 周五 18:40，已下班"
    )
    when = sendlater.approve_send_later(app, d.id, "kevin")
    assert when == datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # Monday 09:00 CET
    assert sendlater.approve_send_later(app, d.id, "kevin") == when  # idempotent
    with app.sessions() as s:
        ob = s.scalar(select(m.Outbox).where(m.Outbox.draft_id == d.id))
        assert ob is not None and ob.state == "queued"
    assert drafting.get_draft(app, d.id).summary.status == "approved"
    assert outbox.deliver(app, hooks(app)) == []  # held: nothing is due, no SMTP attempt
    at(app, datetime(2027, 1, 11, 7, 59, tzinfo=UTC))
    assert outbox.deliver(app, hooks(app)) == []


def order(app: App, due: date, amount: str = "12000.00", currency: str = "EUR") -> None:
    with app.sessions() as s, s.begin():
        cid = s.scalar(select(m.Customer.id).where(m.Customer.code == "KM"))
        s.add(
            m.Order(
                order_no="HX-2026-0042",
                customer_id=cid,
                pi_number="PI-HX-0042",
                currency=currency,
                amount=Decimal(amount),
                paid_amount=Decimal(0),
                due_date=due,
            )
        )


def ladder_drafts(app: App) -> list[tuple[str, str, str]]:
    with app.sessions() as s:
        rows = s.execute(
            select(m.FollowupItem.step, m.Draft.intent, m.Draft.subject)
            .join(m.Draft, m.Draft.id == m.FollowupItem.draft_id)
            .where(m.FollowupItem.kind.in_(("ladder", "escalation")))
            .order_by(m.Draft.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_payment_ladder_walks_every_step_and_escalates(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    due = date(2026, 11, 30)
    order(app, due)
    ledger.record_payment(app, "HX-2026-0042", "3600", actor="kevin", kind="deposit")
    for offset in range(-5, 35):
        run_followups(
            app,
            at(
                app,
                datetime.combine(due + timedelta(days=offset), datetime.min.time(), UTC)
                + timedelta(hours=2),
            ),
        )
    steps = ladder_drafts(app)
    with app.sessions() as s:  # each new step voided the previous one still waiting
        states = [
            d.status
            for d in s.scalars(
                select(m.Draft).where(m.Draft.intent == "payment_ladder").order_by(m.Draft.id)
            )
        ]
        reasons = [
            d.reject_reason
            for d in s.scalars(
                select(m.Draft).where(m.Draft.intent == "payment_ladder").order_by(m.Draft.id)
            )
        ]
    assert states == ["rejected"] * 4 + ["pending"]
    assert reasons[0] == "cancelled: superseded by step due_day"
    assert [s for s, _, _ in steps] == [
        "before_due",
        "due_day",
        "overdue_7",
        "overdue_15",
        "overdue_30",
        "overdue_30",
    ]
    assert [i for _, i, _ in steps][-2:] == ["payment_ladder", "payment_escalation"]
    assert steps[0][2] == "Zahlungserinnerung: Auftrag HX-2026-0042 / PI PI-HX-0042"
    assert steps[-1][2].startswith("【升级】订单 HX-2026-0042")  # to the supervisors, team language
    (row,) = ledgerview.ledger(app, app.clock())
    assert (row.outstanding, row.step, row.state, row.days_overdue) == (
        Decimal("8400.00"),
        "overdue_30",
        "done",
        34,
    )
    (rep,) = ledgerview.overdue_report(app, app.clock())
    assert (rep["31-60"], rep["usd"]) == (Decimal("8400.00"), Decimal("9072.00"))
    # the balance arrives: the final reminder still waiting is void and the ladder stops
    ledger.record_payment(app, "HX-2026-0042", "8400", actor="kevin", kind="balance")
    run_followups(app, at(app, app.clock() + timedelta(days=30)))
    with app.sessions() as s:
        last = s.scalars(
            select(m.Draft).where(m.Draft.intent == "payment_ladder").order_by(m.Draft.id)
        ).all()[-1]
        assert (last.status, last.reject_reason) == ("rejected", "cancelled: paid in full")
    assert len(ladder_drafts(app)) == len(steps)
    (row,) = ledgerview.ledger(app, app.clock())
    assert (row.state, row.outstanding) == ("paid", Decimal(0))
    assert ledgerview.overdue_report(app, app.clock()) == []


def test_ladder_stops_on_payment_and_holds_on_a_remittance_claim(
    tmp_path: Path, db_url: str
) -> None:
    app = build(tmp_path, db_url)
    due = date(2026, 11, 30)
    order(app, due, "5000", "USD")
    run_followups(app, at(app, datetime(2026, 11, 27, 3, tzinfo=UTC)))
    assert [s for s, _, _ in ladder_drafts(app)] == ["before_due"]
    ledger.record_payment(
        app, "HX-2026-0042", "5000", actor="tom", claimed=True, reference="slip 77"
    )
    with app.sessions() as s:  # the reminder still waiting for approval is void
        d = s.scalar(select(m.Draft).where(m.Draft.intent == "payment_ladder"))
        assert d is not None and d.status == "rejected"
        assert d.reject_reason == "cancelled: the customer says it is paid"
    run_followups(app, at(app, datetime(2026, 12, 8, 3, tzinfo=UTC)))
    (row,) = ledgerview.ledger(app, app.clock())
    assert row.state == "claimed" and len(ladder_drafts(app)) == 1
    assert ledger.confirm_claims(app, "HX-2026-0042", actor="kevin") == 1
    run_followups(app, at(app, datetime(2027, 1, 30, 3, tzinfo=UTC)))
    (row,) = ledgerview.ledger(app, app.clock())
    assert (row.state, row.outstanding) == ("paid", Decimal(0)) and len(ladder_drafts(app)) == 1
    with pytest.raises(ledger.OrderError, match="no order"):
        ledger.record_payment(app, "NOPE", "1", actor="x")
    with pytest.raises(ledger.OrderError, match="positive"):
        ledger.record_payment(app, "HX-2026-0042", "-3", actor="x")
    ledger.update_order(
        app, "HX-2026-0042", actor="kevin", amount="6000", due_date=date(2027, 2, 1)
    )
    (row,) = ledgerview.ledger(app, app.clock())
    assert (row.outstanding, row.due_date, row.state) == (
        Decimal("1000.00"),
        date(2027, 2, 1),
        "waiting",
    )


def test_greetings_once_a_year_never_to_silent_prospects(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    conversation(app)  # Kraus wrote to us: an active customer
    now = at(app, datetime(2026, 12, 20, 2, tzinfo=UTC))
    plan = greetings.plan(app, now)
    assert [(p.customer, p.occasion, p.on, p.name) for p in plan.greetings] == [
        ("Kraus Mechatronik GmbH", "christmas", date(2026, 12, 25), "Weihnachten")
    ]
    assert [n.text("en") for n in plan.notices] == [
        "Germany is closed 25 Dec-27 Dec (Christmas Day; Second Day of Christmas): "
        "expect no reply from Kraus Mechatronik GmbH",
        "Germany is closed 01 Jan-03 Jan (New Year's Day): "
        "expect no reply from Kraus Mechatronik GmbH",
    ]
    assert plan.notices[0].text("zh").startswith("德国 12-25至12-27放假")
    first = run_followups(app, now).greetings
    assert len(first) == 1 and run_followups(app, now).greetings == []
    d = drafting.get_draft(app, first[0])
    assert d.summary.subject == "Herzliche Grüße: Weihnachten" and d.summary.status == "pending"
    # a contact who opted out gets nothing; National Day notice goes to active customers
    with app.sessions() as s, s.begin():
        for c in s.scalars(select(m.Contact).where(m.Contact.email == "tom@kraus-mech.de")):
            c.preferences = {"greetings": False}
    assert greetings.plan(app, at(app, datetime(2027, 12, 20, tzinfo=UTC))).greetings == ()
    closure = [p for p in greetings.plan(app, at(app, datetime(2026, 9, 20, tzinfo=UTC))).greetings]
    assert [(p.kind, p.occasion, p.last) for p in closure] == [
        ("closure", "cn_national_day", date(2026, 10, 7))
    ]


def test_customers_payment_mail_holds_the_ladder_until_confirmed(
    tmp_path: Path, db_url: str
) -> None:
    app = build(tmp_path, db_url)
    due = date(2026, 11, 30)
    order(app, due, "5000", "USD")
    run_followups(app, at(app, datetime(2026, 12, 1, 3, tzinfo=UTC)))
    assert [s for s, _, _ in ladder_drafts(app)] == ["due_day"]
    at(app, datetime(2026, 12, 3, 9, tzinfo=UTC))
    ingest(
        app,
        mail(
            7,
            sender="Tom Kraus <tom@kraus-mech.de>",
            message_id="<paid-1@kraus-mech.de>",
            subject="Payment PI-HX-0042",
            date=app.clock(),
            body=(
                "Dear Kevin,\n\nwe have paid the balance of PI-HX-0042 today, "
                "bank slip attached.\n\nTom"
            ),
        ),
    )
    summary = run_followups(app, at(app, datetime(2026, 12, 8, 3, tzinfo=UTC)))
    assert len(summary.claims) == 1 and summary.ladder == []
    (row,) = ledgerview.ledger(app, app.clock())
    assert row.state == "claimed" and row.outstanding == Decimal("5000.00")
    assert run_followups(app, app.clock()).claims == []  # each mail once
    ledger.confirm_claims(app, "HX-2026-0042", actor="kevin")
    (row,) = ledgerview.ledger(app, app.clock())
    assert (row.state, row.outstanding) == ("paid", Decimal(0))


def auto_sending(tmp_path: Path, db_url: str) -> App:
    """The shipped rules with the friendly reminder (3 days before due) sent automatically."""
    app = build(tmp_path, db_url)
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    text = (Path(app.settings.rules_dir) / "followup.toml").read_text(encoding="utf-8")
    (rules_dir / "followup.toml").write_text(
        text.replace('tone = "friendly"', 'tone = "friendly"\nauto_send = true'), encoding="utf-8"
    )
    app.settings = dataclasses.replace(app.settings, rules_dir=str(rules_dir))
    return app


def not_before(app: App, draft_id: int) -> datetime | None:
    with app.sessions() as s:
        ob = s.scalar(select(m.Outbox).where(m.Outbox.draft_id == draft_id))
        assert ob is not None and ob.state == "queued"
        return None if ob.not_before is None else ob.not_before.replace(tzinfo=UTC)


def test_a_ladder_step_marked_auto_send_is_queued_without_approval(
    tmp_path: Path, db_url: str
) -> None:
    app = auto_sending(tmp_path, db_url)
    order(app, date(2026, 11, 30), "5000", "USD")
    # Friday 27 Nov, 04:00 in Germany: queued for 09:00 their time
    (draft_id,) = run_followups(app, at(app, datetime(2026, 11, 27, 3, tzinfo=UTC))).ladder
    d = drafting.get_draft(app, draft_id)
    assert (d.summary.status, d.summary.delivery) == ("approved", "queued")
    assert [a for _, a, _, _ in d.audit] == ["followups", "auto"]
    assert not_before(app, draft_id) == datetime(2026, 11, 27, 8, tzinfo=UTC)
    with app.sessions() as s:
        (audit,) = s.scalars(select(m.AuditEvent).where(m.AuditEvent.actor == "auto"))
        assert audit.detail["held"] == "Fri 04:00 in Berlin: before hours"


@pytest.mark.parametrize(
    ("due", "now", "expected", "why"),
    [
        # Christmas Day on a Friday: held over the holiday and the weekend
        (
            date(2026, 12, 28),
            datetime(2026, 12, 25, 10, tzinfo=UTC),
            datetime(2026, 12, 28, 8, tzinfo=UTC),
            "Fri 11:00 in Berlin: holiday (Christmas Day (DE))",
        ),
        # Saturday 28 March 2026, the night before summer time: Monday 09:00 CEST = 07:00 UTC
        (
            date(2026, 3, 31),
            datetime(2026, 3, 28, 12, tzinfo=UTC),
            datetime(2026, 3, 30, 7, tzinfo=UTC),
            "Sat 13:00 in Berlin: weekend",
        ),
        # Tuesday 1 Dec, 11:00 in Germany: working hours, it leaves at once
        (date(2026, 12, 4), datetime(2026, 12, 1, 10, tzinfo=UTC), None, None),
    ],
)
def test_auto_sent_reminders_wait_for_the_customers_working_hours(
    tmp_path: Path, due: date, now: datetime, expected: datetime | None, why: str | None
) -> None:
    app = auto_sending(tmp_path, f"sqlite:///{tmp_path / 'a.db'}")
    order(app, due, "5000", "USD")
    (draft_id,) = run_followups(app, at(app, now)).ladder
    assert not_before(app, draft_id) == expected
    with app.sessions() as s:
        (audit,) = s.scalars(select(m.AuditEvent).where(m.AuditEvent.actor == "auto"))
        assert audit.detail.get("held") == why
