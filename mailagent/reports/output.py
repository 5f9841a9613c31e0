"""Report output: text tables, CSV, XLSX, the chart PNG and the HTML report e-mail.

Takes the :class:`~mailagent.reports.Table` values built by ``reports.py``'s queries and
renders them; :func:`build_report_email` runs the queries for the daily (unanswered mail)
or weekly (plus response times, SLA compliance, conversion) report and returns an
``EmailMessage``: a text part and an HTML part (``report_templates/report.html.j2``, Jinja2
with autoescape and StrictUndefined) with the chart embedded inline by Content-ID. The chart
is drawn with matplotlib's Agg canvas (no pyplot state, safe in scheduler threads). Nothing
here sends mail or reads the clock.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.orm import Session

from mailagent.config import Settings
from mailagent.reports.cells import safe_row
from mailagent.reports.fraud import fraud_table
from mailagent.reports.queries import (
    AGE_BUCKETS,
    Table,
    conversion,
    period_key,
    response_times,
    sla_compliance,
    unanswered,
    unanswered_by,
    unanswered_list,
)

__all__ = ["build_report_email", "chart_png", "format_table", "write_csv", "write_xlsx"]

_TEMPLATES = Path(__file__).parent / "templates"


def format_table(table: Table) -> str:
    """A plain-text table for the CLI and the text part of report e-mails."""
    cells = [table.columns, *((("-" if c is None else str(c)) for c in row) for row in table.rows)]
    grid = [tuple(r) for r in cells]
    widths = [max(len(r[i]) for r in grid) for i in range(len(table.columns))]
    lines = [table.title, "  ".join(h.ljust(w) for h, w in zip(grid[0], widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in grid[1:]]
    if not table.rows:
        lines.append("(none)")
    return "\n".join(line.rstrip() for line in lines)


def write_csv(table: Table, out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(safe_row(table.columns))
    writer.writerows(safe_row(row) for row in table.rows)


def write_xlsx(tables: Sequence[Table], out: str | Path | IO[bytes]) -> None:
    """One sheet per table, bold header, frozen first row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for t in tables:
        ws = wb.create_sheet(t.name[:31])
        ws.append(safe_row(t.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in t.rows:
            ws.append(safe_row(row))
        ws.freeze_panes = "A2"
    wb.save(out)


def chart_png(by_salesperson: Table) -> bytes:
    """Stacked bars: unanswered mail per salesperson by age bucket (matplotlib, Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = [str(r[0]) for r in by_salesperson.rows] or ["(none)"]
    fig = Figure(figsize=(7, 0.5 * len(names) + 1.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    left = [0] * len(names)
    colours = ("#4caf50", "#ffc107", "#ff7043", "#c62828")
    for i, (bucket, _limit) in enumerate(AGE_BUCKETS):
        values = [int(r[1 + i] or 0) for r in by_salesperson.rows] or [0]
        ax.barh(names, values, left=left, color=colours[i], label=bucket)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlabel("unanswered messages")
    ax.invert_yaxis()
    ax.legend(title="age", loc="lower right", fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_report_email(
    session: Session,
    now: datetime,
    settings: Settings,
    *,
    kind: str,
    sender: str,
    recipients: Sequence[str],
    extra: Sequence[Table] = (),
) -> EmailMessage:
    """The daily (unanswered mail) or weekly (+ response times, SLA, conversion) report;
    ``extra`` tables (open follow-ups) come after the fraud warnings."""
    now = now.astimezone(UTC)
    tz = ZoneInfo(settings.team.timezone)
    cfg = settings.report
    items = unanswered(session, now, now - timedelta(days=cfg.unanswered_days), settings)
    by_person = unanswered_by(items, "salesperson")
    fraud = fraud_table(session, now, tz)  # unacknowledged fraud warnings, shown first
    tables = [
        *([fraud] if fraud.rows else []),
        *extra,
        by_person,
        unanswered_by(items, "intent"),
        unanswered_by(items, "customer"),
        unanswered_list(items, tz, cfg.max_rows),
    ]
    if kind == "weekly":
        week = now - timedelta(days=7)
        tables += [
            *response_times(session, week, now, settings).tables(),
            sla_compliance(session, week, now, "policy"),
            sla_compliance(session, week, now, "salesperson"),
            conversion(session, week, now, "salesperson"),
            conversion(session, week, now, "country"),
        ]
    period = period_key(kind, now, tz)
    label = f"week {period}" if kind == "weekly" else period
    subject = f"Unanswered mail — {label}"
    buckets = {name: sum(1 for it in items if it.bucket == name) for name, _ in AGE_BUCKETS}
    summary = f"{len(items)} unanswered message(s): " + ", ".join(
        f"{n} {b}" for b, n in buckets.items()
    )
    cid = make_msgid("chart", domain=sender.rpartition("@")[2] or "localhost")
    html = (
        _env()
        .get_template("report.html.j2")
        .render(
            subject=subject,
            as_of=f"{now.astimezone(tz):%Y-%m-%d %H:%M %Z}",
            summary=summary,
            chart_cid=cid[1:-1],
            tables=tables,
            kind=kind,
        )
    )
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid("report", domain=sender.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Mailagent-Report"] = f"{kind} {period}"
    text = [subject, summary, ""] + [format_table(t) + "\n" for t in tables]
    msg.set_content("\n".join(text))
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(chart_png(by_person), "image", "png", cid=cid, filename="unanswered.png")
    return msg
