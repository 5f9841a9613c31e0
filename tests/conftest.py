"""Shared pytest fixtures. Server logic lives in ``tests/servers.py``; keep this file thin.

Real servers are started once per session and only when a test asks for them. Outside CI a
missing server binary skips the tests that need it; under CI (``CI=true``) it is an error.
Add new fixtures in their own section at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.dbtemplate import MIGRATED_PG_TEMPLATE, copy_migrated_sqlite, migrate
from support.servers import Dovecot, Postgres, start_or_skip, unique_name

# -- Dovecot (IMAP) -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the whole session; use a fresh ``imap_user`` per test."""
    server = start_or_skip(lambda: Dovecot().start())
    yield server
    server.stop()


@pytest.fixture
def imap_user(request: pytest.FixtureRequest) -> str:
    """A new user name: an empty mailbox on ``dovecot`` (any name logs in)."""
    return unique_name("u", [request.node.name]) + "@example.test"


# -- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One PostgreSQL cluster for the whole session."""
    server = start_or_skip(lambda: Postgres().start())
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres: Postgres) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    name = unique_name("t")
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def migrated_pg_template(postgres: Postgres) -> str:
    """Name of a PostgreSQL database migrated to head, the template of ``db_url``'s copies."""
    migrate(postgres.create_database(MIGRATED_PG_TEMPLATE))
    return MIGRATED_PG_TEMPLATE


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store migrated to head (a copy, see ``support.dbtemplate``); each test using
    it runs once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mailagent.db'}"
        copy_migrated_sqlite(url)
        yield url
        return
    postgres: Postgres = request.getfixturevalue("postgres")
    name = unique_name("t")
    yield postgres.create_database(name, request.getfixturevalue("migrated_pg_template"))
    postgres.drop_database(name)


# -- SMTP (aiosmtpd, STARTTLS + AUTH, forwarding to Dovecot LMTP) ---------------------------------


@pytest.fixture(scope="session")
def smtpd_server(dovecot: Dovecot) -> Iterator[object]:
    """One aiosmtpd (``servers.Smtpd``) for the session; accepted mail lands in Dovecot."""
    from support.servers import Smtpd

    server = Smtpd(lmtp_port=dovecot.lmtp_port).start()
    yield server
    server.stop()


@pytest.fixture
def smtpd(smtpd_server: object) -> object:
    """The session's ``servers.Smtpd`` with no recorded mail and no scripted answers."""
    smtpd_server.reset()  # type: ignore[attr-defined]
    return smtpd_server
