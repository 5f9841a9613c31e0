"""Command-line entry point: parses options, builds Settings and the App, calls services and
formats their results. The only place that turns errors into exit codes.

Exit codes: 0 ok, 1 operation failed (e.g. quarantined on reprocess), 2 configuration or
usage error, 3 not found.
"""

from __future__ import annotations

import dataclasses
import os
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

    def path(self) -> str | None:
        path = self.config_path or os.environ.get("MAILAGENT_CONFIG")
        if path is None and Path("config.toml").exists():
            path = "config.toml"
        return path

    def settings(self, *, check_values: bool = True) -> config.Settings:
        settings = config.load(self.path(), check_values=check_values)
        if settings.ops.log_format != "text":
            logs.setup(self.verbose, fmt=settings.ops.log_format)
        return settings


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


def _require_secrets(settings: config.Settings) -> None:
    """A missing password is a configuration error (one line, exit 2), not a retry loop."""
    from mailagent.configcheck import missing_secrets

    missing = missing_secrets(settings)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        fail(f"{settings.source_path or 'config'}: {missing[0]}{more}", 2)


@cli.command()
@click.option(
    "--triage-workers",
    type=click.IntRange(min=0),
    default=None,
    help="Triage worker processes (default: scheduler.triage_workers, else cores - 1, "
    "at least 1; 0 triages in a thread of the daemon process).",
)
@click.pass_context
def run(ctx: click.Context, triage_workers: int | None) -> None:
    """Run the daemon: poll/IDLE every configured mailbox, housekeeping, translation."""
    from mailagent.daemon.loop import run_daemon, triage_processes

    settings = ctx.obj.settings()
    if not settings.imap.mailboxes:
        fail(f"{settings.source_path or 'config'}: imap.mailboxes: no mailbox configured")
    _require_secrets(settings)
    workers = triage_processes(settings, triage_workers)
    # with worker processes this process only captures: it never loads the intent model
    # (scikit-learn and the model are ~150 MB); each worker loads it from the cache
    with cli_app(ctx, settings, with_model=not workers) as app:
        run_daemon(app, triage_workers=workers, verbosity=ctx.obj.verbose, worker_model=True)


@cli.command("poll-once")
@click.pass_context
def poll_once(ctx: click.Context) -> None:
    """Fetch new mail from every configured mailbox once and exit."""
    import threading

    from mailagent.capture.imap import ImapSource
    from mailagent.daemon.loop import MailboxWorker

    settings = ctx.obj.settings()
    _require_secrets(settings)
    with cli_app(ctx, settings) as app:
        for mb in settings.imap.mailboxes:
            worker = MailboxWorker(app, mb, threading.Event())
            with ImapSource(mb) as source:
                n = worker.poll_once(source)
            click.echo(f"{mb.name}: {n} message(s) fetched")


# ---- rules, db ----------------------------------------------------------------


@cli.group()
def rules() -> None:
    """Classification and SLA rules (rules/*.toml)."""


@rules.command("check")
@click.pass_context
def rules_check(ctx: click.Context) -> None:
    """Load and validate the rules exactly as the daemon does."""
    from mailagent.drafts.asks import check as asks_check
    from mailagent.sla import policies as slarules
    from mailagent.triage.rules import relevance
    from mailagent.triage.rules.ruleset import check

    rules_dir = Path(ctx.obj.settings().rules_dir)
    from mailagent.followups import rules as followuprules

    for line in [
        *check(rules_dir),
        *slarules.check(rules_dir),
        *relevance.check(rules_dir),
        *followuprules.check(rules_dir),
        *asks_check(rules_dir),
    ]:
        click.echo(line)


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--dry-run", is_flag=True, help="Print the migration plan; change nothing.")
@click.pass_context
def db_upgrade(ctx: click.Context, dry_run: bool) -> None:
    """Migrate the database schema to the newest revision (back up first: mailagent backup)."""
    if dry_run:
        from mailagent.cli.ops import print_upgrade_plan

        print_upgrade_plan(ctx)
        return
    with cli_app(ctx, with_model=False, create_store=True) as app:
        click.echo(f"database at head: {app.engine.url.render_as_string(hide_password=True)}")


# ---- config --------------------------------------------------------------------------------


@cli.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("check")
@click.option(
    "--connect", is_flag=True, help="Also log in to every IMAP mailbox and to the SMTP server."
)
@click.pass_context
def config_check(ctx: click.Context, connect: bool) -> None:
    """Validate the configuration and print the effective settings (secrets masked).

    Checks types and values (ports, time zone, database URL, transport security, addresses),
    paths that must exist and secrets that must be set; exits 2 when anything is wrong.
    """
    from mailagent import configcheck
    from mailagent.cli.connect import connect_problems

    settings = ctx.obj.settings(check_values=False)
    where = settings.source_path or "defaults"
    problems = [
        *configcheck.value_problems(settings),
        *configcheck.path_problems(settings),
        *configcheck.missing_secrets(settings),
    ]
    for line in configcheck.effective_lines(settings):
        click.echo(f"  {line}")
    if connect and not problems:
        for what, problem in connect_problems(settings):
            click.echo(f"{what}: {'OK' if problem is None else problem}")
            if problem is not None:
                problems.append(f"{what}: {problem}")
    if problems:
        for problem in problems:
            click.secho(f"{where}: {problem}", fg="red", err=True)
        fail(f"configuration has {len(problems)} problem(s)", 2)
    click.echo(f"configuration OK ({where})")


def _register() -> None:
    from mailagent.cli.customers import customers
    from mailagent.cli.demo import demo
    from mailagent.cli.drafts import drafts
    from mailagent.cli.followups import followups, greetings, orders, payments
    from mailagent.cli.mail import import_, messages, quarantine, reprocess, triage
    from mailagent.cli.ops import OPS_COMMANDS
    from mailagent.cli.relevance import add_commands as add_relevance_commands
    from mailagent.cli.reports import report, sla
    from mailagent.cli.threads import threads
    from mailagent.cli.translate import translate
    from mailagent.cli.web import users, web

    add_relevance_commands(messages)
    for command in (import_, demo, quarantine, reprocess, triage, customers, messages):
        cli.add_command(command)
    cli.add_command(translate)
    cli.add_command(drafts)
    cli.add_command(web)
    cli.add_command(users)
    cli.add_command(sla)
    cli.add_command(threads)
    cli.add_command(report)
    for group in (followups, payments, orders, greetings):
        cli.add_command(group)
    for command in OPS_COMMANDS:
        cli.add_command(command)


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
