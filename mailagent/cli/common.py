"""Helpers every ``mailagent`` command module shares: open the App, fail with a message."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NoReturn

import click

from mailagent import config
from mailagent.app import App, open_app
from mailagent.errors import NotFound

__all__ = ["cli_app", "fail", "store_app"]


@contextmanager
def cli_app(
    ctx: click.Context, settings: config.Settings | None = None, **kw: Any
) -> Iterator[App]:
    """The App for this command (``ctx.obj`` is ``cli.Obj``), closed when the command ends.

    Whatever the command asked for and does not exist (:class:`NotFound`) exits 3.

    An SQLite store must exist already (pass ``create_store=True`` only from ``demo`` and
    ``db upgrade``): a missing config must not silently create ``store/mailagent.db`` here.
    """
    kw.setdefault("create_store", False)
    app = open_app(settings or ctx.obj.settings(), **kw)
    try:
        yield app
    except NotFound as exc:
        fail(str(exc), 3)
    finally:
        app.close()


def store_app(ctx: click.Context) -> AbstractContextManager[App]:
    """The App without the intent model, for commands that never classify mail."""
    return cli_app(ctx, with_model=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` in red on stderr and exit with ``code``."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)
