"""The CLI groups (followups, payments, orders, greetings), every template, the migration."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect
from support.apptools import ROOT, make_app

from mailagent.cli.main import Obj, cli
from mailagent.db import models as m
from mailagent.db.session import alembic_config, make_engine
from mailagent.followups.render import KINDS, render
from mailagent.followups.rules import LANGUAGES, TONES

TEMPLATES = ROOT / "templates"


def test_cli_payments_orders_followups_greetings(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'mailagent.db'}"
    app = make_app(tmp_path, db_url)
    today = datetime.now(UTC).date()
    with app.sessions() as s, s.begin():
        c = m.Customer(code="BR1", name="Placas do Brasil Ltda", country="BR", language="pt")
        c.contacts.append(m.Contact(name="Ana Souza", email="ana@placas.example"))
        s.add(c)
        s.flush()
        s.add(
            m.Order(
                order_no="SO-1",
                customer_id=c.id,
                currency="EUR",
                amount=Decimal("1000"),
                paid_amount=Decimal(0),
                due_date=today - timedelta(days=40),
            )
        )
    app.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'templates_dir = "{TEMPLATES}"\nrules_dir = "{ROOT / "rules"}"\n'
        f'[store]\nurl = "{db_url}"\ndir = "{tmp_path / "store"}"\n'
        f'[smtp]\nfrom_address = "sales@huaxin-pcb.com"\n',
        encoding="utf-8",
    )
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, list(args), obj=Obj(str(config), 0))
        return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")

    code, out = run("--config", str(config), "rules", "check")
    assert code == 0 and "3 silence rules, 5 ladder steps" in out
    code, out = run("--config", str(config), "payments", "overdue")
    assert code == 0
    assert "Placas do Brasil Ltda  EUR  0     1000.00  0      0    1080.00" in out  # 31-60, USD
    code, out = run("--config", str(config), "followups", "run")
    assert code == 0 and "1 payment reminder(s)" in out
    code, out = run("--config", str(config), "payments", "ledger", "--why")
    assert code == 0 and "overdue_30" in out and "every step was drafted" in out
    code, out = run(
        "--config",
        str(config),
        "payments",
        "record",
        "SO-1",
        "400",
        "--kind",
        "deposit",
        "--ref",
        "TT-77",
    )
    assert code == 0 and "outstanding 600.00" in out
    code, out = run("--config", str(config), "payments", "record", "SO-9", "1")
    assert code == 3 and "no order 'SO-9'" in out
    code, out = run(
        "--config",
        str(config),
        "orders",
        "update",
        "SO-1",
        "--amount",
        "400",
        "--due",
        f"{today:%Y-%m-%d}",
    )
    assert code == 0
    code, out = run("--config", str(config), "payments", "ledger")
    assert code == 0 and "paid" in out
    code, out = run("--config", str(config), "followups", "list")
    assert code == 0 and "Open follow-ups" in out
    code, out = run(
        "--config",
        str(config),
        "greetings",
        "prefs",
        "ana@placas.example",
        "--lang",
        "es",
        "--skip",
        "christmas",
    )
    assert code == 0 and "'language': 'es'" in out and "'skip': ['christmas']" in out
    code, out = run(
        "--config", str(config), "greetings", "prefs", "ana@placas.example", "--skip", "xmas"
    )
    assert code == 2 and "unknown occasion(s): xmas" in out
    code, out = run(
        "--config", str(config), "greetings", "prefs", "nobody@x.example", "--no-greetings"
    )
    assert code == 3 and "no contact" in out
    code, out = run("--config", str(config), "greetings", "plan", "--lang", "zh")
    assert code == 0 and "客户假期提醒" in out


def sample(kind: str, tone: str = "final") -> dict[str, object]:
    return {
        "subject": "RFQ 4-layer",
        "contact_name": "Ana",
        "try_no": 2,
        "salesperson": "Kevin Wang",
        "company": "Huaxin PCB",
        "customer": "Placas",
        "reasons": ["why"],
        "pending": {"kind": "quote", "lines": ["HX-4L x 500"], "sent_on": date(2026, 12, 17)},
        "order": {
            "order_no": "SO-1",
            "pi_number": "PI-1",
            "currency": "EUR",
            "outstanding": Decimal("600"),
            "due_date": date(2026, 11, 30),
            "days_overdue": 31,
        },
        "step": {"id": "x", "tone": tone},
        "occasion": "Natal",
        "closure": "National Day holiday",
        "first": date(2026, 10, 1),
        "last": date(2026, 10, 7),
        "back": date(2026, 10, 8),
    }


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", [k for k in KINDS if k != "escalation"])
def test_every_customer_template_renders_in_every_language(kind: str, lang: str) -> None:
    tones = TONES if kind == "ladder" else ("final",)
    for tone in tones:
        r = render(TEMPLATES, kind, lang, sample(kind, tone))
        assert (r.lang, r.reasons) == (lang, ())
        assert r.subject and "{" not in r.subject and "\n" not in r.subject
        assert "Kevin Wang" in r.body and "{{" not in r.body


def test_escalation_is_internal_and_falls_back_to_english() -> None:
    assert render(TEMPLATES, "escalation", "zh", sample("escalation")).subject.startswith(
        "【升级】"
    )
    r = render(TEMPLATES, "escalation", "de", sample("escalation"))
    assert r.lang == "en" and r.reasons == ("no escalation template in 'de': English used",)


def test_migration_0006_up_and_down(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = alembic_config(engine)
    command.upgrade(cfg, "head")
    insp = inspect(engine)
    assert {"followups", "payments"} <= set(insp.get_table_names())
    assert "not_before" in {c["name"] for c in insp.get_columns("outbox")}
    assert "preferences" in {c["name"] for c in insp.get_columns("contacts")}
    for table in ("followups", "payments"):
        assert {c["name"] for c in insp.get_columns(table)} == set(
            m.Base.metadata.tables[table].columns.keys()
        )
    command.downgrade(cfg, "0005")
    assert "followups" not in set(inspect(engine).get_table_names())
    assert "not_before" not in {c["name"] for c in inspect(engine).get_columns("outbox")}
    engine.dispose()
