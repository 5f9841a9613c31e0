"""Command-line entry point: parses options, builds Settings and the App, calls services and
formats their results. The only place that turns errors into exit codes.

Exit codes: 0 ok, 1 operation failed (e.g. quarantined on reprocess), 2 configuration or
usage error, 3 not found.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mailagent import __version__, config, logs
from mailagent.cli.common import cli_app, fail
from mailagent.errors import ConfigError, ImportDataError, MailagentError

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass
class Obj:
    config_path: str | None
    verbose: int

    def settings(self) -> config.Settings:
        path = self.config_path or os.environ.get("MAILAGENT_CONFIG")
        if path is None and Path("config.toml").exists():
            path = "config.toml"
        return config.load(path)


@click.group()
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: $MAILAGENT_CONFIG, else ./config.toml, else defaults).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(__version__, prog_name="mailagent")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """mailagent: correspondence assistant for export sales teams."""
    logs.setup(verbose)
    ctx.obj = Obj(config_path, verbose)


# ---- daemon and ingest -----------------------------------------------------------------


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the daemon: poll/IDLE every configured mailbox, housekeeping, translation."""
    from mailagent.daemon.loop import run_daemon

    settings = ctx.obj.settings()
    if not settings.imap.mailboxes:
        fail(f"{settings.source_path or 'config'}: imap.mailboxes: no mailbox configured")
    with cli_app(ctx, settings) as app:
        run_daemon(app)


@cli.command("poll-once")
@click.pass_context
def poll_once(ctx: click.Context) -> None:
    """Fetch new mail from every configured mailbox once and exit."""
    import threading

    from mailagent.capture.imap import ImapSource
    from mailagent.daemon.loop import MailboxWorker

    settings = ctx.obj.settings()
    with cli_app(ctx, settings) as app:
        for mb in settings.imap.mailboxes:
            worker = MailboxWorker(app, mb, threading.Event())
            with ImapSource(mb) as source:
                n = worker.poll_once(source)
            click.echo(f"{mb.name}: {n} message(s) fetched")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--mailbox", default="import", show_default=True, help="Name to file them under.")
@click.option("--batch", default=200, show_default=True, help="Messages per transaction.")
@click.pass_context
def import_(ctx: click.Context, path: Path, mailbox: str, batch: int) -> None:
    """Import a Maildir, an mbox file, a folder of .eml files or one .eml file."""
    from mailagent.capture.importer import import_path

    with cli_app(ctx) as app:
        report = import_path(app, path, mailbox=mailbox, batch_size=batch, progress=True)
    click.echo(report.describe())


@cli.command()
@click.option("--fresh", is_flag=True, help="Delete the previous demo store first.")
@click.option("--no-ui", is_flag=True, help="Only ingest and report; do not start the web UI.")
@click.option(
    "--store",
    "store_dir",
    default="store/demo",
    show_default=True,
    help="Where the demo database and files go.",
)
@click.pass_context
def demo(ctx: click.Context, fresh: bool, no_ui: bool, store_dir: str) -> None:
    """Ingest the bundled demo mailbox and customer archive into SQLite, and report."""
    from mailagent.demo import run as demo_pkg

    if fresh and Path(store_dir).exists():
        shutil.rmtree(store_dir)
    settings = demo_pkg.demo_settings(ctx.obj.settings(), store_dir)
    with cli_app(ctx, settings) as app:
        click.echo(demo_pkg.run_demo(app))
        if not no_ui:
            from mailagent.demo.web import start_demo_ui, wait_forever

            url, login, password = start_demo_ui(app)
            click.echo(
                f"\nweb UI: {url}\n  log in as {login} (supervisor), lily.chen@huaxin-pcb.com /"
                " kevin.wang@huaxin-pcb.com (sales), admin@huaxin-pcb.com (admin)\n"
                f"  password (all demo users): {password}\n  Ctrl-C stops the web UI"
            )
            wait_forever()


# ---- quarantine --------------------------------------------------------------------------


@cli.group()
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


@cli.command()
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
            try:
                result = do_reprocess(app, qid)
            except LookupError as exc:
                fail(str(exc), 3)
                return
            click.echo(f"{qid}: {result.status.value} {result.reason}".rstrip())
            failed += result.status is IngestStatus.QUARANTINED
    if failed:
        sys.exit(1)


@cli.command()
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


# ---- rules, db, customers ----------------------------------------------------------------


@cli.group()
def rules() -> None:
    """Classification and SLA rules (rules/*.toml)."""


@rules.command("check")
@click.pass_context
def rules_check(ctx: click.Context) -> None:
    """Load and validate the rules exactly as the daemon does."""
    from mailagent.sla import policies as slarules
    from mailagent.triage.rules.ruleset import check

    rules_dir = Path(ctx.obj.settings().rules_dir)
    for line in [*check(rules_dir), *slarules.check(rules_dir)]:
        click.echo(line)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Migrate the database schema to the newest revision."""
    with cli_app(ctx, with_model=False) as app:
        click.echo(f"database at head: {app.engine.url.render_as_string(hide_password=True)}")


@cli.group()
def customers() -> None:
    """Customer archive."""


@customers.command("import")
@click.option("--customers", "customers_file", type=click.Path(exists=True, path_type=Path))
@click.option("--contacts", "contacts_file", type=click.Path(exists=True, path_type=Path))
@click.option("--orders", "orders_file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.pass_context
def customers_import(
    ctx: click.Context,
    customers_file: Path | None,
    contacts_file: Path | None,
    orders_file: Path | None,
    dry_run: bool,
) -> None:
    """Import customers, contacts and orders from CSV or XLSX (all or nothing)."""
    from mailagent.customers.archive import import_archive

    with cli_app(ctx, with_model=False) as app:
        report = import_archive(
            app.sessions,
            customers=customers_file,
            contacts=contacts_file,
            orders=orders_file,
            dry_run=dry_run,
        )
    click.echo(str(report))


# ---- messages ----------------------------------------------------------------------------


@cli.group()
def messages() -> None:
    """Stored messages: list, show (with reasons), re-file, re-classify."""


@messages.command("list")
@click.option("--intent", type=click.Choice(["inquiry", "order", "complaint", "payment", "other"]))
@click.option("--customer", "customer_code", help="Customer code.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def messages_list(
    ctx: click.Context, intent: str | None, customer_code: str | None, limit: int
) -> None:
    from mailagent.messages.service import list_messages

    with cli_app(ctx, with_model=False) as app:
        for s in list_messages(app, intent=intent, customer_code=customer_code, limit=limit):
            click.echo(
                f"{s.id:>5} {s.received_at:%Y-%m-%d %H:%M} {(s.intent or '-'):<9} "
                f"{(s.language or '-'):<7} {(s.customer or '-')[:24]:<24} {s.subject[:60]}"
            )


@messages.command("show")
@click.argument("message_pk", type=int)
@click.pass_context
def messages_show(ctx: click.Context, message_pk: int) -> None:
    from mailagent.messages.service import message_detail

    with cli_app(ctx, with_model=False) as app:
        try:
            d = message_detail(app, message_pk)
        except LookupError as exc:
            fail(str(exc), 3)
            return
    click.echo(f"#{d['id']} {d['subject']}\nFrom: {d['from']}\nTo: {', '.join(d['to'])}")
    click.echo(f"Received: {d['received_at']}  thread {d['thread_id']} ({d['thread_method']})")
    click.echo(
        f"Language: {d['language']} ({d['language_method']}, {(d['language_confidence'] or 0):.2f})"
    )
    click.echo(
        f"Intent: {d['intent']} by {d['intent_decided_by']} rule={d['intent_rule_id'] or '-'}"
    )
    for r in d["intent_reasons"]:
        click.echo(f"  - {r}")
    click.echo(
        f"Customer: {d['customer'] or '-'}  order: {d['order_no'] or '-'}"
        f"  via {d['link_method']}{'  (ambiguous)' if d['link_ambiguous'] else ''}"
    )
    for r in d["link_reasons"]:
        click.echo(f"  - {r}")
    if d["auto_reply"] != "none":
        click.echo(f"Machine-generated: {d['auto_reply']} ({d['auto_reply_reason']})")
    for a in d["attachments"]:
        click.echo(f"Attachment: {a['filename']} ({a['content_type']}, {a['size']} bytes)")
    click.echo("\n" + d["new_text"])
    if d["translated_text"]:
        click.echo("\n--- translation ---\n" + d["translated_text"])


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
        try:
            refile(app, message_pk, customer_code, order_no, actor)
        except LookupError as exc:
            fail(str(exc), 3)
    click.echo(f"message {message_pk} filed under {customer_code} {order_no or ''}".rstrip())


@messages.command("reclassify")
@click.argument("message_pk", type=int)
@click.argument("intent", type=click.Choice(["inquiry", "order", "complaint", "payment", "other"]))
@click.option("--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER")
@click.pass_context
def messages_reclassify(ctx: click.Context, message_pk: int, intent: str, actor: str) -> None:
    from mailagent.messages.service import reclassify

    with cli_app(ctx, with_model=False) as app:
        try:
            reclassify(app, message_pk, intent, actor)
        except LookupError as exc:
            fail(str(exc), 3)
    click.echo(f"message {message_pk} is now {intent}")


# ---- config --------------------------------------------------------------------------------


@cli.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the configuration and print the effective settings (no secrets)."""
    settings = ctx.obj.settings()
    click.echo(f"configuration OK ({settings.source_path or 'defaults'})")
    for name, _help in config.iter_settings():
        click.echo(f"  {name}")


def _register() -> None:
    from mailagent.cli.drafts import drafts
    from mailagent.cli.reports import report, sla
    from mailagent.cli.translate import translate
    from mailagent.cli.web import users, web

    cli.add_command(translate)
    cli.add_command(drafts)
    cli.add_command(web)
    cli.add_command(users)
    cli.add_command(sla)
    cli.add_command(report)


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="mailagent", standalone_mode=True)
    except ImportDataError as exc:
        fail(str(exc), 1)
    except ConfigError as exc:
        fail(str(exc), 2)
    except MailagentError as exc:
        fail(str(exc), 1)
