"""Operator commands: ``status``, ``backup``, ``restore``, ``verify``, ``retention`` and
``mailbox authorize``. Thin: they call :mod:`mailagent.ops` and print the outcome.
"""

from __future__ import annotations

from pathlib import Path

import click

from mailagent.cli.common import cli_app, fail, store_app

__all__ = [
    "OPS_COMMANDS",
    "backup",
    "print_upgrade_plan",
    "restore",
    "retention",
    "status",
    "verify",
]


@click.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Readiness checks and metrics, as /readyz and /metrics see them (exit 1 if unhealthy)."""
    from mailagent.ops.health import readiness
    from mailagent.ops.metrics import StoreCollector

    with store_app(ctx) as app:
        ready = readiness(app)
        click.echo(f"status: {'ok' if ready.ok else 'UNHEALTHY'}")
        for check in ready.checks:
            mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
            click.echo(f"  {mark} {check.name}: {check.detail}")
        click.echo("metrics:")
        for family in StoreCollector(app).collect():
            if family.type == "histogram":
                samples = {s.name: s.value for s in family.samples}
                n = samples.get(f"{family.name}_count", 0)
                mean = samples.get(f"{family.name}_sum", 0) / n if n else 0
                click.echo(f"  {family.name}: {n:.0f} observed, mean {mean:.1f} s")
                continue
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                click.echo(
                    f"  {sample.name}{'{' + labels + '}' if labels else ''} {sample.value:g}"
                )
    if not ready.ok:
        ctx.exit(1)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, dest: Path) -> None:
    """Back up the database and the raw/attachment store into the new directory DEST.

    Safe while daemons run: the database is copied as one consistent snapshot.
    """
    from mailagent.ops.backup import backup as make_backup

    with store_app(ctx) as app:
        manifest = make_backup(app, dest)
    counts = manifest.counts
    click.echo(
        f"backup in {dest}: {counts.get('messages', 0)} messages, "
        f"{manifest.blob_count('raw')} raw and {manifest.blob_count('attachments')} "
        f"attachment blobs, schema {manifest.data['schema_revision']}"
    )
    if manifest.missing:
        fail(f"{len(manifest.missing)} referenced blob(s) were missing in the store", 1)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, src: Path) -> None:
    """Restore the backup SRC into an empty store (database and blobs), then migrate it."""
    from mailagent.ops.backup import restore as do_restore

    # restoring is making a store, like `db upgrade`: the SQLite file may not exist yet
    with cli_app(ctx, migrate=False, with_model=False, create_store=True) as app:
        manifest = do_restore(app, src)
    click.echo(
        f"restored {manifest.counts.get('messages', 0)} messages from {src}; "
        f"run  mailagent verify --manifest {src / 'manifest.json'}  to check it"
    )


@click.command("verify")
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A backup's manifest.json: also compare the table counts with it.",
)
@click.pass_context
def verify(ctx: click.Context, manifest_path: Path | None) -> None:
    """Check that every message's raw mail and every attachment is there, unaltered."""
    from mailagent.ops.backup import load_manifest
    from mailagent.ops.verify import verify as run_verify

    manifest = load_manifest(manifest_path.parent) if manifest_path else None
    with store_app(ctx) as app:
        report = run_verify(app, manifest)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        ctx.exit(1)


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.pass_context
def retention(ctx: click.Context, dry_run: bool) -> None:
    """Delete the raw mail of old junk/bulk/auto-replies as configured in [ops] retention_*."""
    from mailagent.ops.retention import apply_retention

    with store_app(ctx) as app:
        ops = app.settings.ops
        if ops.retention_days <= 0:
            click.echo("retention is off (ops.retention_days = 0): nothing is ever deleted")
            return
        report = apply_retention(app, app.clock(), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} the raw mail of {len(report.purges)} message(s), {report.bytes} bytes "
        f"(received before {report.cutoff:%Y-%m-%d})"
    )
    for purge in report.purges[:100]:
        click.echo(f"  {purge.message_pk} {purge.message_id}: {purge.reason}")


@click.group("mailbox")
def mailbox() -> None:
    """Configured IMAP mailboxes."""


@mailbox.command("authorize")
@click.argument("name")
@click.option(
    "--browser/--device",
    default=None,
    help="Sign in through a browser and a loopback redirect (default for Google), or with "
    "a device code typed on any device (default otherwise).",
)
@click.pass_context
def mailbox_authorize(ctx: click.Context, name: str, browser: bool | None) -> None:
    """Sign mailbox NAME in with OAuth2 once and store its refresh token."""
    from mailagent.capture.oauth2 import DeviceCode, device_flow
    from mailagent.capture.oauth2_browser import browser_flow

    settings = ctx.obj.settings()
    boxes = {mb.name: mb for mb in settings.imap.mailboxes}
    if name not in boxes:
        fail(f"no mailbox named {name!r} (configured: {', '.join(boxes) or 'none'})", 3)
    mb = boxes[name]
    if not mb.oauth_provider:
        fail(f'imap mailbox {name}: set auth = "xoauth2" and oauth_provider first')

    if browser or (browser is None and mb.oauth_provider == "google"):

        def open_url(url: str) -> None:
            port = url.split("redirect_uri=http%3A%2F%2F127.0.0.1%3A", 1)[-1].split("%2F")[0]
            click.echo(f"Open this address in a browser and sign in as {mb.username or name}:")
            click.echo(f"  {url}")
            click.echo(f"(on a server: first  ssh -L {port}:127.0.0.1:{port}  from your PC)")
            click.echo("Waiting for the sign-in ...")

        path = browser_flow(mb, open_url)
        click.echo(f"authorized: refresh token saved to {path} (mode 0600)")
        return

    def show(code: DeviceCode) -> None:
        click.echo(f"To sign in {mb.username or name}, open {code.verification_uri}")
        click.echo(f"and enter the code  {code.user_code}  (valid {code.expires_in // 60} min).")
        click.echo("Waiting for the approval ...")

    path = device_flow(mb, show)
    click.echo(f"authorized: refresh token saved to {path} (mode 0600)")


def print_upgrade_plan(ctx: click.Context) -> None:
    """``mailagent db upgrade --dry-run``: the current revision and the pending migrations."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from mailagent.config import database_url
    from mailagent.db.session import make_engine
    from mailagent.ops.upgrade import plan

    url = make_url(database_url(ctx.obj.settings().store))
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        # nothing to open yet (and a dry run creates nothing): the plan from an empty store
        click.echo(f"database: {url} (not created yet: mailagent db upgrade creates it)")
        current, steps = plan(make_engine("sqlite://"))
    else:
        with cli_app(ctx, migrate=False, with_model=False) as app:
            current, steps = plan(app.engine)
            where = app.engine.url.render_as_string(hide_password=True)
        click.echo(f"database: {where}")
    click.echo(f"current revision: {current or '(empty database)'}")
    if not steps:
        click.echo("up to date: nothing to do")
        return
    click.echo(f"{len(steps)} migration(s) to apply, in this order:")
    for step in steps:
        click.echo(f"  {step.down_revision or '(base)'} -> {step.revision}: {step.title}")


OPS_COMMANDS: tuple[click.Command, ...] = (status, backup, restore, verify, retention, mailbox)
