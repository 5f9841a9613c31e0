"""``mailagent demo``: the bundled demo mailbox and archive in a scratch store, then the web UI."""

from __future__ import annotations

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
@click.pass_context
def demo(ctx: click.Context, fresh: bool, no_ui: bool, store_dir: str) -> None:
    """Ingest the bundled demo mailbox and customer archive into SQLite, and report."""
    from mailagent.demo import run as demo_pkg

    if fresh and Path(store_dir).exists():
        shutil.rmtree(store_dir)
    from mailagent.demo.sink import DemoSink

    sink = DemoSink(Path(store_dir) / "sent-mail").start()
    settings = demo_pkg.demo_settings(ctx.obj.settings(), store_dir, sink.port)
    with cli_app(ctx, settings) as app:
        click.echo(demo_pkg.run_demo(app))
        click.echo(
            f"\nsending: the demo delivers approved replies to a local sink it started on "
            f"127.0.0.1:{sink.port}; each message is kept in {sink.directory}/ and nothing "
            "leaves this machine"
        )
        if not no_ui:
            from mailagent.demo.web import start_demo_ui, wait_forever

            url, login, password = start_demo_ui(app)
            click.echo(
                f"\nweb UI: {url}\n  log in as {login} (supervisor), lily.chen@huaxin-pcb.com /"
                " kevin.wang@huaxin-pcb.com (sales), admin@huaxin-pcb.com (admin)\n"
                f"  password (all demo users): {password}\n  Ctrl-C stops the web UI"
            )
            wait_forever()
