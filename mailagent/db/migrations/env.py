"""Alembic environment: uses the engine handed over in ``config.attributes``.

On PostgreSQL the migration runs under an advisory lock, so several daemons starting at
once against one database migrate it exactly once (the others wait, then find it at head).
APScheduler owns its ``apscheduler_jobs`` table and the search index (``message_search*``,
migration 0014) is raw SQL, so autogenerate ignores both.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine

from mailagent.db.models import Base
from mailagent.db.session import schema_lock


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    ours = name != "apscheduler_jobs" and not (name or "").startswith("message_search")
    return type_ != "table" or ours  # the search index (0014) is raw SQL, not in the models


def _sqlite_foreign_keys(connection: Any, on: bool) -> None:
    """SQLite rebuilds a table to change it (``batch_alter_table``): with foreign keys on, that
    fails (or cascades) as soon as other rows reference the old table, so migrations run with
    them off (Alembic's documented recipe). The pragma is a no-op inside a transaction, so it
    is sent on the driver connection before SQLAlchemy begins one."""
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.execute(
            f"PRAGMA foreign_keys={'ON' if on else 'OFF'}"
        )


engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    _sqlite_foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        schema_lock(connection)
        context.run_migrations()
    connection.commit()
    _sqlite_foreign_keys(connection, on=True)
