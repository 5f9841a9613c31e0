"""Runtime wiring: one :class:`App` holds the engine, session factory, blob store, loaded
rules and intent model, and the clock. Built by ``cli.py`` (or tests) from ``Settings`` and
passed explicitly to services; there is no global instance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mailagent.config import Settings, database_url
from mailagent.context import Context
from mailagent.db import corrections
from mailagent.db.blobstore import BlobStore
from mailagent.db.session import make_engine, session_factory, upgrade
from mailagent.drafts.asks import load_ask_rules
from mailagent.errors import ConfigError
from mailagent.followups.rules import load_followup_rules
from mailagent.sla.policies import load_sla_rules
from mailagent.triage.rules.relevance import load_gate_rules
from mailagent.triage.rules.ruleset import Ruleset, load_rules

if TYPE_CHECKING:
    from mailagent.triage.intent_model import IntentModel

__all__ = ["App", "open_app", "utcnow"]

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    ruleset: Ruleset
    model: IntentModel | None
    clock: Callable[[], datetime] = field(default=utcnow)

    def context(self) -> Context:
        team = self.settings.team
        return Context(
            now=self.clock(),
            team_language=team.language,
            own_domains=tuple(d.lower() for d in team.own_domains),
            free_mail_domains=frozenset(d.lower() for d in team.free_mail_domains),
        )

    def close(self) -> None:
        self.engine.dispose()


def _require_store(url: str, source: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).exists():
        where = f"store.url in {source}" if source else "no config file: default store.url"
        raise ConfigError(
            f"no store at {Path(parsed.database).resolve()} ({where}); create it with "
            "`mailagent db upgrade`, or point --config at your config.toml "
            "(`mailagent demo` writes one for the demo store)"
        )


def open_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    migrate: bool = True,
    with_model: bool = True,
    create_store: bool = True,
) -> App:
    """Open the store (migrating it), load rules and the intent model.

    With ``create_store=False`` (every CLI command except ``demo``, ``db upgrade`` and
    ``restore``) a SQLite store that does not exist yet is a :class:`ConfigError`, not a new
    empty file in whatever directory the command happened to run in.
    """
    url = database_url(settings.store)
    if not create_store:
        _require_store(url, settings.source_path)
    engine = make_engine(url, echo=settings.store.echo_sql)
    if migrate:
        upgrade(engine)
    ruleset = load_rules(Path(settings.rules_dir))
    load_sla_rules(Path(settings.rules_dir))  # broken SLA rules stop start-up, not a job
    load_gate_rules(Path(settings.rules_dir))  # so do broken relevance-gate rules
    load_followup_rules(Path(settings.rules_dir))  # so do broken follow-up rules
    load_ask_rules(str(Path(settings.rules_dir).resolve()))  # so do broken asks.toml patterns
    sessions = session_factory(engine)
    model = None
    if with_model:
        with sessions() as session:  # this installation's corrections adapt the model
            examples = corrections.examples(session) if migrate else []
        from mailagent.triage.intent_model import IntentModel  # numpy: only when classifying

        model = IntentModel.load_or_train(Path(settings.store.dir), examples=examples)
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        blobs=BlobStore(settings.store.dir),
        ruleset=ruleset,
        model=model,
        clock=clock,
    )
