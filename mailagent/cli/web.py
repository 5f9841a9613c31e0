"""CLI commands of the web UI: ``mailagent web`` (serve it) and ``mailagent users ...``.

Registered on the main group by ``cli.py``. Like every command they only parse options, call
the use cases (``mailagent.web.users``, ``mailagent.web.app``) and print results; errors are
turned into exit codes by ``cli.main``.
"""

from __future__ import annotations

from pathlib import Path

import click

from mailagent.cli.common import fail, store_app
from mailagent.web.users import (
    LANGUAGES,
    ROLES,
    UserError,
    create_user,
    list_users,
    set_password,
    update_user,
)

__all__ = ["users", "web"]


@click.command("web")
@click.option("--host", default=None, help="Listen address (default: web.host).")
@click.option("--port", type=int, default=None, help="Port (default: web.port; 0 = any free port).")
@click.pass_context
def web(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the web UI (Ctrl-C stops it)."""
    from mailagent.web.app import create_app
    from mailagent.web.server import UiServer, bind_explained
    from mailagent.web.users import count_users

    with store_app(ctx) as app:
        settings = app.settings.web
        sock, note = bind_explained(
            host or settings.host,
            settings.port if port is None else port,
            source="--port" if port is not None else "web.port",
            fallback=False,
        )
        server = UiServer(create_app(app), sock, log_level="info")
        click.echo(f"web UI on {server.url} [{note}] (Ctrl-C to stop)")
        if count_users(app) == 0:
            click.echo("no users yet: add one with  mailagent users add EMAIL --role admin")
        server.run()


@click.group("users")
def users() -> None:
    """Web UI users (roles: sales, supervisor, admin)."""


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        return password_file.read_text(encoding="utf-8").strip()
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default="zh", show_default=True)
@click.option("--name", "display_name", default="", help="Display name.")
@click.option(
    "--reads",
    default="",
    help="Languages the user reads, preferred first (e.g. zh,en); default: --lang. Mail in "
    "them is not machine-translated for this user.",
)
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the password from this file (default: prompt).",
)
@click.pass_context
def users_add(
    ctx: click.Context,
    email: str,
    role: str,
    language: str,
    display_name: str,
    reads: str,
    password_file: Path | None,
) -> None:
    """Add a web UI user."""
    password = _read_password(password_file)
    with store_app(ctx) as app:
        try:
            user = create_user(
                app, email, password, role=role, language=language, display_name=display_name,
                actor="cli", reads=reads,
            )  # fmt: skip
        except UserError as exc:
            fail(str(exc))
            return
    click.echo(
        f"user {user.email} added ({user.role}, {user.language}, reads {','.join(user.reads)})"
    )


@users.command("reads")
@click.argument("email")
@click.argument("languages")
@click.pass_context
def users_reads(ctx: click.Context, email: str, languages: str) -> None:
    """Set the languages EMAIL reads, preferred first (e.g. zh,en)."""
    with store_app(ctx) as app:
        match = [u for u in list_users(app) if u.email == email.strip().lower()]
        if not match:
            fail(f"no user {email}", 3)
            return
        try:
            user = update_user(app, match[0].id, actor="cli", reads=languages)
        except UserError as exc:
            fail(str(exc))
            return
    click.echo(f"{user.email} reads {','.join(user.reads)}")


@users.command("password")
@click.argument("email")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the new password from this file (default: prompt).",
)
@click.pass_context
def users_password(ctx: click.Context, email: str, password_file: Path | None) -> None:
    """Set a user's password (this also ends their open sessions)."""
    with store_app(ctx) as app:
        match = [u for u in list_users(app) if u.email == email.strip().lower()]
        if not match:
            fail(f"no user {email}", 3)
            return
        try:
            set_password(app, match[0].id, _read_password(password_file), actor="cli")
        except UserError as exc:
            fail(str(exc))
            return
    click.echo(f"password of {match[0].email} changed")


@users.command("unlock")
@click.argument("email", required=False)
@click.option("--address", default=None, help="Also lift the limits of this client address.")
@click.pass_context
def users_unlock(ctx: click.Context, email: str | None, address: str | None) -> None:
    """Lift the log-in lock of an account (from every address) and/or of a client address."""
    from mailagent.web.throttle import unlock

    if not email and not address:
        fail("give an EMAIL, --address IP, or both", 2)
        return
    with store_app(ctx) as app:
        removed = unlock(app, email=email, address=address)
    what = " and ".join(x for x in (email, address and f"address {address}") if x)
    click.echo(f"unlocked {what} ({removed} throttle entr{'y' if removed == 1 else 'ies'} removed)")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """List web UI users."""
    with store_app(ctx) as app:
        rows = list_users(app)
    if not rows:
        click.echo("no users")
    for u in rows:
        last = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never"
        state = "" if u.active else "  (inactive)"
        reads = ",".join(u.reads)
        click.echo(
            f"{u.email:<40} {u.role:<10} {u.language:<3} reads {reads:<9} last log-in {last}{state}"
        )
