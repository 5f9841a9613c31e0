"""``mailagent messages junk|notjunk|phishing|archive|ack-fraud|fraud`` and the relevance
lines of ``messages show``: the relevance gate's corrections, the moves they make on the mail
server (``followups.mirror_moves``) and fraud warnings."""

from __future__ import annotations

import os

import click

from mailagent.cli.common import cli_app, fail
from mailagent.errors import NotFound
from mailagent.messages.relevance import RelevanceView

__all__ = ["add_commands", "echo_relevance"]

_ACTOR = click.option(
    "--as", "actor", default=lambda: os.environ.get("USER", "cli"), show_default="$USER"
)


def echo_relevance(rv: RelevanceView) -> None:
    """Print the gate's decision, its reasons and the fraud warnings of one message."""
    manual = " (corrected by hand)" if rv.manual else ""
    click.echo(f"Relevance: {rv.relevance or '-'}{manual}  disposition: {rv.disposition}")
    for reason in rv.reasons:
        click.echo(f"  - {reason}")
    for flag in rv.fraud:
        state = (
            "acknowledged"
            if rv.ack_at
            else "HELD: NEEDS A SUPERVISOR"
            if flag.get("needs_ack")
            else "check before acting"
        )
        click.secho(f"FRAUD WARNING [{flag.get('kind')}] ({state}): {flag.get('reason')}", fg="red")
    if rv.ack_at:
        click.echo(f"  fraud warnings acknowledged by {rv.ack_by} at {rv.ack_at:%Y-%m-%d %H:%M}")
    if rv.server_move:
        state, folder, reason = rv.server_move
        click.echo(f"On the mail server: {state} (to {folder}) {reason}".rstrip())


def _correction(action: str, help_text: str) -> click.Command:
    @click.command(action, help=help_text)
    @click.argument("message_pk", type=int)
    @_ACTOR
    @click.pass_context
    def command(ctx: click.Context, message_pk: int, actor: str) -> None:
        from mailagent.messages.relevance import RelevanceError, correct

        with cli_app(ctx) as app:
            try:
                value = correct(app, message_pk, action, actor)
            except NotFound as exc:
                fail(str(exc), 3)
            except RelevanceError as exc:
                fail(str(exc))
        click.echo(f"message {message_pk} is now {value.value} (kept on re-triage)")
        if app.settings.followups.mirror_moves:
            click.echo("  the move on the mail server is queued (done by the daemon)")

    return command


@click.command("archive")
@click.argument("message_pk", type=int)
@_ACTOR
@click.pass_context
def archive_cmd(ctx: click.Context, message_pk: int, actor: str) -> None:
    """Move a message to the archive folder on its IMAP server (followups.mirror_moves)."""
    from mailagent.messages.relevance import RelevanceError, archive

    with cli_app(ctx, with_model=False) as app:
        try:
            folder = archive(app, message_pk, actor)
        except NotFound as exc:
            fail(str(exc), 3)
        except RelevanceError as exc:
            fail(str(exc))
    click.echo(f"message {message_pk}: the move to {folder} is queued (done by the daemon)")


@click.command("ack-fraud")
@click.argument("message_pk", type=int)
@click.option("--note", default="", help="How it was checked (e.g. 'confirmed by phone').")
@_ACTOR
@click.pass_context
def ack_fraud(ctx: click.Context, message_pk: int, note: str, actor: str) -> None:
    """A supervisor acknowledges a message's fraud warnings (releases a held message)."""
    from mailagent.messages.relevance import RelevanceError, acknowledge_fraud

    with cli_app(ctx, with_model=False) as app:  # releases drafts; classifies nothing
        try:
            acknowledge_fraud(app, message_pk, actor, note)
        except NotFound as exc:
            fail(str(exc), 3)
        except RelevanceError as exc:
            fail(str(exc))
    click.echo(f"message {message_pk}: fraud warnings acknowledged by {actor}")


@click.command("fraud")
@click.option("--all", "all_", is_flag=True, help="Include acknowledged warnings.")
@click.pass_context
def fraud(ctx: click.Context, all_: bool) -> None:
    """Messages with fraud warnings (unacknowledged ones by default)."""
    from mailagent.messages.relevance import fraud_warnings

    with cli_app(ctx, with_model=False) as app:
        rows = fraud_warnings(app, open_only=not all_)
    if not rows:
        click.echo("no fraud warnings")
    for w in rows:
        click.secho(
            f"{w.message_pk:>5} {w.received_at:%Y-%m-%d %H:%M} {', '.join(w.kinds)}  "
            f"{w.from_email}  {w.subject[:50]}",
            fg="red",
        )
        for reason in w.reasons:
            click.echo(f"        {reason}")


def add_commands(group: click.Group) -> None:
    group.add_command(_correction("junk", "Mark a message as junk (spam); kept on re-triage."))
    group.add_command(
        _correction("notjunk", "Mark a message as customer mail; drafts and SLA follow.")
    )
    group.add_command(_correction("phishing", "Report a message as phishing."))
    group.add_command(archive_cmd)
    group.add_command(ack_fraud)
    group.add_command(fraud)
