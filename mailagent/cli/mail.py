"""``mailagent import``, ``triage``, ``quarantine``, ``reprocess``, ``messages``: stored mail."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from mailagent.cli.common import cli_app, fail
from mailagent.records import TranslationJobState
from mailagent.translation.backlog import message_translations


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--mailbox", default="import", show_default=True, help="Name to file them under.")
@click.option("--batch", default=200, show_default=True, help="Messages per transaction.")
@click.pass_context
def import_(ctx: click.Context, path: Path, mailbox: str, batch: int) -> None:
    """Import a Maildir, an mbox file, an MH folder, a folder of message files or one file.

    Exits 1 when PATH holds no message, or when none of its messages could be stored.
    """
    from mailagent.capture.importer import import_path

    with cli_app(ctx) as app:
        report = import_path(app, path, mailbox=mailbox, batch_size=batch, progress=True)
    click.echo(report.describe())
    if report.total == 0:
        fail(
            f"{path}: no messages found (looked for a Maildir, an mbox file, an MH folder, "
            ".eml files and files that start like RFC 822 mail)",
            1,
        )
    if not report.counts["stored"] and not report.counts["duplicate"]:
        fail(f"{path}: none of the {report.total} message(s) could be stored", 1)


# ---- quarantine --------------------------------------------------------------------------


@click.group()
def quarantine() -> None:
    """Messages that could not be processed (raw bytes kept)."""


@quarantine.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved entries.")
@click.pass_context
def quarantine_list(ctx: click.Context, include_resolved: bool) -> None:
    from mailagent.messages.service import list_quarantine

    with cli_app(ctx, with_model=False) as app:
        rows = list_quarantine(app, include_resolved=include_resolved)
    if not rows:
        click.echo("quarantine is empty")
    for r in rows:
        state = f" resolved {r.resolved_at:%Y-%m-%d %H:%M}" if r.resolved_at else ""
        where = f"  [{r.stage}: message {r.message_pk}]" if r.stage != "ingest" else ""
        click.echo(
            f"{r.id:>5}  {r.created_at:%Y-%m-%d %H:%M}  x{r.attempts}  {r.origin}{where}{state}"
        )
        click.echo(f"       {r.reason}")


@click.command()
@click.argument("quarantine_id", type=int, required=False)
@click.option("--all", "all_", is_flag=True, help="Reprocess every open quarantine entry.")
@click.pass_context
def reprocess(ctx: click.Context, quarantine_id: int | None, all_: bool) -> None:
    """Replay quarantined message(s) through the pipeline (e.g. after a fix)."""
    from mailagent.capture.ingest import IngestStatus
    from mailagent.capture.ingest import reprocess as do_reprocess
    from mailagent.messages.service import list_quarantine

    if quarantine_id is None and not all_:
        fail("give a quarantine id or --all")
    with cli_app(ctx) as app:
        ids = [r.id for r in list_quarantine(app)] if all_ else [quarantine_id or 0]
        failed = 0
        for qid in ids:
            result = do_reprocess(app, qid)
            click.echo(f"{qid}: {result.status.value} {result.reason}".rstrip())
            failed += result.status is IngestStatus.QUARANTINED
    if failed:
        sys.exit(1)


@click.command()
@click.option("--limit", type=int, default=None, help="Stop after this many messages.")
@click.pass_context
def triage(ctx: click.Context, limit: int | None) -> None:
    """Triage stored messages still waiting for it (the daemon does this by itself)."""
    from mailagent.db.triage_rows import count_new
    from mailagent.triage.worker import triage_pending

    with cli_app(ctx) as app:
        done = triage_pending(app, limit=limit)
        with app.sessions() as session:
            left = count_new(session)
    click.echo(f"{done} message(s) triaged, {left} waiting")


# ---- messages ----------------------------------------------------------------------------


@click.group()
def messages() -> None:
    """Stored messages: list, show (with reasons), re-file, re-classify."""


@messages.command("list")
@click.option("--intent", type=click.Choice(["inquiry", "order", "complaint", "payment", "other"]))
@click.option("--customer", "customer_code", help="Customer code.")
@click.option("--search", "text", default="", help="Full-text search (every word must match).")
@click.option("--limit", default=50, show_default=True)
@click.option(
    "--needs-review", is_flag=True, help="Only messages whose intent needs a person (with why)."
)
@click.pass_context
def messages_list(
    ctx: click.Context,
    intent: str | None,
    customer_code: str | None,
    text: str,
    limit: int,
    needs_review: bool,
) -> None:
    from mailagent.messages.listing import MessageFilter, list_messages

    flt = MessageFilter(
        intent=intent,
        customer_code=customer_code,
        text=text,
        needs_review=needs_review,
        per_page=limit,
    )
    with cli_app(ctx, with_model=False) as app:
        for s in list_messages(app, flt):
            flag = "?" if s.needs_review else " "
            click.echo(
                f"{s.id:>5}{flag}{s.received_at:%Y-%m-%d %H:%M} {(s.intent or '-'):<9} "
                f"{(s.language or '-'):<7} {(s.customer_name or '-')[:24]:<24} {s.subject[:60]}"
            )
            if needs_review:
                click.echo("".join(f"        - {r}\n" for r in s.review_reasons), nl=False)


@messages.command("show")
@click.argument("message_pk", type=int)
@click.pass_context
def messages_show(ctx: click.Context, message_pk: int) -> None:
    from mailagent.messages.relevance import relevance_view
    from mailagent.messages.service import message_detail

    with cli_app(ctx, with_model=False) as app:
        d = message_detail(app, message_pk)
        rv = relevance_view(app, message_pk)
        translations = message_translations(app.sessions, message_pk)
        from mailagent.followups.localview import message_clock

        clock = message_clock(app, message_pk, app.clock(), "en")
        clock_zh = message_clock(app, message_pk, app.clock(), "zh")
    click.echo(f"#{d.id} {d.subject}\nFrom: {d.sender}\nTo: {', '.join(d.to)}")
    click.echo(f"Received: {d.received_at}  thread {d.thread_id} ({d.thread_method})")
    click.echo(f"Language: {d.language} ({d.language_method}, {(d.language_confidence or 0):.2f})")
    click.echo(f"Intent: {d.intent} by {d.intent_decided_by} rule={d.intent_rule_id or '-'}")
    if d.intent_secondary:
        click.echo(f"  secondary intent: {d.intent_secondary}")
    for r in d.intent_reasons:
        click.echo(f"  - {r}")
    if d.needs_review:
        click.echo("Needs review: " + "; ".join(d.review_reasons))
    click.echo(
        f"Customer: {d.customer or '-'}  order: {d.order_no or '-'}"
        f"  via {d.link_method}{'  (ambiguous)' if d.link_ambiguous else ''}"
    )
    for r in d.link_reasons:
        click.echo(f"  - {r}")
    if clock and d.direction == "inbound":
        click.echo(f"Customer's local time: {clock} / {clock_zh}")
    if d.auto_reply != "none":
        click.echo(f"Machine-generated: {d.auto_reply} ({d.auto_reply_reason})")
    from mailagent.cli.relevance import echo_relevance

    echo_relevance(rv)
    for a in d.attachments:
        click.echo(f"Attachment: {a.filename} ({a.content_type}, {a.size} bytes)")
    click.echo("\n" + d.new_text)
    for t in translations:
        head = f"--- translation {t.source_lang}→{t.target_lang}: {t.status}"
        if t.status == TranslationJobState.DONE:
            click.echo(f"\n{head} ({t.engine}) ---\n{t.subject}\n\n{t.body}")
        else:
            click.echo(f"\n{head}{': ' + t.error if t.error else ''} ---")
    if d.translated_text and not translations:
        click.echo("\n--- translation ---\n" + d.translated_text)


@messages.command("refile")
@click.argument("message_pk", type=int)
@click.option("--customer", "customer_code", required=True, help="Customer code.")
@click.option("--order", "order_no", default=None, help="Order number.")
@click.option("--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@click.pass_context
def messages_refile(
    ctx: click.Context, message_pk: int, customer_code: str, order_no: str | None, actor: str
) -> None:
    from mailagent.messages.service import refile

    with cli_app(ctx, with_model=False) as app:
        refile(app, message_pk, customer_code, order_no, actor)
    click.echo(f"message {message_pk} filed under {customer_code} {order_no or ''}".rstrip())


@messages.command("reclassify")
@click.argument("message_pk", type=int)
@click.argument("intent", type=click.Choice(["inquiry", "order", "complaint", "payment", "other"]))
@click.option("--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@click.pass_context
def messages_reclassify(ctx: click.Context, message_pk: int, intent: str, actor: str) -> None:
    from mailagent.messages.service import reclassify

    with cli_app(ctx, with_model=False) as app:
        reclassify(app, message_pk, intent, actor)
    click.echo(
        f"message {message_pk} is now {intent}; kept as a correction "
        "(the intent model adapts when the daemon or web UI next loads it)"
    )
