"""``mailagent followups|payments|orders|greetings ...``: thin commands over the follow-up engine.

They parse options, call one service of :mod:`mailagent.followups` with ``now=app.clock()``
and print the result (text tables like ``mailagent report``). ``cli/main.py`` registers the
four groups.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import click

from mailagent.cli.common import fail, store_app
from mailagent.drafts.service import DraftStateError
from mailagent.followups import greetings as greetingservice
from mailagent.followups import ledger as ledgerservice
from mailagent.followups import ledgerview, sendlater
from mailagent.followups import report as followupreport
from mailagent.followups import service as followupservice
from mailagent.reports import output as reportout
from mailagent.reports import queries as reports

__all__ = ["followups", "greetings", "orders", "payments"]

_ACTOR = click.option(
    "--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER"
)


def _table(
    name: str, title: str, columns: tuple[str, ...], rows: Sequence[Sequence[object]]
) -> None:
    cells = tuple(tuple(v if isinstance(v, int | float) else str(v) for v in r) for r in rows)
    click.echo(reportout.format_table(reports.Table(name, title, columns, cells)))


# ---- followups --------------------------------------------------------------------------------


@click.group()
def followups() -> None:
    """Follow-ups on silence (rules/followup.toml): list open ones, run the engine."""


@followups.command("list")
@click.option("--due-only", is_flag=True, help="Hide threads still inside their waiting time.")
@click.option("--why", is_flag=True, help="Print the reasons under each row.")
@click.pass_context
def followups_list(ctx: click.Context, due_only: bool, why: bool) -> None:
    """Open follow-up drafts and quotes gone silent, per salesperson."""
    with store_app(ctx) as app:
        items = followupreport.open_followups(app, app.clock(), include_waiting=not due_only)
    rows = [
        (
            o.salesperson,
            o.customer,
            o.thread_id,
            o.subject[:40],
            o.state,
            o.step,
            o.due_on,
            o.draft_id or "-",
        )
        for o in items
    ]
    cols = ("salesperson", "customer", "thread", "subject", "state", "step", "due", "draft")
    _table("followups", "Open follow-ups", cols, rows)
    if why:
        for o in items:
            click.echo(f"thread {o.thread_id}: " + "; ".join(o.reasons))


@followups.command("run")
@click.pass_context
def followups_run(ctx: click.Context) -> None:
    """Run the engine now (as the daemon does): follow-ups, payment ladder, greetings."""
    with store_app(ctx) as app:
        summary = followupservice.run_followups(app, app.clock())
    click.echo(summary.describe())
    for label, ids in (
        ("follow-up", summary.drafted),
        ("cancelled", summary.cancelled),
        ("payment", summary.ladder),
        ("greeting", summary.greetings),
    ):
        if ids:
            click.echo(f"  {label} drafts: {', '.join(map(str, ids))}")


@followups.command("send-later")
@click.argument("draft_id", type=int)
@_ACTOR
@click.pass_context
def followups_send_later(ctx: click.Context, draft_id: int, actor: str) -> None:
    """Approve a draft to leave at the start of the customer's next business morning."""
    with store_app(ctx) as app:
        try:
            when = sendlater.approve_send_later(app, draft_id, actor)
        except DraftStateError as exc:
            fail(str(exc), 1)
        team = when.astimezone(ZoneInfo(app.settings.team.timezone))
    click.echo(
        f"draft {draft_id} approved, held until {when:%Y-%m-%d %H:%M} UTC"
        f" ({team:%m-%d %H:%M} team time)"
    )


# ---- payments and orders --------------------------------------------------------------------


@click.group()
def payments() -> None:
    """The overdue-payment ladder: ledger, record and confirm payments, overdue report."""


@payments.command("ledger")
@click.option("--open", "open_only", is_flag=True, help="Only orders with a balance.")
@click.option("--why", is_flag=True, help="Print the reasons under each row.")
@click.pass_context
def payments_ledger(ctx: click.Context, open_only: bool, why: bool) -> None:
    """Each order's balance and the ladder step it is on."""
    with store_app(ctx) as app:
        rows = ledgerview.ledger(app, app.clock(), open_only=open_only)
    _table(
        "ledger",
        "Payment ledger",
        (
            "order",
            "customer",
            "cur",
            "amount",
            "paid",
            "open",
            "due",
            "overdue",
            "state",
            "step",
            "next",
        ),
        [
            (
                r.order_no,
                r.customer,
                r.currency,
                r.amount,
                r.paid,
                r.outstanding,
                r.due_date or "-",
                r.days_overdue,
                r.state,
                r.step or "-",
                r.next_on or "-",
            )
            for r in rows
        ],
    )
    if why:
        for r in rows:
            click.echo(f"{r.order_no}: " + "; ".join(r.reasons))


@payments.command("record")
@click.argument("order_no")
@click.argument("amount")
@click.option(
    "--kind",
    type=click.Choice(["deposit", "balance", "payment"]),
    default="payment",
    show_default=True,
)
@click.option("--ref", "reference", default="", help="Bank reference / remittance number.")
@click.option(
    "--date", "received_on", type=click.DateTime(["%Y-%m-%d"]), help="Value date (default today)."
)
@click.option(
    "--claimed", is_flag=True, help="The customer says paid (slip received): confirm later."
)
@_ACTOR
@click.pass_context
def payments_record(
    ctx: click.Context,
    order_no: str,
    amount: str,
    kind: str,
    reference: str,
    received_on: object,
    claimed: bool,
    actor: str,
) -> None:
    """Record a payment against ORDER_NO; the ladder stops when nothing is outstanding."""
    day = received_on.date() if hasattr(received_on, "date") else None
    with store_app(ctx) as app:
        try:
            left = ledgerservice.record_payment(
                app,
                order_no,
                amount,
                actor=actor,
                received_on=day,
                kind=kind,
                reference=reference,
                claimed=claimed,
            )
        except ledgerservice.OrderError as exc:
            fail(str(exc), 3 if str(exc).startswith("no order") else 2)
    click.echo(f"{order_no}: {'claimed' if claimed else 'recorded'} {amount}; outstanding {left}")


@payments.command("confirm")
@click.argument("order_no")
@_ACTOR
@click.pass_context
def payments_confirm(ctx: click.Context, order_no: str, actor: str) -> None:
    """Confirm the payments the customer claimed (after checking the remittance slip)."""
    with store_app(ctx) as app:
        try:
            n = ledgerservice.confirm_claims(app, order_no, actor=actor)
        except ledgerservice.OrderError as exc:
            fail(str(exc), 3)
    click.echo(f"{order_no}: {n} payment(s) confirmed")


@payments.command("overdue")
@click.pass_context
def payments_overdue(ctx: click.Context) -> None:
    """Overdue amounts by customer and age (0-30/31-60/61-90/90+), order currency and USD."""
    with store_app(ctx) as app:
        rows = ledgerview.overdue_report(app, app.clock())
    _table(
        "overdue",
        "Overdue payments",
        ("customer", "cur", "0-30", "31-60", "61-90", "90+", "USD"),
        [
            (
                r["customer"],
                r["currency"],
                r["0-30"],
                r["31-60"],
                r["61-90"],
                r["90+"],
                r["usd"] if r["usd"] is not None else "no rate",
            )
            for r in rows
        ],
    )


@click.group()
def orders() -> None:
    """Order data the payment ladder works from."""


@orders.command("update")
@click.argument("order_no")
@click.option("--amount", help="PI / order amount.")
@click.option("--due", "due_date", type=click.DateTime(["%Y-%m-%d"]), help="Payment due date.")
@click.option("--pi", "pi_number", help="Proforma invoice number.")
@click.option("--status", help="Order status (cancelled/closed stop the ladder).")
@click.option("--currency", help="ISO currency code.")
@_ACTOR
@click.pass_context
def orders_update(
    ctx: click.Context,
    order_no: str,
    amount: str | None,
    due_date: object,
    pi_number: str | None,
    status: str | None,
    currency: str | None,
    actor: str,
) -> None:
    """Change an order's amount, due date, PI number, status or currency (audited)."""
    due = due_date.date() if hasattr(due_date, "date") else None
    with store_app(ctx) as app:
        try:
            ledgerservice.update_order(
                app,
                order_no,
                actor=actor,
                amount=amount,
                due_date=due,
                pi_number=pi_number,
                status=status,
                currency=currency.upper() if currency else None,
            )
        except ledgerservice.OrderError as exc:
            fail(str(exc), 3 if str(exc).startswith("no order") else 2)
    click.echo(f"{order_no}: updated")


# ---- greetings ------------------------------------------------------------------------------


@click.group()
def greetings() -> None:
    """Holiday and occasion greetings, closure notices."""


@greetings.command("plan")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.pass_context
def greetings_plan(ctx: click.Context, lang: str) -> None:
    """Upcoming greetings and notices (drafted by `followups run`), and customers' holidays."""
    with store_app(ctx) as app:
        plan = greetingservice.plan(app, app.clock())
    _table(
        "greetings",
        "Greetings and notices",
        ("on", "kind", "customer", "to", "lang", "occasion", "state"),
        [
            (
                p.on,
                p.kind,
                p.customer,
                p.email,
                p.language,
                p.name,
                "drafted" if p.done else "planned",
            )
            for p in plan.greetings
        ],
    )
    click.echo("")
    click.echo("客户假期提醒：" if lang == "zh" else "Customers' holidays ahead:")
    for n in plan.notices:
        click.echo("  " + n.text(lang))
    if not plan.notices:
        click.echo("  -")


@greetings.command("prefs")
@click.argument("email")
@click.option(
    "--greetings/--no-greetings", "wanted", default=None, help="Greet this contact or not."
)
@click.option("--lang", "language", help="Greet in this language (en, zh, de, es, pt, ...).")
@click.option("--skip", multiple=True, help="An occasion id not to greet for (repeatable).")
@click.option(
    "--add", "extra", multiple=True, help="An occasion id to greet for as well (repeatable)."
)
@_ACTOR
@click.pass_context
def greetings_prefs(
    ctx: click.Context,
    email: str,
    wanted: bool | None,
    language: str | None,
    skip: tuple[str, ...],
    extra: tuple[str, ...],
    actor: str,
) -> None:
    """Set a contact's greeting preferences (per contact, over the customer's country)."""
    from mailagent.followups.store import PreferenceError

    with store_app(ctx) as app:
        try:
            prefs = greetingservice.set_preferences(
                app,
                email,
                actor=actor,
                greetings=wanted,
                language=language,
                skip=list(skip) if skip else None,
                extra=list(extra) if extra else None,
            )
        except PreferenceError as exc:
            fail(str(exc), 3 if str(exc).startswith("no contact") else 2)
    click.echo(f"{email}: {prefs}")
