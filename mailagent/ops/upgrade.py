"""The schema upgrade plan: which Alembic revisions ``mailagent db upgrade`` would apply.

Read-only: it opens the database only to read its current revision, and reads the
migration scripts for the rest. ``mailagent db upgrade --dry-run`` prints this plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from mailagent.db.session import alembic_config

__all__ = ["Step", "current_revision", "plan"]


@dataclass(frozen=True, slots=True)
class Step:
    revision: str
    down_revision: str | None
    title: str


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def plan(engine: Engine) -> tuple[str | None, list[Step]]:
    """The current revision and the steps (oldest first) that lead to head."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    current = current_revision(engine)
    steps = [
        Step(
            rev.revision,
            rev.down_revision if isinstance(rev.down_revision, str) else None,
            (rev.doc or "").strip().splitlines()[0] if rev.doc else "",
        )
        for rev in script.iterate_revisions("heads", current)
    ]
    return current, list(reversed(steps))
