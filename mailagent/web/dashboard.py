"""The supervisor dashboard: figures from ``reports``/``slaservice``, shaped for one page.

Every number comes from the report functions the CLI and the scheduled report e-mails use
(``reports.unanswered``, ``response_times``, ``sla_compliance``, ``conversion``), so the
dashboard, the exports (``reportout``) and the e-mails always agree. Charts are plain
geometry (bar lengths as percentages) that the template draws as inline SVG: no JavaScript,
no external images.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.errors import NotFound
from mailagent.messages.service import StoreSummary, store_summary
from mailagent.records import DraftState
from mailagent.reports import output as reportout
from mailagent.reports import queries as reports
from mailagent.reports.queries import AGE_BUCKETS, Table
from mailagent.sla import service as slaservice
from mailagent.web.labels import LABELS

__all__ = [
    "PERIODS",
    "Bar",
    "Dashboard",
    "dashboard",
    "export_csv",
    "export_tables",
    "export_xlsx",
    "localized",
]

PERIODS = (7, 30, 90, 365)


@dataclass(frozen=True, slots=True)
class Bar:
    """One chart row: a label and (segment name, count, width %) stacked left to right."""

    label: str
    total: int
    segments: tuple[tuple[str, int, float], ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    days: int
    since: datetime
    now: datetime
    summary: StoreSummary
    unanswered: int
    breached: int
    drafts_pending: int
    unanswered_by_salesperson: Table
    unanswered_by_customer: Table
    unanswered_by_intent: Table
    unanswered_chart: tuple[Bar, ...]
    response: reports.ResponseTimes
    response_chart: tuple[Bar, ...]
    sla_by_salesperson: Table
    sla_by_policy: Table
    conversion_by_salesperson: Table
    conversion_by_market: Table
    breaches: tuple[slaservice.ClockView, ...]


def _period(app: App, days: int) -> tuple[datetime, datetime]:
    now = app.clock()
    return now - timedelta(days=days), now


def _stacked(table: Table, names: Sequence[str]) -> tuple[Bar, ...]:
    """Rows of a per-bucket count table (label, n1..nk, ...) as stacked bars."""
    rows = [(str(r[0]), [int(r[1 + i] or 0) for i in range(len(names))]) for r in table.rows]
    widest = max((sum(c) for _, c in rows), default=0) or 1
    return tuple(
        Bar(label, sum(c), tuple((n, v, 100.0 * v / widest) for n, v in zip(names, c, strict=True)))
        for label, c in rows
    )


def dashboard(app: App, days: int = 30) -> Dashboard:
    since, now = _period(app, days)
    settings = app.settings
    with app.sessions() as session:
        items = reports.unanswered(session, now, since, settings)
        response = reports.response_times(session, since, now, settings)
        sla_person = reports.sla_compliance(session, since, now, by="salesperson")
        sla_policy = reports.sla_compliance(session, since, now, by="policy")
        conv_person = reports.conversion(session, since, now, by="salesperson")
        conv_market = reports.conversion(session, since, now, by="country")
        drafts_pending = int(
            session.scalar(
                select(func.count())
                .select_from(m.Draft)
                .where(m.Draft.status == DraftState.PENDING)
            )
            or 0
        )
    by_person = reports.unanswered_by(items, "salesperson")
    hist = response.histogram
    widest = max((n for _, n in hist), default=0) or 1
    breaches = slaservice.clock_views(app, states=("breached",), limit=200)
    open_breaches = tuple(b for b in breaches if b.message_pk in {i.message_pk for i in items})
    return Dashboard(
        days=days,
        since=since,
        now=now,
        summary=store_summary(app),
        unanswered=len(items),
        breached=len(open_breaches),
        drafts_pending=drafts_pending,
        unanswered_by_salesperson=by_person,
        unanswered_by_customer=reports.unanswered_by(items, "customer"),
        unanswered_by_intent=reports.unanswered_by(items, "intent"),
        unanswered_chart=_stacked(by_person, [b for b, _ in AGE_BUCKETS]),
        response=response,
        response_chart=tuple(Bar(b, n, ((b, n, 100.0 * n / widest),)) for b, n in hist),
        sla_by_salesperson=sla_person,
        sla_by_policy=sla_policy,
        conversion_by_salesperson=conv_person,
        conversion_by_market=conv_market,
        breaches=open_breaches,
    )


def export_tables(app: App, days: int = 30) -> list[Table]:
    """Every dashboard table, in the order of the XLSX sheets."""
    since, now = _period(app, days)
    with app.sessions() as session:
        items = reports.unanswered(session, now, since, app.settings)
        response = reports.response_times(session, since, now, app.settings)
        tables = [
            reports.unanswered_list(items, _tz(app)),
            reports.unanswered_by(items, "salesperson"),
            reports.unanswered_by(items, "customer"),
            reports.unanswered_by(items, "intent"),
            *response.tables(),
            reports.sla_compliance(session, since, now, by="salesperson"),
            reports.sla_compliance(session, since, now, by="policy"),
            reports.conversion(session, since, now, by="salesperson"),
            reports.conversion(session, since, now, by="country"),
        ]
    return tables


def _tz(app: App) -> ZoneInfo:
    return ZoneInfo(app.settings.team.timezone)


def localized(table: Table, gettext: Callable[[str], str]) -> Table:
    """The table with its headers and its code cells (age buckets, measures, intents) in
    the reader's language, as the page shows them; names and numbers unchanged."""

    def shown(value: str) -> str:
        for kind in ("column", "bucket", "intent"):
            msgid = LABELS[kind].get(value)
            if msgid:
                return gettext(msgid)
        return value

    rows = tuple(
        (shown(r[0]) if r and isinstance(r[0], str) else r[0], *r[1:]) if r else r
        for r in table.rows
    )
    return dataclasses.replace(table, columns=tuple(shown(c) for c in table.columns), rows=rows)


def _same(msgid: str) -> str:
    return msgid


def export_csv(app: App, name: str, days: int = 30, gettext: Callable[[str], str] = _same) -> bytes:
    """One table as CSV (UTF-8 with BOM, so spreadsheet programs read Chinese correctly),
    headers in the reader's language (``gettext``)."""
    for table in export_tables(app, days):
        if table.name == name:
            out = io.StringIO()
            reportout.write_csv(localized(table, gettext), out)
            return ("\ufeff" + out.getvalue()).encode("utf-8")
    raise NotFound(f"no report table {name!r}")


def export_xlsx(app: App, days: int = 30, gettext: Callable[[str], str] = _same) -> bytes:
    out = io.BytesIO()
    reportout.write_xlsx([localized(t, gettext) for t in export_tables(app, days)], out)
    return out.getvalue()
