"""Draft workflow on a real store (SQLite and PostgreSQL): prepare, edit, approve, reject.

Messages are stored by the real ingest spine; ``prepare_for_message`` then runs the same
``prepare_drafts`` that ingest calls right after storing a message.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.apptools import ROOT, mail, make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.cli.drafts import drafts as drafts_cli
from mailagent.cli.main import Obj
from mailagent.config import DraftSettings, SalespersonSettings, SmtpSettings
from mailagent.db import models as m
from mailagent.demo.lines import draft_lines
from mailagent.demo.run import demo_draft_settings
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import prepare_for_message
from mailagent.drafts.service import DraftStateError

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
PRICES = ROOT / "mailagent" / "demo" / "archive" / "pricelist.csv"
DRAFTS = DraftSettings(
    pricelist_path=str(PRICES),
    reference_prefix="HX",
    company_name="Huaxin PCB",
    salespeople=[SalespersonSettings("kevin.wang@huaxin-pcb.com", "Kevin Wang")],
)


def build(tmp_path: Path, db_url: str, **drafts: object) -> App:
    app = make_app(
        tmp_path,
        db_url,
        drafts=dataclasses.replace(DRAFTS, **drafts),
        smtp=SmtpSettings(from_address="sales@huaxin-pcb.com"),
    )
    app.clock = lambda: NOW
    with app.sessions() as s, s.begin():
        c = m.Customer(
            code="ACME",
            name="Acme Robotics Inc.",
            country="US",
            language="en",
            timezone="America/New_York",
            salesperson="kevin.wang@huaxin-pcb.com",
        )
        c.domains.append(m.CustomerDomain(domain="acmerobotics.com"))
        s.add(c)
        s.flush()
        s.add(
            m.Order(
                order_no="SO-2026-0100",
                customer_id=c.id,
                customer_po="PO-45001",
                pi_number="PI-HX-2026-035",
                currency="USD",
                amount=Decimal("6120.00"),
                paid_amount=Decimal(0),
                due_date=date(2026, 11, 1),
            )
        )
    return app


def store(app: App, n: int, **kw: object) -> int:
    (result,) = ingest_raw(app, [(mail(n, **kw), f"test-{n}")])  # type: ignore[arg-type]
    assert result.message_pk is not None, result
    return result.message_pk


def audit_actions(app: App, draft_id: int) -> list[tuple[str, str]]:
    return [(actor, action) for _, actor, action, _ in drafting.get_draft(app, draft_id).audit]


def test_inquiry_gets_one_pending_quotation_with_version_and_audit(
    tmp_path: Path, db_url: str
) -> None:
    app = build(tmp_path, db_url)
    pk = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>")
    (draft_id,) = prepare_for_message(app, pk)
    assert prepare_for_message(app, pk) == [draft_id]  # idempotent
    d = drafting.get_draft(app, draft_id)
    s = d.summary
    assert (s.status, s.kind, s.intent, s.language, s.version) == (
        "pending",
        "reply",
        "inquiry",
        "en",
        1,
    )
    assert s.subject == "Re: [HX-Q2026-0001] Request for quotation: 4-layer PCB"
    assert s.to == ("Tom Baker <tom@acmerobotics.com>",) and s.customer == "Acme Robotics Inc."
    assert d.from_ == "Kevin Wang (Huaxin PCB) <sales@huaxin-pcb.com>"
    assert "HX-4L-FR4-1.6                   500 pcs        USD 2.65    USD 1,325.00" in d.body
    assert d.quote[0]["unit_price"] == "2.65" and d.quote[0]["total"] == "1325.00"
    assert "language en: the language the customer wrote in" in d.notes
    ((version, actor, when, note),) = d.versions
    assert (version, actor, when.replace(tzinfo=None), note) == (
        1,
        "mailagent",
        NOW.replace(tzinfo=None),
        "generated",
    )
    assert audit_actions(app, draft_id) == [("mailagent", "draft.created")]
    with app.sessions() as session:  # customer replies quoting the token join this thread
        msg = session.get(m.Message, pk)
        assert msg is not None
        thread = session.get(m.Thread, msg.thread_id)
        assert thread is not None and thread.token == "HX-Q2026-0001"


def test_placeholders_block_approval_until_edited(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    body = "Please quote 500 pcs HX-4L-FR4-1.6 and 200 pcs HX-9L-XYZ-1.0."
    (draft_id,) = prepare_for_message(app, store(app, 2, body=body))
    d = drafting.get_draft(app, draft_id)
    assert "[[PRICE NEEDED / 待报价: unknown product code HX-9L-XYZ-1.0" in d.body
    with pytest.raises(DraftStateError, match="1 placeholder"):
        drafting.approve(app, draft_id, "kevin")
    fixed = d.body.replace(d.body[d.body.index("[[") : d.body.index("]]") + 2], "USD 7.80 / pcs")
    assert drafting.edit_draft(app, draft_id, fixed, actor="kevin") == 2
    assert drafting.edit_draft(app, draft_id, fixed, actor="kevin") == 2  # no change, no version
    message_id = drafting.approve(app, draft_id, "grace")
    d = drafting.get_draft(app, draft_id)
    assert (d.summary.status, d.summary.delivery, d.message_id) == (
        "approved",
        "queued",
        message_id,
    )
    assert message_id.endswith("@huaxin-pcb.com")
    assert [v[:2] for v in d.versions] == [(1, "mailagent"), (2, "kevin")]
    assert audit_actions(app, draft_id) == [
        ("mailagent", "draft.created"),
        ("kevin", "draft.edited"),
        ("grace", "draft.approved"),
    ]


def test_editing_an_approved_draft_needs_a_new_approval(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    (draft_id,) = prepare_for_message(app, store(app, 3))
    first = drafting.approve(app, draft_id, "kevin")
    with pytest.raises(DraftStateError, match="only pending or failed"):
        drafting.approve(app, draft_id, "kevin")
    drafting.edit_draft(
        app, draft_id, "Dear Tom,\n\nsee the attached quote.\n", "New subject", actor="kevin"
    )
    d = drafting.get_draft(app, draft_id)
    assert (d.summary.status, d.summary.delivery, d.summary.subject) == (
        "pending",
        None,
        "New subject",
    )
    second = drafting.approve(app, draft_id, "kevin")
    assert second != first  # the content changed: a new Message-ID


def test_reject_keeps_the_reason_and_is_final(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    (draft_id,) = prepare_for_message(app, store(app, 4))
    drafting.approve(app, draft_id, "kevin")
    drafting.reject(app, draft_id, "grace", "customer already called")
    d = drafting.get_draft(app, draft_id)
    assert (d.summary.status, d.summary.delivery) == ("rejected", None)
    assert d.audit[-1][1:3] == ("grace", "draft.rejected")
    assert d.audit[-1][3]["reason"] == "customer already called"
    for action in (
        lambda: drafting.approve(app, draft_id, "x"),
        lambda: drafting.edit_draft(app, draft_id, "x", actor="x"),
        lambda: drafting.send_approved(app, draft_id),
    ):
        with pytest.raises(DraftStateError, match="rejected"):
            action()
    with pytest.raises(LookupError, match="no draft with id 999"):
        drafting.get_draft(app, 999)


def test_complaint_reply_and_quality_relay(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    body = (
        "Dear Kevin,\n\nwe found short circuits on 30 boards of order SO-2026-0100. "
        "Please send an 8D.\n\nTom"
    )
    pk = store(app, 5, subject="Complaint: shorts on SO-2026-0100", body=body)
    reply_id, relay_id = prepare_for_message(app, pk)
    reply, relay = drafting.get_draft(app, reply_id), drafting.get_draft(app, relay_id)
    assert reply.summary.intent == "complaint" and "within 24 hours" in reply.body
    assert relay.summary.kind == "relay" and relay.summary.to == ("quality@huaxin-pcb.com",)
    assert relay.cc == ("Kevin Wang <kevin.wang@huaxin-pcb.com>",)
    assert relay.summary.language == "zh" and relay.summary.status == "pending"
    assert relay.summary.subject.startswith("【客诉转质量部】[SO-2026-0100] Acme Robotics Inc.")
    assert "short circuits on 30 boards" in relay.body and "订单号：SO-2026-0100" in relay.body


def test_auto_relay_is_queued_at_once(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url, auto_relay_complaints=True)
    body = "This is a complaint: the boards arrived damaged, we reject the lot."
    _, relay_id = prepare_for_message(app, store(app, 6, subject="Complaint", body=body))
    d = drafting.get_draft(app, relay_id)
    assert (d.summary.status, d.summary.delivery) == ("approved", "queued")
    assert ("auto", "draft.approved") in audit_actions(app, relay_id)


@pytest.mark.parametrize(
    "kw",
    [
        {"headers": {"Auto-Submitted": "auto-replied"}, "subject": "Out of office: RFQ"},
        {"sender": "kevin.wang@huaxin-pcb.com"},
        {"subject": "Merry Christmas", "body": "Season's greetings to the whole team!"},
    ],
    ids=["auto-reply", "outbound", "other"],
)
def test_no_draft_for_machine_own_or_other_mail(
    tmp_path: Path, db_url: str, kw: dict[str, object]
) -> None:
    app = build(tmp_path, db_url)
    assert prepare_for_message(app, store(app, 7, **kw)) == []


def test_overdue_order_gets_a_reminder(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    body = "Hello, could you resend the invoice for PO-45001? Our accounts team needs it."
    pk = store(app, 8, subject="Invoice for PO-45001", body=body)
    with app.sessions() as s:
        msg = s.get(m.Message, pk)
        assert msg is not None and msg.order_id is not None
        if msg.intent != "payment":
            pytest.skip(f"classified as {msg.intent}")
    (draft_id,) = prepare_for_message(app, pk)
    d = drafting.get_draft(app, draft_id)
    assert d.summary.intent == "payment_overdue"
    assert "USD 6,120.00" in d.body and "19 days overdue" in d.body


def test_a_drafting_failure_never_loses_the_message(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    app.settings = dataclasses.replace(app.settings, templates_dir=str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    pk = store(app, 9)
    assert prepare_for_message(app, pk) == []
    with app.sessions() as s:
        assert s.get(m.Message, pk) is not None
        event = s.scalar(select(m.AuditEvent).where(m.AuditEvent.action == "draft.error"))
        assert event is not None and "no template for inquiry" in event.detail["error"]


def test_list_filters_and_demo_lines(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    prepare_for_message(app, store(app, 10))
    prepare_for_message(
        app, store(app, 11, subject="Complaint", body="Complaint: 5 boards are warped.")
    )
    assert {d.intent for d in drafting.list_drafts(app)} == {
        "inquiry",
        "complaint",
        "complaint_relay",
    }
    assert [d.intent for d in drafting.list_drafts(app, "pending", intent="inquiry")] == ["inquiry"]
    assert drafting.list_drafts(app, "sent") == []
    text = "\n".join(draft_lines(app))
    assert "pending replies by intent: complaint 1, inquiry 1; 1 complaint relay(s)" in text
    assert "HX-4L-FR4-1.6       500  USD 2.65 -> USD 1325.00" in text
    assert "UNPRICED: 50 pcs is below the MOQ of 500" in text


def test_demo_draft_settings_point_at_the_demo_price_list() -> None:
    s = demo_draft_settings(DraftSettings(), PRICES.parent)
    assert Path(s.pricelist_path) == PRICES and s.reference_prefix == "HX"
    assert {sp.email for sp in s.salespeople} == {
        "lily.chen@huaxin-pcb.com",
        "kevin.wang@huaxin-pcb.com",
    }


def test_cli_list_show_approve_edit_reject(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    body = "Please quote 500 pcs HX-4L-FR4-1.6 and 100 pcs HX-9L-XYZ-1.0."
    (draft_id,) = prepare_for_message(app, store(app, 12, body=body))
    app.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'templates_dir = "{ROOT / "templates"}"\nrules_dir = "{ROOT / "rules"}"\n'
        f'[store]\nurl = "{db_url}"\ndir = "{tmp_path / "store"}"\n'
        f'[smtp]\nfrom_address = "sales@huaxin-pcb.com"\n'
        f'[drafts]\npricelist_path = "{PRICES}"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(drafts_cli, list(args), obj=Obj(str(config), 0), input=stdin)
        return result.exit_code, result.output

    code, out = run("list")
    assert code == 0 and f"{draft_id:>5}" in out and "pending" in out and "inquiry" in out
    code, out = run("show", str(draft_id))
    assert code == 0 and "quote: HX-4L-FR4-1.6 x 500: USD 2.65 = 1325.00" in out
    assert "mailagent: draft.created" in out
    code, out = run("approve", str(draft_id), "--as", "kevin")
    assert code == 1 and "placeholder" in out
    new_body = "Dear Tom,\n\nHX-9L-XYZ-1.0: USD 9.90 / pcs.\n"
    code, out = run("edit", str(draft_id), "--file", "-", "--as", "kevin", stdin=new_body)
    assert code == 0 and "version 2" in out
    code, out = run("approve", str(draft_id), "--as", "kevin")
    assert code == 0 and "approved as <" in out
    code, out = run("reject", str(draft_id), "--reason", "duplicate", "--as", "grace")
    assert code == 0 and "rejected" in out
    code, out = run("show", "999")
    assert code == 3 and "no draft with id 999" in out
    code, out = run("templates")
    assert code == 0 and "languages: de, en, es, fr, ja, pt, ru, zh" in out and "missing" not in out
    code, out = run("list", "--status", "rejected")
    assert "rejected" in out and "Re: [HX-Q2026-0001]" in out
