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
@click.option("--no-speed", is_flag=True, help="Do not load the models to measure their speed.")
@click.pass_context
def models(ctx: click.Context, no_speed: bool) -> None:
    """List every installed language pair with its engine, size and speed."""
    from mailagent.translation.engines import build_router, format_installed

    settings = _settings(ctx)
    click.echo(format_installed(settings, build_router(settings), measure=not no_speed))


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
    from mailagent.translation.backlog import requeue
    from mailagent.translation.inbound import build
    from mailagent.translation.models import cli_install

    settings = _settings(ctx)
    click.echo(
        cli_install(
            from_code, to_code, settings.translation.models_dir, file=file, index_url=index_url
        )
    )
    app = open_app(settings, with_model=False)
    try:
        n = requeue(build(settings, app.sessions)[0])
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
    from mailagent.translation.inbound import build, run_queue

    settings = _settings(ctx)
    app = open_app(settings, with_model=False)
    try:
        result = run_queue(*build(settings, app.sessions), limit=limit)
    finally:
        app.close()
    click.echo(f"{result.translated} message(s) translated, {result.failed} failed")
    for (a, b), n in sorted(result.missing.items()):
        click.echo(f"no model for {a}→{b} ({n} message(s)): mailagent translate install {a} {b}")
