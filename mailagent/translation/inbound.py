"""Inbound mail translated for its readers, cached per (message, target language).

The triage worker marks a message in a known language ``pending`` (cheap, no model). The
background job :func:`run_queue` then

1. *plans* pending messages: for every distinct reader language list of the active mail
   users (plus the team language for complaints, which are relayed to Quality in it) it
   asks :func:`~mailagent.translation.readers.choose` and makes one
   ``message_translations`` row per needed target: ``queued``, or ``no_model`` with the
   models to install;
2. *translates* queued rows (``running`` while the model works): subject and new text of
   all messages of one language pair in one batch, through the sentence cache of
   :class:`~mailagent.translation.service.TranslationService`, then ``done`` or ``failed``
   with the error. The team-language result is also kept on the message
   (``translated_text``) for complaint relays.

A missing pair is logged once per process ("no model for de→zh ...", with how many messages
need it), not once per message; :func:`run_queue` counts only messages really translated.
``backlog`` re-plans after models or readers change and reports the missing pairs.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mailagent.app import App
from mailagent.config import Settings
from mailagent.db import models as m
from mailagent.db.session import transaction
from mailagent.logs import message_fields
from mailagent.records import TranslationJobState, TranslationStatus
from mailagent.translation.base import Pair, language_family, plan
from mailagent.translation.engines import EngineRouter, build_router
from mailagent.translation.glossary import load_glossary
from mailagent.translation.readers import (
    ReaderChoice,
    choose,
    install_hint,
    parse_reads,
)
from mailagent.translation.service import TranslationService

__all__ = [
    "QueueResult",
    "build",
    "build_service",
    "ensure_row",
    "for_app",
    "reader_sets",
    "run_queue",
]

log = logging.getLogger(__name__)

MAIL_ROLES = ("sales", "supervisor")
STALE_RUNNING = timedelta(minutes=10)
_warned: set[tuple[str, Pair]] = set()  # (database, pair) already logged by this process


@dataclass(frozen=True, slots=True)
class QueueResult:
    planned: int  # messages planned
    translated: int  # messages with at least one target really translated
    failed: int  # (message, target) rows that failed
    missing: dict[Pair, int]  # pair to install -> messages needing it in this run


def build(
    settings: Settings, session_factory: sessionmaker[Session]
) -> tuple[TranslationService, EngineRouter]:
    """The configured service and the engine router it runs on."""
    router = build_router(settings)
    glossary = load_glossary(Path(settings.rules_dir) / "glossary.toml", missing_ok=True)
    service = TranslationService(
        router,
        session_factory,
        settings.team.language,
        glossary=glossary,
        enabled=settings.translation.enabled,
    )
    return service, router


_BUILT: dict[int, tuple[weakref.ref[App], TranslationService, EngineRouter]] = {}
_BUILT_LOCK = threading.Lock()


def for_app(app: App) -> tuple[TranslationService, EngineRouter]:
    """:func:`build` once per :class:`~mailagent.app.App`: loaded models stay in memory
    between the daemon's runs and web requests (a reinstalled model is noticed by its
    version and reloaded)."""
    with _BUILT_LOCK:
        entry = _BUILT.get(id(app))
        if entry is not None and entry[0]() is app:
            return entry[1], entry[2]
        service, router = build(app.settings, app.sessions)
        service.clock = app.clock
        _BUILT[id(app)] = (weakref.ref(app), service, router)
        weakref.finalize(app, _BUILT.pop, id(app), None)  # models go with their app
        return service, router


def reader_sets(session: Session) -> list[tuple[str, ...]]:
    """The distinct reader language lists of active users who read mail."""
    rows = session.execute(
        select(m.User.reads, m.User.language).where(
            m.User.active.is_(True), m.User.role.in_(MAIL_ROLES)
        )
    ).all()
    out: list[tuple[str, ...]] = []
    for reads, ui in rows:
        try:
            langs = parse_reads(reads or "", fallback=ui or "")
        except ValueError:
            langs = parse_reads("", fallback=ui or "")
        if langs not in out:
            out.append(langs)
    return out


def _readers_for(
    msg: m.Message, readers: Sequence[tuple[str, ...]], team: str
) -> list[tuple[str, ...]]:
    sets = list(readers)
    if msg.intent == "complaint" and (team,) not in sets:
        sets.append((team,))
    return sets


def ensure_row(
    session: Session, msg: m.Message, choice: ReaderChoice, now: datetime
) -> m.MessageTranslation | None:
    """The row for the choice's target, created ``queued``/``no_model`` if absent."""
    if choice.action == "none" or choice.target is None:
        return None
    row = session.scalar(
        select(m.MessageTranslation).where(
            m.MessageTranslation.message_id == msg.id,
            m.MessageTranslation.target_lang == choice.target,
        )
    )
    if row is not None:
        return row
    missing = choice.action == "missing"
    row = m.MessageTranslation(
        message_id=msg.id,
        source_lang=choice.source,
        target_lang=choice.target,
        status=TranslationJobState.NO_MODEL if missing else TranslationJobState.QUEUED,
        error=_no_model_text(choice) if missing else None,
        engine="",
        updated_at=now,
    )
    try:
        with session.begin_nested():  # a web view may have created it at the same moment
            session.add(row)
    except IntegrityError:
        return session.scalar(
            select(m.MessageTranslation).where(
                m.MessageTranslation.message_id == msg.id,
                m.MessageTranslation.target_lang == choice.target,
            )
        )
    return row


def _no_model_text(choice: ReaderChoice) -> str:
    return f"No model for {choice.source}→{choice.target}: {install_hint(choice.missing)}"


def _plan(
    session: Session, service: TranslationService, now: datetime, limit: int
) -> tuple[int, Counter[Pair]]:
    query = (
        select(m.Message)
        .where(m.Message.translation_status == TranslationStatus.PENDING)
        .order_by(m.Message.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    pending = list(session.scalars(query))
    readers = reader_sets(session)
    pairs = service.translator.available_pairs()
    missing: Counter[Pair] = Counter()
    for msg in pending:
        needs: set[Pair] = set()
        for reads in _readers_for(msg, readers, service.team_language):
            choice = choose(msg.language, reads, pairs)
            row = ensure_row(session, msg, choice, now)
            if row is not None and row.status == TranslationJobState.NO_MODEL:
                needs.update(choice.missing)
        missing.update(needs)  # counted per message, not per reader
        _summarise(session, msg)
    return len(pending), missing


def _summarise(session: Session, msg: m.Message) -> None:
    """The message-level state over its rows: pending while any is queued or running, then
    failed, unavailable (a reader has no model), done; none when nobody needs one."""
    rows = list(
        session.scalars(
            select(m.MessageTranslation).where(m.MessageTranslation.message_id == msg.id)
        )
    )
    states = {r.status for r in rows}
    if not rows:
        msg.translation_status = TranslationStatus.NONE
    elif states & {TranslationJobState.QUEUED, TranslationJobState.RUNNING}:
        msg.translation_status = TranslationStatus.PENDING
    elif TranslationJobState.FAILED in states:
        msg.translation_status = TranslationStatus.FAILED
    elif TranslationJobState.NO_MODEL in states:
        msg.translation_status = TranslationStatus.UNAVAILABLE
    else:
        msg.translation_status = TranslationStatus.DONE
    errors = [r.error for r in rows if r.error]
    msg.translation_error = errors[0] if errors else None


def run_queue(service: TranslationService, router: EngineRouter, *, limit: int = 50) -> QueueResult:
    """Plan pending messages, then translate up to ``limit`` queued (message, target) rows."""
    if not service.enabled:
        return QueueResult(0, 0, 0, {})
    now = service.clock()
    with transaction(service.session_factory) as session:
        planned, missing = _plan(session, service, now, limit)
        claimed = _claim(session, now, limit)
        database = session.get_bind().engine.url.render_as_string(hide_password=True)
    for pair, count in missing.items():
        if (database, pair) not in _warned:
            _warned.add((database, pair))
            log.warning(
                "no translation model for %s→%s (%d message(s) need it): "
                "mailagent translate install %s %s",
                pair[0],
                pair[1],
                count,
                pair[0],
                pair[1],
            )
    groups: dict[Pair, list[int]] = defaultdict(list)
    for row_id, source, target in claimed:
        groups[(source, target)].append(row_id)
    translated: set[int] = set()
    failed = 0
    for (source, target), ids in groups.items():
        done, bad = _translate_group(service, router, source, target, ids)
        translated |= done
        failed += bad
    if translated:
        log.info("translated %d message(s)", len(translated))
    return QueueResult(planned, len(translated), failed, dict(missing))


def _claim(session: Session, now: datetime, limit: int) -> list[tuple[int, str, str]]:
    stale = now - STALE_RUNNING
    query = (
        select(m.MessageTranslation)
        .where(
            (m.MessageTranslation.status == TranslationJobState.QUEUED)
            | (
                (m.MessageTranslation.status == TranslationJobState.RUNNING)
                & (m.MessageTranslation.updated_at < stale)
            )
        )
        .order_by(m.MessageTranslation.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        row.status, row.updated_at = TranslationJobState.RUNNING, now
    return [(r.id, r.source_lang, r.target_lang) for r in rows]


def _translate_group(
    service: TranslationService, router: EngineRouter, source: str, target: str, ids: list[int]
) -> tuple[set[int], int]:
    """One batch for the pair; if it fails, message by message, so one bad mail (or a
    model that chokes on it) fails only itself."""
    if len(ids) == 1:
        return _translate_rows(service, router, source, target, ids, record_failure=True)
    try:
        return _translate_rows(service, router, source, target, ids, record_failure=False)
    except Exception as exc:
        log.warning("batch %s→%s failed (%s), retrying one by one", source, target, exc)
    done: set[int] = set()
    failed = 0
    for row_id in ids:
        one, bad = _translate_rows(service, router, source, target, [row_id], record_failure=True)
        done |= one
        failed += bad
    return done, failed


def _translate_rows(
    service: TranslationService,
    router: EngineRouter,
    source: str,
    target: str,
    ids: list[int],
    *,
    record_failure: bool,
) -> tuple[set[int], int]:
    """Read the texts, translate them with no transaction open (the model may take seconds;
    on SQLite an open write transaction would hold every other writer that long), then
    write the results in a second short transaction."""
    with transaction(service.session_factory) as session:
        rows = list(
            session.scalars(select(m.MessageTranslation).where(m.MessageTranslation.id.in_(ids)))
        )
        wanted = [(r.id, r.message_id) for r in rows]
        texts: list[str] = []
        for r in rows:
            msg = session.get(m.Message, r.message_id)
            texts += [msg.subject if msg else "", msg.new_text if msg else ""]
    try:
        path = plan(router.available_pairs(), source, target)
        out = service.translate_texts(texts, source, target)
    except Exception as exc:
        if not record_failure:
            raise
        log.warning(
            "translation %s→%s of %d message(s) failed: %s", source, target, len(wanted), exc
        )
        with transaction(service.session_factory) as session:
            for row_id, message_id in wanted:
                row = session.get(m.MessageTranslation, row_id)
                if row is not None:
                    row.status, row.error, row.updated_at = (
                        TranslationJobState.FAILED,
                        f"{type(exc).__name__}: {exc}",
                        service.clock(),
                    )
                failed_msg = session.get(m.Message, message_id)
                if failed_msg is not None:
                    _summarise(session, failed_msg)
        return set(), len(wanted)
    engine = router.describe(path.hops)
    done: set[int] = set()
    with transaction(service.session_factory) as session:
        for i, (row_id, message_id) in enumerate(wanted):
            row = session.get(m.MessageTranslation, row_id)
            msg = session.get(m.Message, message_id)
            if row is None:
                continue
            row.subject, row.body = out[2 * i], out[2 * i + 1]
            row.status, row.error, row.engine, row.updated_at = (
                TranslationJobState.DONE,
                None,
                engine,
                service.clock(),
            )
            if msg is None:
                continue
            if language_family(target) == language_family(service.team_language):
                msg.translated_text, msg.translation_target = row.body, target
            session.flush()
            _summarise(session, msg)
            done.add(msg.id)
            log.info(
                "%s translated %s (%s)",
                msg.message_id,
                f"{source}→{target}",
                engine,
                extra=message_fields(msg.message_id),
            )
    return done, 0


def forget_warnings() -> None:
    """Say missing pairs again (after models were installed)."""
    _warned.clear()


def build_service(settings: Settings, session_factory: sessionmaker[Session]) -> TranslationService:
    """The service as configured (see ``inbound.build``: engines routed per pair, glossary)."""
    return build(settings, session_factory)[0]
