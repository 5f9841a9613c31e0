"""Scheduled reports: e-mail the daily or weekly supervisor report once per period.

Besides the unanswered mail (and the weekly figures) the e-mail lists the fraud warnings and
the open follow-ups and quotes gone silent per salesperson and the overdue payments by age
(:mod:`mailagent.followups.report`).
The ``report_runs`` table makes sending idempotent across daemons and restarts: the row for
(kind, period) is written first and removed again if sending fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.followups.ledgerview import overdue_report
from mailagent.followups.report import followup_tables, open_followups, overdue_table
from mailagent.reports.output import build_report_email
from mailagent.reports.queries import period_key
from mailagent.send.notices import send_notice, sender_address
from mailagent.sla import service as slaservice

__all__ = ["ReportOutcome", "send_report"]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    kind: str
    period: str
    sent: bool
    recipients: tuple[str, ...]
    reason: str


def send_report(app: App, kind: str, now: datetime, *, force: bool = False) -> ReportOutcome:
    """E-mail the daily or weekly report once per period (``force``: send again anyway)."""
    now = _utc(now)
    settings = app.settings
    tz = ZoneInfo(settings.team.timezone)
    period = period_key(kind, now, tz)
    recipients = tuple(settings.report.recipients or settings.team.supervisor_addresses)
    if not recipients:
        return ReportOutcome(
            kind, period, False, (), "no recipients (report.recipients, team.supervisor_addresses)"
        )
    if not force:
        try:
            with app.sessions() as session, session.begin():
                session.add(
                    m.ReportRun(kind=kind, period=period, recipients=list(recipients), sent_at=now)
                )
        except IntegrityError:
            return ReportOutcome(kind, period, False, recipients, f"{kind} {period} already sent")
    try:
        followups = [
            *followup_tables(open_followups(app, now, include_waiting=False)),
            *overdue_table(overdue_report(app, now)),
        ]
        with app.sessions() as session:
            msg = build_report_email(
                session,
                now,
                settings,
                kind=kind,
                sender=sender_address(settings),
                recipients=recipients,
                extra=followups,
            )
        send_notice(settings, msg)
    except Exception:
        if not force:
            with app.sessions() as session, session.begin():
                run = session.scalar(
                    select(m.ReportRun).where(
                        m.ReportRun.kind == kind, m.ReportRun.period == period
                    )
                )
                if run is not None:
                    session.delete(run)
        raise
    with app.sessions() as session, session.begin():
        q.audit(
            session,
            slaservice.ACTOR,
            "report.sent",
            now,
            None,
            kind=kind,
            period=period,
            recipients=list(recipients),
        )
    return ReportOutcome(kind, period, True, recipients, f"sent to {', '.join(recipients)}")
