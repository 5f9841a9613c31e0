"""``mailagent demo``: the bundled demo mailbox and archive in a scratch store, then the web UI."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import click

from mailagent.cli.common import cli_app


@click.command()
@click.option("--fresh", is_flag=True, help="Delete the previous demo store first.")
@click.option("--no-ui", is_flag=True, help="Only ingest and report; do not start the web UI.")
@click.option(
    "--store",
    "store_dir",
    default="store/demo",
    show_default=True,
    help="Where the demo database and files go.",
)
@click.option("--host", default=None, help="Web UI listen address (default: web.host).")
@click.option(
    "--port",
    type=int,
    default=None,
    help="Web UI port (default: web.port, or any free port if that is taken; 0 = any).",
)
@click.pass_context
def demo(
    ctx: click.Context,
    fresh: bool,
    no_ui: bool,
    store_dir: str,
    host: str | None,
    port: int | None,
) -> None:
    """Ingest the bundled demo mailbox and customer archive into SQLite, and report.

    Writes STORE/config.toml for the demo store, so every other command can open it.
    """
    from mailagent.demo import run as demo_pkg
    from mailagent.demo.configfile import write_config

    if fresh and Path(store_dir).exists():
        shutil.rmtree(store_dir)
    from mailagent.demo.sink import DemoSink

    sink = DemoSink(Path(store_dir) / "sent-mail").start()
    settings = demo_pkg.demo_settings(ctx.obj.settings(), str(Path(store_dir).resolve()), sink.port)
    config_path = write_config(
        settings,
        Path(store_dir) / "config.toml",
        "Written by `mailagent demo`: the settings of the demo store.\n"
        "Use it with: mailagent --config <this file> messages list",
    )
    with cli_app(ctx, settings, create_store=True) as app:
        click.echo(demo_pkg.run_demo(app))
        click.echo(
            f"\nsending: the demo delivers approved replies to a local sink it started on "
            f"127.0.0.1:{sink.port}; each message is kept in {sink.directory}/ and nothing "
            "leaves this machine"
        )
        click.echo(f"next: mailagent --config {shlex.quote(str(config_path))} messages list")
        if not no_ui:
            from mailagent.demo.web import start_demo_ui, wait_forever

            url, login, password, note = start_demo_ui(app, port=port, host=host)
            click.echo(
                f"\nweb UI: {url}  [{note}]\n"
                f"  log in as {login} (supervisor), lily.chen@huaxin-pcb.com /"
                " kevin.wang@huaxin-pcb.com (sales), admin@huaxin-pcb.com (admin)\n"
                f"  password (all demo users): {password}\n"
                f"  inbox of conversations (threads, owners, snooze, time left; keys "
                f"j/k/r/a/e): {url.rstrip('/')}/inbox\n  Ctrl-C stops the web UI"
            )
            wait_forever()
