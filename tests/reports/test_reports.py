"""Report figures on a constructed dataset; CSV/XLSX round trips; the HTML report e-mail."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.cli.main import cli
from mailagent.cli.reports import report, sla
from mailagent.db import models as m
from mailagent.reports import output as reportout
from mailagent.reports import queries as reports
from mailagent.sla.clock import SlaEventKind

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai
LILY, KEVIN = "lily.chen@huaxin-pcb.com", "kevin.wang@huaxin-pcb.com"
SH = ZoneInfo("Asia/Shanghai")


class Data:
    """Builds customers, threads and messages straight into the store."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.n = 0
        self.ids: dict[str, int] = {}

    def customer(self, code: str, salesperson: str, country: str) -> int:
        with self.app.sessions() as s, s.begin():
            c = m.Customer(code=code, name=f"{code} Ltd", country=country, salesperson=salesperson)
            s.add(c)
            s.flush()
            return c.id

    def thread(self) -> int:
        with self.app.sessions() as s, s.begin():
            t = m.Thread(subject="t")
            s.add(t)
            s.flush()
            return t.id

    def message(
        self,
        name: str,
        *,
        ago: timedelta,
        customer: int | None,
        thread: int | None,
        intent: str = "inquiry",
        direction: str = "inbound",
        to: str = "sales@huaxin-pcb.com",
        **kw: Any,
    ) -> int:
        self.n += 1
        with self.app.sessions() as s, s.begin():
            msg = m.Message(
                message_id=f"<{name}@example.test>",
                raw_sha256=f"{self.n:064d}",
                raw_size=100,
                subject=f"subject {name}",
                from_email=f"{name}@customer.test",
                to_addrs=[{"name": "", "email": to}],
                received_at=NOW - ago,
                created_at=NOW - ago,
                direction=direction,
                intent=intent if direction == "inbound" else None,
                customer_id=customer,
                thread_id=thread,
                **kw,
            )
            s.add(msg)
            s.flush()
            self.ids[name] = msg.id
            return msg.id

    def reply(self, thread: int, *, ago: timedelta, to: str) -> None:
        self.message(
            f"reply{self.n}", ago=ago, customer=None, thread=thread, direction="outbound", to=to
        )


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = make_app(tmp_path, f"sqlite:///{tmp_path / 'mailagent.db'}")
    yield a
    a.close()


@pytest.fixture
def data(app: App) -> Data:
    d = Data(app)
    a = d.customer("A", LILY, "DE")
    b = d.customer("B", KEVIN, "US")
    c = d.customer("C", KEVIN, "US")
    h = timedelta(hours=1)
    d.message("m1", ago=2 * h, customer=a, thread=d.thread())  # <4h, never converts
    d.message("m2", ago=10 * h, customer=b, thread=d.thread(), intent="complaint")  # 4-24h
    d.message("m3", ago=48 * h, customer=c, thread=d.thread(), intent="payment")  # 1-3d
    t4 = d.thread()
    d.message("m4", ago=120 * h, customer=a, thread=t4, intent="order")  # >3d
    d.reply(t4, ago=119 * h, to="quality@huaxin-pcb.com")  # an internal relay is no reply
    t5 = d.thread()
    d.message("m5", ago=72 * h, customer=b, thread=t5)
    d.message("m5b", ago=72 * h - timedelta(minutes=10), customer=b, thread=t5)
    d.reply(t5, ago=72 * h - timedelta(minutes=30), to="buyer@b.test")  # 30 min / 20 min
    t6 = d.thread()
    d.message("m6", ago=96 * h, customer=c, thread=t6)
    d.reply(t6, ago=91 * h, to="buyer@c.test")  # 5 h
    d.message("m7", ago=h, customer=a, thread=d.thread(), disposition="no_reply")
    d.message("m8", ago=h, customer=a, thread=d.thread(), intent="other")
    d.message("m9", ago=h, customer=a, thread=d.thread(), status="closed")
    d.message("m11", ago=h, customer=None, thread=d.thread())  # unknown sender
    t10 = d.thread()
    d.message("m10", ago=24 * h, customer=b, thread=t10, intent="order")  # B converts
    d.reply(t10, ago=23 * h, to="buyer@b.test")  # 1 h
    d.message("old", ago=400 * h, customer=b, thread=d.thread())  # outside the periods
    with app.sessions() as s, s.begin():
        s.add(m.Order(order_no="SO-1", customer_id=c, order_date=date(2026, 11, 20)))  # C too
        for name, policy, state in [
            ("m5", "inquiry.answer", "met"),
            ("m6", "inquiry.answer", "met"),
            ("m2", "inquiry.answer", "breached"),
            ("m2", "complaint.relay", "running"),
        ]:
            s.add(
                m.SlaClock(
                    message_pk=d.ids[name],
                    policy_id=policy,
                    intent="inquiry",
                    metric="answered",
                    timezone="Asia/Shanghai",
                    started_at=NOW - 3 * h,
                    due_at=NOW,
                    warn_at=NOW,
                    state=state,
                    elapsed_seconds=0,
                    reasons=[],
                    created_at=NOW,
                    evaluated_at=NOW,
                )
            )
    return d


def _week() -> datetime:
    return NOW - timedelta(days=7)


def test_unanswered_by_salesperson_customer_intent_and_age(app: App, data: Data) -> None:
    with app.sessions() as s:
        items = reports.unanswered(s, NOW, _week(), app.settings)
    assert [it.message_pk for it in items] == [data.ids[n] for n in ("m4", "m3", "m2", "m1", "m11")]
    by_person = reports.unanswered_by(items, "salesperson")
    assert by_person.columns == (
        "salesperson",
        "<4h",
        "4-24h",
        "1-3d",
        ">3d",
        "total",
        "oldest (h)",
    )
    assert by_person.rows == (
        (KEVIN, 0, 1, 1, 0, 2, 48.0),
        (LILY, 1, 0, 0, 1, 2, 120.0),
        ("(unassigned)", 1, 0, 0, 0, 1, 1.0),
    )
    by_intent = {r[0]: r[5] for r in reports.unanswered_by(items, "intent").rows}
    assert by_intent == {"inquiry": 2, "complaint": 1, "payment": 1, "order": 1}
    by_customer = {r[0]: r[5] for r in reports.unanswered_by(items, "customer").rows}
    assert by_customer == {"A Ltd": 2, "B Ltd": 1, "C Ltd": 1, "(unknown)": 1}
    listing = reports.unanswered_list(items, SH, limit=2)
    assert [r[0] for r in listing.rows] == [data.ids["m4"], data.ids["m3"]]
    assert listing.rows[0][1] == "2026-11-18 11:00"
    m2 = next(it for it in items if it.message_pk == data.ids["m2"])
    assert m2.sla_state == "breached"  # the most urgent of its clocks


def test_first_response_time_distribution(app: App, data: Data) -> None:
    with app.sessions() as s:
        rt = reports.response_times(s, _week(), NOW, app.settings)
    assert (rt.messages, rt.answered) == (9, 4)
    assert rt.percentiles == {
        "p50": timedelta(minutes=30),
        "p90": timedelta(hours=5),
        "p95": timedelta(hours=5),
    }
    assert rt.mean == timedelta(minutes=410 / 4)
    assert dict(rt.histogram) == {
        "<1h": 2,
        "1-4h": 1,
        "4-8h": 1,
        "8-24h": 0,
        "1-3d": 0,
        ">3d": 0,
        "unanswered": 5,
    }
    summary, hist, by_person = rt.tables()
    assert ("p50 (h)", 0.5) in summary.rows and ("mean (h)", 1.7) in summary.rows
    assert hist.rows[0] == ("<1h", 2, 22.2)
    assert (KEVIN, 6, 4, 0.5, 5.0) in by_person.rows


def test_sla_compliance(app: App, data: Data) -> None:
    with app.sessions() as s:
        by_policy = reports.sla_compliance(s, _week(), NOW, "policy")
        by_person = reports.sla_compliance(s, _week(), NOW, "salesperson")
    assert by_policy.rows == (
        ("complaint.relay", 1, 0, 0, 1, None),
        ("inquiry.answer", 3, 2, 1, 0, 66.7),
    )
    assert by_person.rows == ((KEVIN, 4, 2, 1, 1, 66.7),)


def test_conversion_per_salesperson_and_market(app: App, data: Data) -> None:
    with app.sessions() as s:
        by_person = reports.conversion(s, _week(), NOW, "salesperson")
        by_market = reports.conversion(s, _week(), NOW, "country")
    # inquiry threads: m1 and m9 (A), m5+m5b (B, one thread), m6 (C), m11 (unknown sender)
    assert by_person.rows == (("(unknown)", 1, 0, 0.0), (KEVIN, 2, 2, 100.0), (LILY, 2, 0, 0.0))
    assert by_market.columns[0] == "market"
    assert by_market.rows == (("(unknown)", 1, 0, 0.0), ("DE", 2, 0, 0.0), ("US", 2, 2, 100.0))


def test_csv_and_xlsx_round_trip(app: App, data: Data, tmp_path: Path) -> None:
    with app.sessions() as s:
        items = reports.unanswered(s, NOW, _week(), app.settings)
        compliance = reports.sla_compliance(s, _week(), NOW)
    table = reports.unanswered_by(items, "salesperson")
    buf = io.StringIO()
    reportout.write_csv(table, buf)
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert tuple(rows[0]) == table.columns
    assert rows[1:] == [["" if c is None else str(c) for c in r] for r in table.rows]
    path = tmp_path / "report.xlsx"
    reportout.write_xlsx([table, compliance], path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["unanswered-by-salesperson", "sla-by-policy"]
    got = [tuple(r) for r in wb["unanswered-by-salesperson"].iter_rows(values_only=True)]
    assert got == [table.columns, *table.rows]
    got = [tuple(r) for r in wb["sla-by-policy"].iter_rows(values_only=True)]
    assert got == [compliance.columns, *compliance.rows]
    assert wb["sla-by-policy"]["A1"].font.bold


def test_html_report_has_table_and_inline_chart(app: App, data: Data) -> None:
    with app.sessions() as s:
        msg = reportout.build_report_email(
            s,
            NOW,
            app.settings,
            kind="weekly",
            sender="mailagent@huaxin-pcb.com",
            recipients=["grace.liu@huaxin-pcb.com"],
        )
    assert msg["Subject"] == "Unanswered mail — week 2026-W48"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    text = plain.get_content()
    assert "6 unanswered message(s): 2 <4h, 1 4-24h, 1 1-3d, 2 >3d" in text
    assert "Inquiry to order conversion by market" in text
    body = html.get_content()
    assert '<table class="report" data-name="unanswered-by-salesperson"' in body
    assert f'<td style="border: 1px solid #ccc;">{KEVIN}</td>' in body
    assert "First-response time distribution" in body and "SLA compliance by policy" in body
    related = next(p for p in msg.walk() if p.get_content_type() == "multipart/related")
    image = next(p for p in related.iter_parts() if p.get_content_type() == "image/png")
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in body
    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000


def test_period_keys_and_text_tables() -> None:
    assert reports.period_key("daily", datetime(2026, 11, 22, 17, tzinfo=UTC), SH) == "2026-11-23"
    assert reports.period_key("weekly", NOW, SH) == "2026-W48"
    table = reports.Table("t", "Title", ("a", "bb"), (("x", None), ("long", 2)))
    assert reportout.format_table(table).splitlines() == [
        "Title",
        "a     bb",
        "----  --",
        "x     -",
        "long  2",
    ]
    empty = reports.Table("e", "Empty", ("a",), ())
    assert reportout.format_table(empty).endswith("(none)")


def test_cli_commands(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{root / "rules"}"\n[store]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n'
        f'dir = "{tmp_path / "store"}"\n[team]\nown_domains = ["huaxin-pcb.com"]\n',
        encoding="utf-8",
    )
    cli.add_command(sla)
    cli.add_command(report)
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    (stored,) = ingest_raw(app, [(mail(1, date=datetime.now(UTC) - timedelta(hours=1)), "t")])
    app.close()
    run = CliRunner().invoke
    result = run(cli, ["--config", str(config), "sla", "check", "--no-notify"])
    assert result.exit_code == 0, result.output
    assert f"#{stored.message_pk} inquiry.answer: created - -> running" in result.output
    result = run(cli, ["--config", str(config), "sla", "status"])
    assert "inquiry.answer" in result.output and "running" in result.output
    result = run(
        cli, ["--config", str(config), "report", "unanswered", "--by", "intent", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "intent,<4h,4-24h,1-3d,>3d,total,oldest (h)",
        "inquiry,1,0,0,0,1,1.0",
    ]
    out = tmp_path / "r.xlsx"
    result = run(
        cli,
        [
            "--config",
            str(config),
            "report",
            "response-times",
            "--format",
            "xlsx",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0 and load_workbook(out).sheetnames[0] == "response-summary"
    result = run(cli, ["--config", str(config), "sla", "pause", "9999"])
    assert result.exit_code == 3 and "no message with id 9999" in result.output
    result = run(cli, ["--config", str(config), "report", "send", "--weekly"])
    assert result.exit_code == 1 and "no recipients" in result.output


def test_outbound_kinds() -> None:
    own = ["huaxin-pcb.com"]
    q = "quality@huaxin-pcb.com"
    assert reports.outbound_kinds(["tom@acme.test"], own, q) == {SlaEventKind.REPLY}
    assert reports.outbound_kinds(["Quality@Huaxin-PCB.com"], own, q) == {SlaEventKind.RELAY}
    assert reports.outbound_kinds(["lily@huaxin-pcb.com"], own, q) == set()
    both = reports.outbound_kinds(["tom@acme.test", q], own, q)
    assert both == {SlaEventKind.REPLY, SlaEventKind.RELAY}
