"""``mailagent sla ...`` and ``mailagent report ...``: thin commands over ``slaservice`` and
``reports``. They parse options, call one service or query with ``now=app.clock()`` and
format the result as a text table, CSV or XLSX. ``cli.py`` registers both groups.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from mailagent.app import App
from mailagent.cli.common import fail, store_app
from mailagent.reports import output as reportout
from mailagent.reports import queries as reports
from mailagent.reports.scheduled import send_report
from mailagent.sla import service as slaservice

__all__ = ["report", "sla"]

_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "xlsx"]),
    default="table",
    show_default=True,
)
_OUT = click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file."
)
_ACTOR = click.option(
    "--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER"
)


def _emit(tables: Sequence[reports.Table], fmt: str, out: Path | None) -> None:
    if fmt == "xlsx":
        if out is None:
            fail("--format xlsx needs --out FILE", 2)
            return
        reportout.write_xlsx(tables, out)
        click.echo(f"wrote {out} ({len(tables)} sheet(s))")
        return
    with out.open("w", encoding="utf-8", newline="") if out else _stdout() as fp:
        for i, table in enumerate(tables):
            if i:
                fp.write("\n")
            if fmt == "csv":
                reportout.write_csv(table, fp)
            else:
                fp.write(reportout.format_table(table) + "\n")


@contextmanager
def _stdout() -> Iterator[Any]:
    yield sys.stdout


def _since(app: App, days: int) -> Any:
    return app.clock() - timedelta(days=days)


# ---- sla ------------------------------------------------------------------------------------


@click.group()
def sla() -> None:
    """SLA clocks (policies in rules/sla.toml): status, check, pause/resume, relay, acknowledge."""


@sla.command("status")
@click.option("--state", "states", multiple=True, help="Only clocks in this state (repeatable).")
@click.option("--all", "show_all", is_flag=True, help="Include met and closed clocks.")
@_FORMAT
@_OUT
@click.pass_context
def sla_status(
    ctx: click.Context, states: tuple[str, ...], show_all: bool, fmt: str, out: Path | None
) -> None:
    """Clocks by due date, with the reason of their state."""
    wanted = states or (() if show_all else ("running", "paused", "warning", "breached"))
    with store_app(ctx) as app:
        tz = ZoneInfo(app.settings.team.timezone)
        views = slaservice.clock_views(app, states=wanted)
    rows = tuple(
        (
            v.clock_id,
            v.message_pk,
            v.policy_id,
            v.state + (" !" if v.escalated else ""),
            f"{v.due_at.astimezone(tz):%Y-%m-%d %H:%M}",
            v.customer or "-",
            v.salesperson or "-",
            v.summary,
        )
        for v in views
    )
    columns = ("clock", "message", "policy", "state", "due", "customer", "salesperson", "why")
    _emit([reports.Table("sla-clocks", "SLA clocks (! = escalated)", columns, rows)], fmt, out)


@sla.command("check")
@click.option("--no-notify", is_flag=True, help="Record states only; send no e-mail.")
@click.pass_context
def sla_check(ctx: click.Context, no_notify: bool) -> None:
    """Create and evaluate clocks now; warn and escalate (once) as the daemon does."""
    with store_app(ctx) as app:
        changes = slaservice.refresh_clocks(app, app.clock(), notify=not no_notify)
    for c in changes:
        click.echo(
            f"#{c.message_pk} {c.policy_id}: {c.event} {c.old_state or '-'} -> {c.state}"
            f"  {c.summary}"
        )
    click.echo(f"{len(changes)} change(s)")


def _message_action(
    ctx: click.Context, action: Any, message_pk: int, actor: str, note: str
) -> None:
    with store_app(ctx) as app:
        action(app, message_pk, actor, note)


@sla.command("pause")
@click.argument("message_pk", type=int)
@click.option("--note", default="", help="What we are waiting for.")
@_ACTOR
@click.pass_context
def sla_pause(ctx: click.Context, message_pk: int, note: str, actor: str) -> None:
    """We wait on the customer: pause the message's clocks (where the policy allows)."""
    _message_action(ctx, slaservice.pause, message_pk, actor, note)
    click.echo(f"message {message_pk}: waiting on customer")


@sla.command("resume")
@click.argument("message_pk", type=int)
@click.option("--note", default="")
@_ACTOR
@click.pass_context
def sla_resume(ctx: click.Context, message_pk: int, note: str, actor: str) -> None:
    """Waiting ended: the clocks run again."""
    _message_action(ctx, slaservice.resume, message_pk, actor, note)
    click.echo(f"message {message_pk}: clocks resumed")


@sla.command("relayed")
@click.argument("message_pk", type=int)
@click.option("--note", default="", help="How it was relayed (phone, chat, ...).")
@_ACTOR
@click.pass_context
def sla_relayed(ctx: click.Context, message_pk: int, note: str, actor: str) -> None:
    """Record an internal relay made outside mailagent (stops "relayed" clocks)."""
    _message_action(ctx, slaservice.record_relay, message_pk, actor, note)
    click.echo(f"message {message_pk}: relay recorded")


@sla.command("ack")
@click.argument("clock_id", type=int)
@_ACTOR
@click.pass_context
def sla_ack(ctx: click.Context, clock_id: int, actor: str) -> None:
    """Acknowledge an escalation (clears the flag in the UI)."""
    with store_app(ctx) as app:
        slaservice.acknowledge(app, clock_id, actor)
    click.echo(f"clock {clock_id} acknowledged")


# ---- report ---------------------------------------------------------------------------------


@click.group()
def report() -> None:
    """Reports for supervisors: unanswered mail, response times, SLA, conversion."""


@report.command("unanswered")
@click.option(
    "--by",
    type=click.Choice(["salesperson", "customer", "intent", "country", "list"]),
    default=None,
    help="One grouping (default: salesperson, intent, customer and the list).",
)
@click.option(
    "--days",
    type=int,
    default=None,
    help="Mail received within N days (default: report.unanswered_days).",
)
@_FORMAT
@_OUT
@click.pass_context
def report_unanswered(
    ctx: click.Context, by: str | None, days: int | None, fmt: str, out: Path | None
) -> None:
    """Unanswered mail by salesperson, customer, intent and age (<4h, 4-24h, 1-3d, >3d)."""
    with store_app(ctx) as app, app.sessions() as session:
        since = _since(app, days or app.settings.report.unanswered_days)
        items = reports.unanswered(session, app.clock(), since, app.settings)
        tz = ZoneInfo(app.settings.team.timezone)
    keys = [by] if by else ["salesperson", "intent", "customer", "list"]
    tables = [
        reports.unanswered_list(items, tz) if k == "list" else reports.unanswered_by(items, k)
        for k in keys
    ]
    _emit(tables, fmt, out)


@report.command("response-times")
@click.option("--days", type=int, default=7, show_default=True)
@_FORMAT
@_OUT
@click.pass_context
def report_response_times(ctx: click.Context, days: int, fmt: str, out: Path | None) -> None:
    """First-response time distribution (percentiles, histogram, per salesperson)."""
    with store_app(ctx) as app, app.sessions() as session:
        rt = reports.response_times(session, _since(app, days), app.clock(), app.settings)
    _emit(rt.tables(), fmt, out)


@report.command("sla")
@click.option("--by", type=click.Choice(["policy", "salesperson"]), default="policy")
@click.option("--days", type=int, default=7, show_default=True)
@_FORMAT
@_OUT
@click.pass_context
def report_sla(ctx: click.Context, by: str, days: int, fmt: str, out: Path | None) -> None:
    """SLA compliance of clocks started in the period."""
    with store_app(ctx) as app, app.sessions() as session:
        table = reports.sla_compliance(session, _since(app, days), app.clock(), by)
    _emit([table], fmt, out)


@report.command("conversion")
@click.option("--by", type=click.Choice(["salesperson", "market"]), default="salesperson")
@click.option("--days", type=int, default=30, show_default=True)
@_FORMAT
@_OUT
@click.pass_context
def report_conversion(ctx: click.Context, by: str, days: int, fmt: str, out: Path | None) -> None:
    """Inquiry -> order conversion per salesperson or market (country)."""
    group = "country" if by == "market" else by
    with store_app(ctx) as app, app.sessions() as session:
        table = reports.conversion(session, _since(app, days), app.clock(), group)
    _emit([table], fmt, out)


@report.command("send")
@click.option("--daily", "kind", flag_value="daily", default=True, help="The daily report.")
@click.option("--weekly", "kind", flag_value="weekly", help="The weekly report.")
@click.option("--force", is_flag=True, help="Send even if this period's report went out.")
@click.pass_context
def report_send(ctx: click.Context, kind: str, force: bool) -> None:
    """E-mail the report to report.recipients (or the supervisors) now."""
    with store_app(ctx) as app:
        outcome = send_report(app, kind, app.clock(), force=force)
    click.echo(f"{outcome.kind} {outcome.period}: {outcome.reason}")
    if not outcome.sent and not outcome.recipients:
        sys.exit(1)
