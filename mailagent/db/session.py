"""Engine and session factory from StoreSettings, plus schema migration (Alembic).

SQLite gets WAL mode, foreign keys and a busy timeout so the daemon, the CLI and the web UI
can share one file; PostgreSQL is used as is.

SQLite transactions follow SQLAlchemy's documented pysqlite recipe: the driver's own
transaction handling is switched off (``isolation_level = None``) and the engine's
``begin`` event emits the ``BEGIN`` itself. Without it a SAVEPOINT opened before the first
write started a transaction of its own whose RELEASE committed, so an outer rollback left
the savepoint's rows behind. The ``BEGIN`` is ``IMMEDIATE``: the transaction takes the
write lock when it starts (waiting up to the busy timeout), because a transaction that
read first and writes later cannot wait for the lock on a WAL database (SQLITE_BUSY_SNAPSHOT
fails at once, "database is locked"). A connection used only for reading may ask for a
deferred ``BEGIN`` with the execution option ``sqlite_begin="DEFERRED"``.

A writing ``BEGIN`` first tries to take the lock without waiting; only when it is taken
does the connection announce itself in :mod:`mailagent.db.lockwait` while it waits, so a
long-running writer (the triage worker) pauses between its transactions exactly when
someone waits, and not otherwise.

``upgrade(engine)`` brings the schema to the newest Alembic revision and is run at
start-up by every command that opens the store.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mailagent.db import lockwait

__all__ = [
    "SCHEMA_LOCK_ID",
    "alembic_config",
    "make_engine",
    "schema_lock",
    "session_factory",
    "transaction",
    "upgrade",
]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BEGIN_MODES = ("IMMEDIATE", "DEFERRED", "EXCLUSIVE")
BUSY_TIMEOUT_MS = 30_000
SCHEMA_LOCK_ID = 7_262_471_101  # arbitrary, constant: pg_advisory_xact_lock key


def schema_lock(conn: Connection) -> None:
    """Serialise schema changes of several daemons starting at once on one PostgreSQL
    database (held until ``conn``'s transaction ends); SQLite's IMMEDIATE begin already
    serialises them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_ID})"))


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; for SQLite create the parent directory and set pragmas."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", partial(_sqlite_begin, lockwait.wait_dir(parsed.database)))
        return engine
    kwargs["pool_pre_ping"] = True
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # the driver never BEGINs or COMMITs on its own
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _sqlite_begin(waiters: Path | None, conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    if mode not in SQLITE_BEGIN_MODES:
        raise ValueError(f"sqlite_begin must be one of {SQLITE_BEGIN_MODES}, not {mode!r}")
    if mode == "DEFERRED" or waiters is None:
        conn.exec_driver_sql(f"BEGIN {mode}")
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute(f"BEGIN {mode}")
        return
    except sqlite3.OperationalError:  # the lock is taken: wait for it, announced
        pass
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    with lockwait.waiting(waiters):
        conn.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any exception."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)
