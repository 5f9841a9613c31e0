"""Alembic environment: uses the engine handed over in ``config.attributes``.

On PostgreSQL the migration runs under an advisory lock, so several daemons starting at
once against one database migrate it exactly once (the others wait, then find it at head).
APScheduler owns its ``apscheduler_jobs`` table, so autogenerate ignores it.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine, text

from mailagent.db.models import Base

MIGRATION_LOCK_ID = 7_262_471_101  # arbitrary, constant: pg_advisory_xact_lock key


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    return not (type_ == "table" and name == "apscheduler_jobs")


engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
        context.run_migrations()
    connection.commit()
