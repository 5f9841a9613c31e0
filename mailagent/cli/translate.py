"""``mailagent translate``: offline translation models and the background queue (thin)."""

from __future__ import annotations

from pathlib import Path

import click

from mailagent import config


def _settings(ctx: click.Context) -> config.Settings:
    settings: config.Settings = ctx.obj.settings()
    return settings


@click.group()
def translate() -> None:
    """Offline machine translation (Argos model packages)."""


@translate.command("models")
@click.pass_context
def models(ctx: click.Context) -> None:
    """List installed language pairs."""
    from mailagent.translation.models import cli_models

    click.echo(cli_models(_settings(ctx).translation.models_dir))


@translate.command("install")
@click.argument("from_code")
@click.argument("to_code")
@click.option(
    "--from-file",
    "file",
    type=click.Path(exists=True, path_type=Path),
    help="Install an .argosmodel file (offline).",
)
@click.option("--index-url", default=None, help="Argos package index URL (online install).")
@click.pass_context
def install(
    ctx: click.Context, from_code: str, to_code: str, file: Path | None, index_url: str | None
) -> None:
    """Install FROM→TO from the Argos index, or --from-file PATH offline."""
    from mailagent.app import open_app
    from mailagent.translation.models import cli_install
    from mailagent.translation.service import build_service

    settings = _settings(ctx)
    click.echo(
        cli_install(
            from_code, to_code, settings.translation.models_dir, file=file, index_url=index_url
        )
    )
    app = open_app(settings, with_model=False)
    try:
        n = build_service(settings, app.sessions).requeue()
    finally:
        app.close()
    if n:
        click.echo(f"{n} message(s) queued again for translation")


@translate.command("remove")
@click.argument("from_code")
@click.argument("to_code")
@click.pass_context
def remove(ctx: click.Context, from_code: str, to_code: str) -> None:
    """Remove an installed pair."""
    from mailagent.translation.models import cli_remove

    click.echo(cli_remove(from_code, to_code, _settings(ctx).translation.models_dir))


@translate.command("run")
@click.option("--limit", default=200, show_default=True)
@click.pass_context
def run_queue(ctx: click.Context, limit: int) -> None:
    """Translate queued inbound messages now (the daemon does this in the background)."""
    from mailagent.app import open_app
    from mailagent.translation.service import build_service

    app = open_app(_settings(ctx), with_model=False)
    try:
        done = 0
        if app.settings.translation.enabled:
            done = build_service(app.settings, app.sessions).run_pending(limit)
        click.echo(f"{done} message(s) translated")
    finally:
        app.close()
