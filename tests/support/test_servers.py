"""Sanity checks of the shared server fixtures (PostgreSQL, db_url, Dovecot helpers)."""

from __future__ import annotations

import imaplib
import socket

import pytest
import sqlalchemy as sa
from support.servers import Dovecot, Postgres, free_port, wait_port


@pytest.mark.postgres
def test_pg_url_is_a_fresh_database_owned_by_the_app_role(pg_url: str, postgres: Postgres) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            assert conn.execute(sa.text("SELECT current_user")).scalar_one() == "mailagent"
            assert conn.execute(sa.text("SHOW fsync")).scalar_one() == "off"
            conn.execute(sa.text("CREATE TABLE probe (id integer PRIMARY KEY)"))
    finally:
        engine.dispose()
    # the template stays untouched, so the next test's database is empty again
    template = sa.create_engine(postgres.url)
    try:
        with template.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        template.dispose()


@pytest.mark.postgres
def test_dropped_database_is_gone(postgres: Postgres) -> None:
    url = postgres.create_database("t_drop_probe")
    engine = sa.create_engine(url)
    conn = engine.connect()  # left open on purpose: the drop must still work (FORCE)
    conn.execute(sa.text("SELECT 1"))
    postgres.drop_database("t_drop_probe")
    conn.invalidate()
    engine.dispose()
    with pytest.raises(sa.exc.OperationalError, match="t_drop_probe"):
        sa.create_engine(url).connect()


def test_db_url_is_connectable_and_writable(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (id integer PRIMARY KEY, note text)"))
            conn.execute(sa.text("INSERT INTO probe (id, note) VALUES (1, 'ok')"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT note FROM probe")).scalar_one() == "ok"
        assert engine.dialect.name in ("sqlite", "postgresql")
    finally:
        engine.dispose()


def test_wait_port_times_out_on_a_closed_port() -> None:
    with pytest.raises(TimeoutError):
        wait_port(free_port(), timeout=0.2)


@pytest.mark.dovecot
def test_dovecot_seeded_and_lmtp_mail_is_visible_over_imap(
    dovecot: Dovecot, imap_user: str
) -> None:
    dovecot.seed_maildir(imap_user, [b"Subject: seeded\r\n\r\nhi\r\n"] * 3)
    dovecot.deliver_lmtp(imap_user, b"Subject: via lmtp\r\n\r\nhi\r\n")
    imap = imaplib.IMAP4("127.0.0.1", dovecot.imap_port)
    try:
        imap.login(imap_user, dovecot.password)
        typ, data = imap.select("INBOX", readonly=True)
        assert typ == "OK" and data == [b"4"]
    finally:
        imap.logout()
    assert (
        len(list((dovecot.maildir(imap_user) / "cur").iterdir()))
        + len(list((dovecot.maildir(imap_user) / "new").iterdir()))
        == 4
    )
    with (
        socket.create_connection(("127.0.0.1", dovecot.imaps_port), 2) as raw,
        dovecot.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.recv(100).startswith(b"* OK")  # IMAPS cert verifies for the IP SAN too
