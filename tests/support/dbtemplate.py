"""Fresh stores already migrated to head, copied instead of migrated per test.

Running every Alembic migration on a new database costs ~0.3 s of CPU on SQLite and more
on PostgreSQL; hundreds of tests start from such a store. Each test process migrates one
SQLite file and one PostgreSQL template database once, and tests get copies of them:
``shutil.copyfile`` for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL. The App
still runs ``upgrade`` on open (a no-op at head), so what a test sees is what a migrated
store is. The migrations themselves are tested from empty databases in
``tests/db/test_migrations.py``.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from mailagent.db.session import make_engine, upgrade

__all__ = ["MIGRATED_PG_TEMPLATE", "copy_migrated_sqlite", "migrate"]

MIGRATED_PG_TEMPLATE = "mailagent_head"


@functools.cache
def _migrated_sqlite() -> Path:
    path = Path(tempfile.mkdtemp(prefix="mailagent-migrated-")) / "mailagent.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(path) as conn:  # everything in the main file: it is copied alone
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_migrated_sqlite(url: str) -> bool:
    """Put a migrated store at SQLite ``url`` if nothing is there yet; True if it did."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    target = Path(parsed.database)
    if parsed.database == ":memory:" or target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrated_sqlite(), target)
    return True


def migrate(url: str) -> None:
    """Migrate the database at ``url`` to head and close every connection to it."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
