"""The relevance gate through the real triage path: ingest -> triage -> store, with the demo
customer archive. Only customer mail gets drafts, prospects and SLA clocks; junk / not junk /
phishing corrections are audited, kept on re-triage and take effect at once; a fraud
warning holds a message until a supervisor acknowledges it. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.apptools import mail, make_app
from support.modelcache import seed_intent_model

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.cli.main import cli
from mailagent.db import models as m
from mailagent.demo.run import import_demo_archive
from mailagent.messages.relevance import (
    RelevanceError,
    acknowledge_fraud,
    correct,
    fraud_warnings,
    relevance_view,
)
from mailagent.reports.fraud import fraud_table
from mailagent.sla.service import refresh_clocks
from mailagent.triage.worker import triage_messages

FRAUD = Path(__file__).resolve().parent / "data" / "fraud"
NOW = datetime(2026, 11, 10, 16, 0, tzinfo=UTC)
SPAM = (
    "FREE!!! Make $5,000 per week working from home. 100% guaranteed, risk-free. Act now, "
    "limited time offer, order today! Click here. To be removed from our list reply with REMOVE."
)


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    a.clock = lambda: NOW
    import_demo_archive(a)
    yield a
    a.close()


def _ingest(app: App, raw: bytes, origin: str = "test") -> int:
    (result,) = ingest_raw(app, [(raw, origin)])
    assert result.message_pk is not None, result
    return result.message_pk


def _row(app: App, pk: int) -> m.Message:
    with app.sessions() as s:
        row = s.get(m.Message, pk)
        assert row is not None
        s.expunge(row)
        return row


def _drafts(app: App, pk: int) -> list[tuple[str, str]]:
    with app.sessions() as s:
        return [
            (d.kind, d.status)
            for d in s.scalars(select(m.Draft).where(m.Draft.message_pk == pk).order_by(m.Draft.id))
        ]


def _inquiry(n: int, sender: str, body: str, subject: str = "Inquiry: 4-layer PCB") -> bytes:
    return mail(
        n,
        sender=sender,
        subject=subject,
        body=body,
        message_id=f"<gate-{n}@{sender.rpartition('@')[2]}>",
        date=datetime(2026, 11, 10, 9, n, tzinfo=UTC),
    )


def test_only_customer_mail_gets_drafts_prospects_and_clocks(app: App) -> None:
    spam = _ingest(app, _inquiry(1, "deals4u8812x9@cheap-offers.example", SPAM, "FREE offer!!!"))
    buyer = _ingest(
        app,
        _inquiry(
            2,
            "piotr@led-import.example",
            "Dear Sir/Madam,\n\nplease quote 5,000 pcs of HX-4L-FR4-1.6, lead time?\n\nPiotr",
        ),
    )
    s_row, b_row = _row(app, spam), _row(app, buyer)
    assert s_row.relevance == "spam" and s_row.disposition == "filtered"
    assert s_row.relevance_reasons[0].startswith("spam: score")
    assert any(r.startswith("spam ") for r in s_row.relevance_reasons[1:])
    assert s_row.customer_id is None and _drafts(app, spam) == []
    assert b_row.relevance == "customer" and b_row.disposition == "process"
    assert b_row.customer_id is not None and b_row.link_method == "prospect"
    assert ("reply", "pending") in _drafts(app, buyer)
    refresh_clocks(app, NOW, notify=False)
    with app.sessions() as s:
        clocks = set(s.scalars(select(m.SlaClock.message_pk)))
    assert buyer in clocks and spam not in clocks


def test_not_junk_is_kept_on_retriage_and_starts_the_work(app: App) -> None:
    pk = _ingest(app, _inquiry(3, "deals4u8812x9@cheap-offers.example", SPAM, "FREE offer!!!"))
    assert _row(app, pk).relevance == "spam"
    assert correct(app, pk, "notjunk", "lily.chen@huaxin-pcb.com").value == "customer"
    row = _row(app, pk)
    assert (row.relevance, row.relevance_manual, row.disposition) == ("customer", True, "process")
    assert row.status == "triaged"
    assert row.relevance_reasons == ["customer: set by lily.chen@huaxin-pcb.com (was spam)"]
    with app.sessions() as s, s.begin():  # a re-triage (reprocess) keeps the correction
        s.get(m.Message, pk).status = "new"  # type: ignore[union-attr]
    triage_messages(app, [pk])
    assert _row(app, pk).relevance == "customer"
    with app.sessions() as s:
        actions = list(s.scalars(select(m.AuditEvent.action).where(m.AuditEvent.message_pk == pk)))
    assert "relevance.notjunk" in actions


def test_junk_and_phishing_reject_open_drafts_and_cancel_clocks(app: App) -> None:
    pk = _ingest(
        app,
        _inquiry(4, "piotr@led-import.example", "Please quote 500 pcs of HX-4L-FR4-1.6."),
    )
    assert _drafts(app, pk) == [("reply", "pending")]
    refresh_clocks(app, NOW, notify=False)
    correct(app, pk, "junk", "grace.liu@huaxin-pcb.com")
    row = _row(app, pk)
    assert (row.relevance, row.disposition) == ("spam", "filtered")
    assert _drafts(app, pk) == [("reply", "rejected")]
    changes = refresh_clocks(app, NOW, notify=False)
    assert any(c.message_pk == pk and c.event == "cancelled" for c in changes)
    correct(app, pk, "phishing", "grace.liu@huaxin-pcb.com")
    assert _row(app, pk).relevance == "phishing"
    with pytest.raises(RelevanceError):
        correct(app, pk, "maybe", "x")
    with pytest.raises(LookupError):
        correct(app, 99999, "junk", "x")


def test_known_customer_spammy_mail_is_not_junked(app: App) -> None:
    pk = _ingest(app, _inquiry(5, "smitchell@acmerobotics.com", SPAM, "FREE offer!!!"))
    row = _row(app, pk)
    assert row.relevance == "customer"
    assert "relationship.known_contact" in row.relevance_rules


@pytest.mark.parametrize("lang", ["en", "zh", "es", "de"])
def test_bank_change_is_held_until_a_supervisor_acknowledges(app: App, lang: str) -> None:
    pk = _ingest(app, (FRAUD / f"bank-change-{lang}.eml").read_bytes())
    row = _row(app, pk)
    assert (row.relevance, row.disposition) == ("customer", "hold")
    assert [f["kind"] for f in row.fraud_flags] == ["bank_change"]
    assert _drafts(app, pk) == []
    assert [w.message_pk for w in fraud_warnings(app)] == [pk]
    with app.sessions() as s:
        table = fraud_table(s, NOW, __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert [r[0] for r in table.rows] == [pk]
    acknowledge_fraud(app, pk, "grace.liu@huaxin-pcb.com", "confirmed by phone")
    row = _row(app, pk)
    assert row.disposition == "process" and row.fraud_ack_by == "grace.liu@huaxin-pcb.com"
    assert all(not f["needs_ack"] for f in row.fraud_flags)
    assert fraud_warnings(app) == []
    with pytest.raises(RelevanceError):
        acknowledge_fraud(app, pk, "grace.liu@huaxin-pcb.com")
    with app.sessions() as s, s.begin():  # re-triage keeps the acknowledgement
        s.get(m.Message, pk).status = "new"  # type: ignore[union-attr]
    triage_messages(app, [pk])
    assert _row(app, pk).disposition == "process"


def test_impersonation_is_phishing_and_never_drafted(app: App) -> None:
    for name in ("lookalike-tld", "spoofed-name-address"):
        pk = _ingest(app, (FRAUD / f"{name}.eml").read_bytes(), name)
        row = _row(app, pk)
        assert row.relevance == "phishing", (name, row.relevance_reasons)
        assert row.disposition == "filtered" and row.fraud_flags
        assert _drafts(app, pk) == []
        view = relevance_view(app, pk)
        assert view.fraud_open and view.reasons[0].startswith("phishing")
    pk = _ingest(app, (FRAUD / "attachment-double-extension.eml").read_bytes(), "exe")
    row = _row(app, pk)  # a red warning; an inquiry's draft waits for approval anyway
    assert [f["kind"] for f in row.fraud_flags] == ["dangerous_attachment"]
    assert pk in [w.message_pk for w in fraud_warnings(app)]


def test_cli_messages_junk_notjunk_show_and_ack(app: App, tmp_path: Path) -> None:
    spam = _ingest(app, _inquiry(6, "deals4u8812x9@cheap-offers.example", SPAM, "FREE offer!!!"))
    held = _ingest(app, (FRAUD / "bank-change-de.eml").read_bytes())
    config = tmp_path / "config.toml"
    store = app.settings.store
    seed_intent_model(Path(store.dir))  # the relevance commands load it: no training here
    config.write_text(
        f'rules_dir = "{app.settings.rules_dir}"\ntemplates_dir = "{app.settings.templates_dir}"\n'
        f'[store]\nurl = "{store.url}"\ndir = "{store.dir}"\n'
        '[team]\nown_domains = ["huaxin-pcb.com"]\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == 0, result.output
        return result.output

    shown = run("messages", "show", str(spam))
    assert "Relevance: spam" in shown and "spam +" in shown
    assert "is now customer" in run("messages", "notjunk", str(spam), "--as", "lily")
    assert "corrected by hand" in run("messages", "show", str(spam))
    assert "FRAUD WARNING [bank_change]" in run("messages", "show", str(held))
    assert "bank_change" in run("messages", "fraud")
    assert "acknowledged by grace" in run("messages", "ack-fraud", str(held), "--as", "grace")
    assert "no fraud warnings" in run("messages", "fraud")
    bad = runner.invoke(cli, ["--config", str(config), "messages", "junk", "424242"])
    assert bad.exit_code == 3
