"""Every released schema revision, filled with data, migrates forward to head (SQLite and
PostgreSQL), keeps its rows, and ends exactly at the models' schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    func,
    select,
)

from mailagent.db.models import Base
from mailagent.db.session import alembic_config, make_engine, upgrade
from mailagent.ops.upgrade import plan


def revisions() -> list[str]:
    """Every revision, oldest first (the released ones and head)."""
    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def value(column: Any, n: int) -> Any:
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 1, 2)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal("12.50")
    if isinstance(kind, Float):
        return 0.5
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, JSON):
        return []
    if isinstance(kind, String | Text):
        text = f"{column.table.name[:6]}{column.name[:10]}{n}"
        if column.name.endswith("sha256"):
            text = f"{n:064x}"
        length = getattr(kind, "length", None)
        return text[:length] if length else text
    raise AssertionError(f"no sample value for {column.table.name}.{column.name}: {kind!r}")


def fill(engine: Engine) -> dict[str, int]:
    """One row in every table, foreign keys pointing at row 1 of their table."""
    meta = MetaData()
    meta.reflect(engine)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name in ("alembic_version", "apscheduler_jobs"):
                continue
            row = {
                c.name: value(c, 1)
                for c in table.columns
                if not (c.primary_key and isinstance(c.type, Integer))
            }
            conn.execute(table.insert().values(**row))
            counts[table.name] = 1
    return counts


def _ours(name: str | None) -> bool:
    """Tables the models describe: not APScheduler's, not the search index (raw SQL)."""
    return name != "apscheduler_jobs" and not (name or "").startswith("message_search")


# the schemas released before this round (0001-0005); the newer revisions are crossed by each
RELEASED = [r for r in revisions() if r in {"0001", "0002", "0003", "0004", "0005"}]


@pytest.mark.parametrize("start", RELEASED)
def test_forward_from_every_revision_with_data(empty_db_url: str, start: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, start)
        current, steps = plan(engine)
        assert current == start
        assert steps and steps[-1].revision == revisions()[-1]
        counts = fill(engine)
        upgrade(engine)
        assert plan(engine)[1] == []
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for name, n in counts.items():
                assert conn.scalar(select(func.count()).select_from(meta.tables[name])) == n
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"include_name": lambda name, _type, _p: _ours(name)}
                ),
                Base.metadata,
            )
        assert diff == [], diff
    finally:
        engine.dispose()
