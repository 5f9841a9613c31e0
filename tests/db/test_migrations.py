"""Every schema revision, filled with data, migrates forward to head (SQLite and PostgreSQL),
keeps its rows, and ends exactly at the models' schema.

One walk per database: at each revision, oldest first, every table gets one more row, then
the next migration runs over all of them. So each migration meets rows written at every
revision before it, and the last one (head) is crossed with data from all of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
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
    """A sample value for row ``n`` (distinct per row where a unique key could need it)."""
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
        return n
    if isinstance(kind, JSON):
        return []
    if isinstance(kind, String | Text):
        text = f"{column.table.name[:6]}{column.name[:10]}{n}"
        if column.name.endswith("sha256"):
            text = f"{n:064x}"
        length = getattr(kind, "length", None)
        return text[:length] if length else text
    raise AssertionError(f"no sample value for {column.table.name}.{column.name}: {kind!r}")


def _ours(name: str | None) -> bool:
    """Tables the models describe: not APScheduler's, not the search index (raw SQL)."""
    return name != "apscheduler_jobs" and not (name or "").startswith(
        ("message_search", "message_words")
    )


def fill(engine: Engine, n: int) -> set[str]:
    """One more row in every table; foreign keys point at the newest row of their table."""
    meta = MetaData()
    meta.reflect(engine)
    filled: set[str] = set()
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version" or not _ours(table.name):
                continue  # the search index is the triggers' to fill
            row = {}
            for c in table.columns:
                fk = next(iter(c.foreign_keys), None)
                if c.primary_key and isinstance(c.type, Integer) and fk is None:
                    continue  # the database numbers it
                if fk is None:
                    row[c.name] = value(c, n)
                    continue
                target = fk.column
                newest = conn.scalar(select(func.max(target)))
                row[c.name] = newest if newest is not None else value(c, n)
            conn.execute(table.insert().values(**row))
            filled.add(table.name)
    return filled


def test_head_is_the_search_rebuild() -> None:
    """0017 rebuilds the search triggers over every earlier table: it must stay last."""
    assert revisions()[-1] == "0017_search2"
    assert len(revisions()) >= 16


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no schema at all (SQLite file, or a new PostgreSQL database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mailagent.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def test_forward_through_every_revision_with_data(empty_store_url: str) -> None:
    engine = make_engine(empty_store_url)
    every = revisions()
    rows: dict[str, int] = {}
    try:
        for n, revision in enumerate(every, start=1):
            upgrade(engine, revision)
            current, steps = plan(engine)
            assert current == revision
            assert [s.revision for s in steps] == every[n:]  # the plan: the rest, in order
            for name in fill(engine, n):
                rows[name] = rows.get(name, 0) + 1
        assert plan(engine)[1] == []
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for name, count in rows.items():
                assert conn.scalar(select(func.count()).select_from(meta.tables[name])) == count
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"include_name": lambda name, _type, _p: _ours(name)}
                ),
                Base.metadata,
            )
        assert diff == [], diff
        assert rows["messages"] == len(every)  # a message written at the first revision on
    finally:
        engine.dispose()
