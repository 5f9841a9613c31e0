"""``mailagent threads``: conversations as the web inbox shows them, and the work actions.

The same use cases as the web UI (``messages.conversations``, ``messages.threadwork``): the
CLI sees every thread (no viewer scope) and acts as ``--actor``.
"""

from __future__ import annotations

from datetime import date

import click

from mailagent.cli.common import cli_app, fail

__all__ = ["threads"]

_VIEWS = ("open", "mine", "unassigned", "snoozed", "done", "junk", "all")


@click.group()
def threads() -> None:
    """Conversations (threads): list, show, assign, snooze, done, reopen / 会话。"""


@threads.command("list")
@click.option("--view", type=click.Choice(_VIEWS), default="open", show_default=True)
@click.option("--customer", "customer_code", help="Customer code.")
@click.option("--reader", default="", help="A user's e-mail: unread marks and the 'mine' view.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def threads_list(
    ctx: click.Context, view: str, customer_code: str | None, reader: str, limit: int
) -> None:
    from mailagent.messages.conversations import list_threads
    from mailagent.messages.threadrecords import ThreadFilter

    flt = ThreadFilter(view=view, customer_code=customer_code, per_page=limit)
    with cli_app(ctx, with_model=False) as app:
        now = app.clock()
        for r in list_threads(app, flt, reader=reader, now=now):
            mark = "*" if r.unread else " "
            left = r.sla.text() if r.sla else "-"
            owner = r.owner.label if r.owner else "-"
            people = ", ".join(p.label for p in r.participants[:2])
            click.echo(
                f"{r.id:>5}{mark} {r.latest_at:%Y-%m-%d %H:%M} {r.count:>3}  {left:<18} "
                f"{owner[:16]:<16} {(r.customer_name or '-')[:20]:<20} {r.subject[:50]}"
            )
            click.echo(f"        {people[:40]} | {','.join(r.intents) or '-'} | {r.preview[:70]}")


@threads.command("show")
@click.argument("thread_id", type=int)
@click.pass_context
def threads_show(ctx: click.Context, thread_id: int) -> None:
    from mailagent.messages.conversations import thread_detail

    with cli_app(ctx, with_model=False) as app:
        t = thread_detail(app, thread_id, now=app.clock())
    click.echo(f"thread {t.id}: {t.subject}  [{t.state}]")
    click.echo(f"customer: {t.customer_name or '-'}  order: {t.order_no or '-'}")
    click.echo(f"owner: {t.owner.label if t.owner else '-'}")
    for x in t.messages:
        files = ", ".join(a.filename for a in x.attachments)
        click.echo(f"\n#{x.id} {x.direction} {x.received_at:%Y-%m-%d %H:%M} {x.sender.label}")
        click.echo("  " + x.new_text.strip().replace("\n", "\n  "))
        if files:
            click.echo(f"  attachments: {files}")
    for d in t.drafts:
        click.echo(f"draft {d.id} [{d.status}] {d.subject}")
    for c in t.clocks:
        click.echo(f"SLA {c.left.policy_id} (#{c.message_pk}): {c.left.text()}")
    for e in t.audit:
        click.echo(f"{e.at:%Y-%m-%d %H:%M} {e.actor} {e.action} {e.detail or ''}")


def _run(ctx: click.Context, action: str, ids: tuple[int, ...], actor: str, **kw: object) -> None:
    from mailagent.errors import MailagentError
    from mailagent.messages import threadwork as work

    with cli_app(ctx, with_model=False) as app:
        try:
            if action == "assign":
                n = work.assign(app, ids, str(kw["owner"]), actor)
            elif action == "snooze":
                day = kw.get("day")
                until, reply = work.snooze_target(
                    str(kw["choice"]),
                    day if isinstance(day, date) else None,
                    app.clock(),
                    app.settings.team.timezone,
                )
                n = work.snooze(app, ids, actor, until=until, until_reply=reply)
            elif action == "done":
                n = work.mark_done(app, ids, actor)
            else:
                n = work.reopen(app, ids, actor)
        except MailagentError as exc:
            fail(str(exc), 2)
    click.echo(f"{action}: {n} thread(s)")


_actor = click.option("--actor", default="cli", show_default=True, help="Who does it (audit).")


@threads.command("assign")
@click.argument("thread_ids", type=int, nargs=-1, required=True)
@click.option("--owner", required=True, help="A team user's e-mail ('' for nobody).")
@_actor
@click.pass_context
def threads_assign(ctx: click.Context, thread_ids: tuple[int, ...], owner: str, actor: str) -> None:
    _run(ctx, "assign", thread_ids, actor, owner=owner)


@threads.command("snooze")
@click.argument("thread_ids", type=int, nargs=-1, required=True)
@click.option("--until", "day", type=click.DateTime(["%Y-%m-%d"]), help="Until 08:00 that day.")
@click.option(
    "--for",
    "choice",
    type=click.Choice(["reply", "1d", "3d", "7d"]),
    default="reply",
    show_default=True,
    help="Until the customer replies, or for some days.",
)
@_actor
@click.pass_context
def threads_snooze(
    ctx: click.Context, thread_ids: tuple[int, ...], day: object, choice: str, actor: str
) -> None:
    when = day.date() if day is not None else None  # type: ignore[attr-defined]
    _run(ctx, "snooze", thread_ids, actor, choice=choice, day=when)


@threads.command("done")
@click.argument("thread_ids", type=int, nargs=-1, required=True)
@_actor
@click.pass_context
def threads_done(ctx: click.Context, thread_ids: tuple[int, ...], actor: str) -> None:
    _run(ctx, "done", thread_ids, actor)


@threads.command("reopen")
@click.argument("thread_ids", type=int, nargs=-1, required=True)
@_actor
@click.pass_context
def threads_reopen(ctx: click.Context, thread_ids: tuple[int, ...], actor: str) -> None:
    _run(ctx, "reopen", thread_ids, actor)
