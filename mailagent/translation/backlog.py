"""The translation backlog: re-plan after models or readers change, report missing pairs.

* :func:`requeue`: after ``mailagent translate install``: ``no_model`` and ``failed`` rows are
  dropped and their messages planned again (a reader may now get a better language).
* :func:`replan_recent`: after a reader is added or changed: recent inbound mail is planned
  again; translations already made are kept, only new targets are queued.
* :func:`missing_report`: the model pairs that recent mail needed, counted per message, for
  the admin page; :func:`message_translations`: one message's translations (CLI).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from mailagent.db import models as m
from mailagent.db.session import transaction
from mailagent.records import TranslationJobState, TranslationStatus
from mailagent.translation import inbound
from mailagent.translation.base import Pair, normalize_lang
from mailagent.translation.readers import install_hint, missing_pairs
from mailagent.translation.service import TranslationService

__all__ = [
    "MissingPair",
    "StoredTranslation",
    "message_translations",
    "missing_report",
    "replan_recent",
    "requeue",
]


@dataclass(frozen=True, slots=True)
class MissingPair:
    source: str
    target: str
    messages: int
    hint: str


def requeue(service: TranslationService) -> int:
    """After installing models: forget ``no_model``/``failed`` rows and plan those messages
    again (a reader may now get a better target). Returns how many messages."""
    with transaction(service.session_factory) as session:
        ids = list(
            session.scalars(
                select(m.MessageTranslation.message_id).where(
                    m.MessageTranslation.status.in_(
                        (TranslationJobState.NO_MODEL, TranslationJobState.FAILED)
                    )
                )
            )
        )
        if not ids:
            return 0
        session.execute(
            delete(m.MessageTranslation).where(
                m.MessageTranslation.status.in_(
                    (TranslationJobState.NO_MODEL, TranslationJobState.FAILED)
                )
            )
        )
        session.execute(
            update(m.Message)
            .where(m.Message.id.in_(set(ids)))
            .values(translation_status=TranslationStatus.PENDING)
        )
    inbound.forget_warnings()
    return len(set(ids))


def replan_recent(session_factory: sessionmaker[Session], now: datetime, days: int) -> int:
    """Plan the last ``days`` of inbound mail again (a reader was added or changed); rows
    already translated are kept, only new targets are queued."""
    with transaction(session_factory) as session:
        result = session.execute(
            update(m.Message)
            .where(
                m.Message.direction == "inbound",
                m.Message.received_at >= now - timedelta(days=days),
                m.Message.language.is_not(None),
                m.Message.language != "unknown",
                m.Message.translation_status != TranslationStatus.PENDING,
            )
            .values(translation_status=TranslationStatus.PENDING)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def missing_report(
    session: Session, pairs: set[Pair], now: datetime, days: int = 30
) -> list[MissingPair]:
    """Model pairs that the last ``days`` of inbound mail needed (distinct messages per pair),
    most needed first."""
    rows = session.execute(
        select(
            m.MessageTranslation.message_id,
            m.MessageTranslation.source_lang,
            m.MessageTranslation.target_lang,
        )
        .join(m.Message, m.Message.id == m.MessageTranslation.message_id)
        .where(
            m.MessageTranslation.status == TranslationJobState.NO_MODEL,
            m.Message.received_at >= now - timedelta(days=days),
        )
    ).all()
    need: dict[Pair, set[int]] = defaultdict(set)
    for message_id, source, target in rows:
        for pair in missing_pairs(pairs, normalize_lang(source), normalize_lang(target)):
            need[pair].add(message_id)
    return [
        MissingPair(a, b, len(ids), install_hint(((a, b),)))
        for (a, b), ids in sorted(need.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


@dataclass(frozen=True, slots=True)
class StoredTranslation:
    source_lang: str
    target_lang: str
    status: str
    subject: str | None
    body: str | None
    error: str | None
    engine: str


def message_translations(
    session_factory: sessionmaker[Session], message_pk: int
) -> list[StoredTranslation]:
    """Every target language the message was (or could not be) translated into."""
    with session_factory() as session:
        rows = session.scalars(
            select(m.MessageTranslation)
            .where(m.MessageTranslation.message_id == message_pk)
            .order_by(m.MessageTranslation.target_lang)
        )
        return [
            StoredTranslation(
                r.source_lang, r.target_lang, r.status, r.subject, r.body, r.error, r.engine
            )
            for r in rows
        ]
