"""``mailagent drafts``: list, show, edit, approve, reject and send reply drafts.

Thin: each command parses its options, calls one function of :mod:`mailagent.drafting` (the
same ones the web UI calls) and formats the result. Registered in ``cli.py`` with
``cli.add_command(drafts)``. Exit codes as in ``cli.py``: 1 the action failed or was refused
(e.g. placeholders left), 2 configuration error, 3 not found.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from mailagent.app import App
from mailagent.cli.common import fail, store_app
from mailagent.errors import MailagentError, NotFound
from mailagent.records import DeliveryOutcome, DraftState

__all__ = ["drafts"]

_ACTOR = click.option(
    "--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER"
)


@contextmanager
def _app(ctx: click.Context) -> Iterator[App]:
    """The App for this command (``ctx.obj`` is ``cli.Obj``); lookups and refusals exit."""
    with store_app(ctx) as app:
        try:
            yield app
        except NotFound:
            raise  # store_app exits 3
        except MailagentError as exc:
            fail(str(exc), 1)


@click.group()
def drafts() -> None:
    """Reply drafts: approve, edit or reject; only approved drafts are sent."""


@drafts.command("list")
@click.option("--status", type=click.Choice([s.value for s in DraftState]))
@click.option("--intent", help="inquiry, order, complaint, payment, payment_overdue, ...")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def list_(ctx: click.Context, status: str | None, intent: str | None, limit: int) -> None:
    """Drafts, newest first."""
    from mailagent.drafts.service import list_drafts

    with _app(ctx) as app:
        rows = list_drafts(app, DraftState(status) if status else None, intent=intent, limit=limit)
    if not rows:
        click.echo("no drafts")
    for d in rows:
        shown = d.delivery if d.delivery and d.delivery.value != d.status.value else None
        state = d.status + (f"/{shown}" if shown else "")
        click.echo(
            f"{d.id:>5} {d.updated_at:%Y-%m-%d %H:%M} {state:<17} {d.intent:<16} "
            f"{d.language:<3} {(d.customer or '-')[:22]:<22} {d.subject[:60]}"
        )
        if d.error:
            click.echo(f"      ! {d.error[:150]}")


@drafts.command("show")
@click.argument("draft_id", type=int)
@click.pass_context
def show(ctx: click.Context, draft_id: int) -> None:
    """One draft: recipients, notes, quote lines, body, versions and audit trail."""
    from mailagent.drafts.service import get_draft
    from mailagent.followups.localview import draft_clock

    with _app(ctx) as app:
        d = get_draft(app, draft_id)
        clock = draft_clock(app, draft_id, app.clock(), "en")
    s = d.summary
    click.echo(f"#{s.id} {s.kind} {s.intent} ({s.language}, {d.template}) v{s.version}: {s.status}")
    click.echo(f"From: {d.from_ or '-'}\nTo: {', '.join(s.to)}")
    if d.cc:
        click.echo(f"Cc: {', '.join(d.cc)}")
    click.echo(f"Subject: {s.subject}\nMessage: #{s.message_pk}  reference: {d.reference}")
    if clock:
        click.echo(f"Customer's local time: {clock}")
    if d.message_id:
        click.echo(
            f"Message-ID: <{d.message_id}>  attempts: {d.attempts}  delivery: {s.delivery or ''}"
        )
    for line in (f"why: {n}" for n in d.notes):
        click.echo(f"  {line}")
    for q in d.quote:
        price = f"{q['currency']} {q['unit_price']} = {q['total']}" if q["unit_price"] else "-"
        click.echo(f"  quote: {q['code'] or q['description'] or '?'} x {q['quantity']}: {price}")
    if s.error:
        click.echo(f"error: {s.error}")
    if d.thread_note:
        click.echo(f"thread: {d.thread_note}")
    if d.conflict_draft_id:
        click.echo(f"  choose: mailagent drafts choose {s.id} keep|take_new")
    click.echo("\n" + d.body)
    for version, actor, when, note in d.versions:
        click.echo(f"version {version}: {note} by {actor} at {when:%Y-%m-%d %H:%M}")
    for when, actor, action, detail in d.audit:
        extra = detail.get("reason") or detail.get("detail") or ""
        click.echo(f"{when:%Y-%m-%d %H:%M} {actor}: {action} {extra}".rstrip())


@drafts.command("approve")
@click.argument("draft_id", type=int)
@_ACTOR
@click.pass_context
def approve(ctx: click.Context, draft_id: int, actor: str) -> None:
    """Approve a draft for sending (refused while [[...]] placeholders remain)."""
    from mailagent.drafts.service import approve as do_approve

    with _app(ctx) as app:
        message_id = do_approve(app, draft_id, actor)
    click.echo(f"draft {draft_id} approved as <{message_id}>; `mailagent drafts send` sends it")


@drafts.command("reject")
@click.argument("draft_id", type=int)
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@_ACTOR
@click.pass_context
def reject(ctx: click.Context, draft_id: int, reason: str, actor: str) -> None:
    """Reject a draft; nothing is sent."""
    from mailagent.drafts.service import reject as do_reject

    with _app(ctx) as app:
        do_reject(app, draft_id, actor, reason)
    click.echo(f"draft {draft_id} rejected")


@drafts.command("compose")
@click.argument("mode", type=click.Choice(["reply", "reply-all", "forward", "new"]))
@click.option("--message", "message_pk", type=int, default=None, help="The message to answer.")
@click.option("--to", default="", help="Recipients (forward, new mail).")
@_ACTOR
@click.pass_context
def compose_cmd(ctx: click.Context, mode: str, message_pk: int | None, to: str, actor: str) -> None:
    """Start a draft: reply / reply-all / forward a message, or new mail to a contact."""
    from mailagent.drafts.compose import compose

    with _app(ctx) as app:
        draft_id = compose(app, mode.replace("-", "_"), actor, message_pk=message_pk, to=to)
    click.echo(f"draft {draft_id} created; write it with `mailagent drafts edit {draft_id}`")


@drafts.command("choose")
@click.argument("draft_id", type=int)
@click.argument("choice", type=click.Choice(["keep", "take_new"]))
@_ACTOR
@click.pass_context
def choose(ctx: click.Context, draft_id: int, choice: str, actor: str) -> None:
    """After new mail on an edited draft: keep the edited one, or take the new one."""
    from mailagent.drafts.thread_drafts import choose as do_choose
    from mailagent.drafts.threadlive import Choice

    with _app(ctx) as app:
        live = do_choose(app, draft_id, Choice(choice), actor)
    click.echo(f"draft {live} is the live draft of the thread (pending approval)")


@drafts.command("translate")
@click.argument("draft_id", type=int)
@click.option(
    "--from",
    "source",
    default=None,
    help="Language it is written in (default: detected, else the team language).",
)
@click.option(
    "--to", "target", default=None, help="Translate into this language (default: the draft's)."
)
@_ACTOR
@click.pass_context
def translate(
    ctx: click.Context, draft_id: int, source: str | None, target: str | None, actor: str
) -> None:
    """Translate a draft written in the team language into the customer's language."""
    from mailagent.drafts.translate import translate_draft

    with _app(ctx) as app:
        t = translate_draft(app, draft_id, actor=actor, source=source, target=target)
    click.echo(
        f"draft {draft_id}: v{t.original_version} ({t.source}) kept, "
        f"v{t.translated_version} is the {t.target} translation; approve it to send"
    )
    click.echo(t.translated)


@drafts.command("edit")
@click.argument("draft_id", type=int)
@click.option(
    "--file",
    "body_file",
    type=click.File("r", encoding="utf-8"),
    required=True,
    help="The new body ('-' reads standard input).",
)
@click.option("--subject", default=None, help="A new subject line.")
@_ACTOR
@click.pass_context
def edit(
    ctx: click.Context, draft_id: int, body_file: Any, subject: str | None, actor: str
) -> None:
    """Save a new version of the body (and subject); the draft must be approved again."""
    from mailagent.drafts.service import edit_draft

    body = body_file.read()
    with _app(ctx) as app:
        version = edit_draft(app, draft_id, body, subject, actor=actor)
    click.echo(f"draft {draft_id} is now version {version} (pending approval)")


@drafts.command("send")
@click.argument("draft_id", type=int, required=False)
@click.pass_context
def send(ctx: click.Context, draft_id: int | None) -> None:
    """Send every approved draft that is due, or only DRAFT_ID."""
    from mailagent.drafts.service import send_approved

    with _app(ctx) as app:
        results = send_approved(app, draft_id)
    if not results:
        click.echo("nothing to send")
    for r in results:
        click.echo(f"draft {r.draft_id}: {r.status}: {r.detail}")
    if any(r.status in (DeliveryOutcome.FAILED, DeliveryOutcome.UNCONFIRMED) for r in results):
        sys.exit(1)


@drafts.command("prepare")
@click.argument("message_pk", type=int)
@click.pass_context
def prepare(ctx: click.Context, message_pk: int) -> None:
    """Prepare the drafts of a stored message (if it has none yet)."""
    from mailagent.drafts.prepare import prepare_for_message

    with _app(ctx) as app:
        ids = prepare_for_message(app, message_pk)
    click.echo(f"message {message_pk}: drafts {', '.join(map(str, ids)) or 'none needed'}")


@drafts.command("templates")
@click.pass_context
def templates(ctx: click.Context) -> None:
    """Reply templates missing for a language (those fall back to English)."""
    from mailagent.drafts.prepare import templates_for
    from mailagent.drafts.templating import missing_templates

    settings = ctx.obj.settings()
    catalog = templates_for(settings).catalog
    click.echo(f"languages: {', '.join(catalog.languages())}")
    for kind, lang in missing_templates(catalog, internal_languages=[settings.team.language]):
        click.echo(f"missing: {kind} in {lang} (falls back to en)")
