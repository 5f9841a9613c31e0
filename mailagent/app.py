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

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mailagent.config import Settings, database_url
from mailagent.context import Context
from mailagent.db import corrections
from mailagent.db.blobstore import BlobStore
from mailagent.db.session import make_engine, session_factory, upgrade
from mailagent.drafts.asks import load_ask_rules
from mailagent.followups.rules import load_followup_rules
from mailagent.sla.policies import load_sla_rules
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.relevance import load_gate_rules
from mailagent.triage.rules.ruleset import Ruleset, load_rules

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


def open_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    migrate: bool = True,
    with_model: bool = True,
) -> App:
    """Open the store (migrating it), load rules and the intent model."""
    engine = make_engine(database_url(settings.store), echo=settings.store.echo_sql)
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
