"""Translation use cases with the database cache (effects: SQLAlchemy + the Translator).

:class:`TranslationService` turns texts into translated texts: split into sentences
(``segment``), look every sentence up in the ``translations`` cache table keyed on
(sha256 of the sentence, source, target, model version), protect trade data
(``protect``), send only the misses to the :class:`~mailagent.translation.base.Translator`
in one batch per hop (direct or via English), restore, store the new sentences, and
re-assemble the original layout. A message is therefore translated once, and a sentence
that recurs (greetings, signatures, boilerplate) is free after its first time.

Inbound mail: :meth:`queue_inbound` marks a message ``pending`` during ingest (cheap, no
model); :meth:`run_pending` is the background job. It translates ``new_text`` only — the
quoted history was translated when it arrived as its own message and is not translated
again — and records ``done``, ``unavailable`` (no model path; the error names the pair and
the install command; not retried until :meth:`requeue`) or ``failed`` (the exception). On
PostgreSQL rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent
workers never translate the same message; on SQLite one writer at a time is enough.
Outbound drafts written in the team language go through :meth:`translate_outbound`, which
keeps the original next to the translation.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mailagent.config import Settings
from mailagent.db.models import Message, Translation
from mailagent.db.queries import in_chunks
from mailagent.db.session import transaction
from mailagent.errors import TranslationError
from mailagent.translation import segment
from mailagent.translation.argos import ArgosTranslator
from mailagent.translation.base import (
    TranslationPath,
    Translator,
    language_family,
    normalize_lang,
    plan,
)
from mailagent.translation.glossary import Glossary, load_glossary
from mailagent.translation.protect import protect, restore

__all__ = ["OutboundTranslation", "TranslationService", "build_service"]

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
OTHER_LANGUAGE = "other"  # the language stage's "a language it does not name"


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
        claim_size: int = 8,
    ) -> None:
        self.translator = translator
        self.session_factory = session_factory
        self.team_language = normalize_lang(team_language)
        self.glossary = glossary or Glossary()
        self.enabled = enabled
        self.clock = clock
        self.max_sentence_chars = max_sentence_chars
        self.claim_size = max(1, claim_size)

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
        if session is None:
            with transaction(self.session_factory) as own:
                return self._translate_layouts(own, layouts, unique, path, version)
        return self._translate_layouts(session, layouts, unique, path, version)

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

    # -- messages --------------------------------------------------------------------------

    def needs_translation(self, message: Message) -> bool:
        """Inbound, in a known language other than the team's, translation enabled."""
        lang = (message.language or "").strip()
        return (
            self.enabled
            and (message.direction or "inbound") == "inbound"  # None: default not applied yet
            and bool(lang)
            and lang not in (UNKNOWN, OTHER_LANGUAGE)
            and language_family(lang) != language_family(self.team_language)
        )

    def queue_inbound(self, session: Session, message: Message) -> bool:
        """Mark ``message`` pending for :meth:`run_pending`; True when it was queued."""
        if not self.needs_translation(message):
            return False
        message.translation_status = "pending"
        message.translation_target = self.team_language
        message.translation_error = None
        session.add(message)
        return True

    def requeue(self, statuses: Iterable[str] = ("unavailable", "failed")) -> int:
        """Put unavailable/failed messages back in the queue (e.g. after installing a model)."""
        with transaction(self.session_factory) as session:
            result = session.execute(
                update(Message)
                .where(Message.translation_status.in_(list(statuses)))
                .values(translation_status="pending", translation_error=None)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def run_pending(self, limit: int = 50) -> int:
        """Translate up to ``limit`` pending messages; returns how many were processed."""
        processed = 0
        while processed < limit:
            with transaction(self.session_factory) as session:
                query = (
                    select(Message)
                    .where(Message.translation_status == "pending")
                    .order_by(Message.id)
                    .limit(min(self.claim_size, limit - processed))
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                claimed = list(session.scalars(query))
                if not claimed:
                    break
                self._process(session, claimed)
                processed += len(claimed)
        return processed

    def _process(self, session: Session, messages: list[Message]) -> None:
        groups: dict[tuple[str, str], list[Message]] = defaultdict(list)
        for m in messages:
            target = normalize_lang(m.translation_target or self.team_language)
            groups[(normalize_lang(m.language or UNKNOWN), target)].append(m)
        for (source, target), group in groups.items():
            if source in (UNKNOWN, OTHER_LANGUAGE) or language_family(source) == language_family(
                target
            ):
                for m in group:
                    m.translation_status = "none"
                continue
            try:
                plan(self.translator.available_pairs(), source, target)
            except TranslationError as exc:
                for m in group:
                    self._finish(m, "unavailable", target, error=str(exc))
                continue
            try:
                texts = self.translate_texts(
                    [m.new_text for m in group], source, target, session=session
                )
            except Exception:  # one bad message must not fail the group: isolate it
                log.warning("batch %s→%s failed, retrying one by one", source, target)
                for m in group:
                    self._one(session, m, source, target)
                continue
            for m, text in zip(group, texts, strict=True):
                self._finish(m, "done", target, text=text)

    def _one(self, session: Session, message: Message, source: str, target: str) -> None:
        try:  # the cache is written only after a batch succeeded: nothing to roll back
            text = self.translate_texts([message.new_text], source, target, session=session)[0]
        except TranslationError as exc:
            self._finish(message, "failed", target, error=str(exc))
        except Exception as exc:
            log.exception("%s: translation failed", message.message_id)
            self._finish(message, "failed", target, error=f"{type(exc).__name__}: {exc}")
        else:
            self._finish(message, "done", target, text=text)

    @staticmethod
    def _finish(
        message: Message, status: str, target: str, *, text: str | None = None, error: str = ""
    ) -> None:
        message.translation_status = status
        message.translation_target = target
        message.translation_error = error or None
        if status == "done":
            message.translated_text = text
        log.info(
            "%s translation %s (%s→%s)%s",
            message.message_id,
            status,
            message.language,
            target,
            f": {error}" if error else "",
        )


def build_service(settings: Settings, session_factory: sessionmaker[Session]) -> TranslationService:
    """The service as configured: Argos models from ``translation.models_dir`` and the
    glossary from ``<rules_dir>/glossary.toml`` (optional)."""
    t = settings.translation
    translator = ArgosTranslator(
        t.models_dir, beam_size=t.beam_size, batch_size=t.batch_size, threads=t.threads
    )
    glossary = load_glossary(Path(settings.rules_dir) / "glossary.toml", missing_ok=True)
    return TranslationService(
        translator, session_factory, settings.team.language, glossary=glossary, enabled=t.enabled
    )
