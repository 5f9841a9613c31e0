"""Translation use cases with the database cache (effects: SQLAlchemy + the Translator).

:class:`TranslationService` turns texts into translated texts: split into sentences
(``segment``), look every sentence up in the ``translations`` cache table keyed on
(sha256 of the sentence, source, target, model version), protect trade data
(``protect``), send only the misses to the :class:`~mailagent.translation.base.Translator`
in one batch per hop (direct or via English), restore, store the new sentences, and
re-assemble the original layout. A message is therefore translated once, and a sentence
that recurs (greetings, signatures, boilerplate) is free after its first time.

Inbound mail is queued and translated per reader by ``inbound`` (which calls
:meth:`translate_texts` once per language pair and batch). Outbound drafts written in the
team language go through :meth:`translate_outbound`, which keeps the original next to the
translation.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mailagent.db.models import Translation
from mailagent.db.queries import in_chunks
from mailagent.db.session import transaction
from mailagent.errors import TranslationError
from mailagent.translation import segment
from mailagent.translation.base import (
    TranslationPath,
    Translator,
    language_family,
    normalize_lang,
    plan,
)
from mailagent.translation.glossary import Glossary
from mailagent.translation.protect import protect, restore

__all__ = ["OutboundTranslation", "TranslationService"]

log = logging.getLogger(__name__)


class OutboundTranslation(NamedTuple):
    """A draft in the team language and its translation for the customer (both kept)."""

    original: str
    translated: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationService:
    """Cached, batched, protected translation of texts and of pending messages."""

    def __init__(
        self,
        translator: Translator,
        session_factory: sessionmaker[Session],
        team_language: str,
        *,
        glossary: Glossary | None = None,
        enabled: bool = True,
        clock: Callable[[], datetime] = _utcnow,
        max_sentence_chars: int = 400,
    ) -> None:
        self.translator = translator
        self.session_factory = session_factory
        self.team_language = normalize_lang(team_language)
        self.glossary = glossary or Glossary()
        self.enabled = enabled
        self.clock = clock
        self.max_sentence_chars = max_sentence_chars

    # -- texts -----------------------------------------------------------------------------

    def translate_text(self, text: str, source: str, target: str) -> str:
        """Translate ``text`` keeping its layout; raises TranslationError without a model."""
        return self.translate_texts([text], source, target)[0]

    def translate_texts(
        self, texts: Sequence[str], source: str, target: str, *, session: Session | None = None
    ) -> list[str]:
        """Translate several texts of one language pair in one batch (cache shared)."""
        path = plan(self.translator.available_pairs(), source, target)
        if not path.hops:
            return list(texts)
        version = self.cache_version(path)
        layouts = [segment.split(t, max_chars=self.max_sentence_chars) for t in texts]
        unique = list(dict.fromkeys(s for lay in layouts for s in segment.sentences(lay)))
        if session is not None:
            return self._translate_layouts(session, layouts, unique, path, version)
        # own transactions: look up, translate with none open (the model may take seconds
        # and an open SQLite write transaction would hold every other writer), store
        with transaction(self.session_factory) as own:
            done = self._cache_get(own, unique, path, version)
        todo = [s for s in unique if s not in done]
        if todo:
            fresh, via_model = self._translate_sentences(todo, path)
            done.update(fresh)
            with transaction(self.session_factory) as own:
                self._cache_put(own, {s: fresh[s] for s in via_model}, path, version)
        return self._join(layouts, done, path)

    def translate_outbound(self, draft_text: str, target: str) -> OutboundTranslation:
        """Translate a draft from the team language into the customer's language."""
        if language_family(target) == language_family(self.team_language):
            return OutboundTranslation(draft_text, draft_text)
        return OutboundTranslation(
            draft_text, self.translate_text(draft_text, self.team_language, target)
        )

    def cache_version(self, path: TranslationPath) -> str:
        """The ``model_version`` cache key: every hop's model plus the glossary."""
        parts = [self.translator.model_version(a, b) for a, b in path.hops]
        if self.glossary.fingerprint:
            parts.append("g" + self.glossary.fingerprint)
        return "+".join(parts)[:200]

    def _translate_layouts(
        self,
        session: Session,
        layouts: list[tuple[segment.Piece, ...]],
        unique: list[str],
        path: TranslationPath,
        version: str,
    ) -> list[str]:
        done = self._cache_get(session, unique, path, version)
        todo = [s for s in unique if s not in done]
        if todo:
            fresh, via_model = self._translate_sentences(todo, path)
            done.update(fresh)
            self._cache_put(session, {s: fresh[s] for s in via_model}, path, version)
        return self._join(layouts, done, path)

    @staticmethod
    def _join(
        layouts: list[tuple[segment.Piece, ...]], done: dict[str, str], path: TranslationPath
    ) -> list[str]:
        return [
            segment.join(lay, [done[s] for s in segment.sentences(lay)], target=path.target)
            for lay in layouts
        ]

    def _translate_sentences(
        self, sentences: Sequence[str], path: TranslationPath
    ) -> tuple[dict[str, str], list[str]]:
        """Translate cache misses; returns results and which ones the model produced."""
        protected = [
            protect(s, glossary=self.glossary, source=path.source, target=path.target)
            for s in sentences
        ]
        idx = [i for i, p in enumerate(protected) if p.has_words]
        texts = [protected[i].text for i in idx]
        for a, b in path.hops:
            if not texts:
                break
            texts = self.translator.translate_batch(texts, source=a, target=b)
            if len(texts) != len(idx):
                raise TranslationError(
                    f"{a}→{b} backend returned {len(texts)} results for {len(idx)} sentences"
                )
        outputs = dict(zip(idx, texts, strict=True))
        result: dict[str, str] = {}
        via_model: list[str] = []
        for i, (s, p) in enumerate(zip(sentences, protected, strict=True)):
            text = restore(outputs.get(i, p.text), p, target=path.target)
            if not text.strip():  # an empty output is a model failure: show the original
                text = s
            elif i in outputs:
                via_model.append(s)
            result[s] = text
        return result, via_model

    # -- cache -----------------------------------------------------------------------------

    def _cache_get(
        self, session: Session, sentences: Sequence[str], path: TranslationPath, version: str
    ) -> dict[str, str]:
        by_hash = {_sha(s): s for s in sentences}
        found: dict[str, str] = {}
        for chunk in in_chunks(list(by_hash)):
            rows = session.execute(
                select(Translation.text_sha256, Translation.translated).where(
                    Translation.text_sha256.in_(chunk),
                    Translation.source_lang == path.source,
                    Translation.target_lang == path.target,
                    Translation.model_version == version,
                )
            ).all()
            found.update({by_hash[h]: t for h, t in rows})
        return found

    def _cache_put(
        self, session: Session, fresh: dict[str, str], path: TranslationPath, version: str
    ) -> None:
        if not fresh:
            return
        now = self.clock()
        rows = [
            {
                "text_sha256": _sha(s),
                "source_lang": path.source,
                "target_lang": path.target,
                "model_version": version,
                "translated": t,
                "created_at": now,
            }
            for s, t in fresh.items()
        ]
        keys = ["text_sha256", "source_lang", "target_lang", "model_version"]
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            session.execute(
                postgresql.insert(Translation)
                .values(rows)
                .on_conflict_do_nothing(index_elements=keys)
            )
        elif dialect == "sqlite":
            session.execute(
                sqlite.insert(Translation).values(rows).on_conflict_do_nothing(index_elements=keys)
            )
        else:  # pragma: no cover - other databases: row by row, ignoring duplicates
            for row in rows:
                try:
                    with session.begin_nested():
                        session.add(Translation(**row))
                except IntegrityError:
                    pass
