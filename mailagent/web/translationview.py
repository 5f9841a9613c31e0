"""Read models of translation in the web UI, per reader (the logged-in user).

* :func:`message_translation`: what the reader sees next to a message: nothing (reads it),
  the side-by-side translation, or its honest state (queued, running, failed with the
  error, no model with the install commands). A reader whose target has no row yet (a new
  reader, old mail) gets one queued here; the daemon translates it.
* :func:`inbox_subjects`: translated subjects for the inbox (the original goes in ``title``).
* :func:`draft_check`: a draft in a language the approver does not read, translated into
  the approver's language before approval (its own text, not the quoted customer mail;
  through the sentence cache; never saved). A reply whose text is not in the customer's
  language (typed in Chinese or English into a German draft) is checked from the language
  it is written in, and the page offers to translate it into the customer's.
* :func:`admin_translation`: installed pairs per engine and the pairs recent mail needed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db.session import transaction
from mailagent.drafts.translate import reply_and_history, written_language
from mailagent.errors import TranslationError
from mailagent.records import TranslationJobState
from mailagent.translation.backlog import MissingPair, missing_report
from mailagent.translation.base import Pair, language_family
from mailagent.translation.engines import EngineRouter, InstalledPair, installed_pairs
from mailagent.translation.inbound import ensure_row, for_app
from mailagent.translation.readers import choose, missing_pairs
from mailagent.translation.shown import shown_translations
from mailagent.web.users import UserInfo

__all__ = [
    "AdminTranslation",
    "DraftCheck",
    "ReaderTranslation",
    "admin_translation",
    "draft_check",
    "inbox_subjects",
    "message_translation",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReaderTranslation:
    """``state``: none | queued | running | done | failed | no_model."""

    state: str
    source: str
    target: str | None = None
    subject: str | None = None
    body: str | None = None
    error: str | None = None
    engine: str = ""
    missing: tuple[Pair, ...] = ()
    reason: str = ""

    @property
    def commands(self) -> tuple[str, ...]:
        """ "mailagent translate install de en", "en zh" (joined with "and" by the page)."""
        if not self.missing:
            return ()
        (a, b), rest = self.missing[0], self.missing[1:]
        return (f"mailagent translate install {a} {b}", *(f"{x} {y}" for x, y in rest))


@dataclass(frozen=True, slots=True)
class DraftCheck:
    """A draft's text in the approver's language: ``state`` none | done | no_model | failed.
    ``source`` is the language the text is written in, ``customer`` the draft's language."""

    state: str
    source: str
    target: str | None = None
    text: str | None = None
    error: str | None = None
    engine: str = ""
    missing: tuple[Pair, ...] = ()
    customer: str = ""

    @property
    def offer(self) -> bool:
        """The text is not in the customer's language: offer to translate it into theirs."""
        return self.customer not in ("", "unknown") and (
            language_family(self.source) != language_family(self.customer)
        )

    @property
    def commands(self) -> tuple[str, ...]:
        """ "mailagent translate install de en", "en zh" (joined with "and" by the page)."""
        if not self.missing:
            return ()
        (a, b), rest = self.missing[0], self.missing[1:]
        return (f"mailagent translate install {a} {b}", *(f"{x} {y}" for x, y in rest))


@dataclass(frozen=True, slots=True)
class AdminTranslation:
    installed: tuple[InstalledPair, ...]
    missing: tuple[MissingPair, ...]
    days: int


def _router(app: App) -> EngineRouter:
    return for_app(app)[1]


def message_translation(app: App, user: UserInfo, message_pk: int) -> ReaderTranslation:
    """What ``user`` gets for the message (the caller has checked they may see it)."""
    router = _router(app)
    pairs = router.available_pairs()
    with transaction(app.sessions) as session:
        msg = session.get(m.Message, message_pk)
        if msg is None or msg.direction != "inbound" or not app.settings.translation.enabled:
            return ReaderTranslation("none", "")
        choice = choose(msg.language, user.reads, pairs)
        if choice.action == "none":
            return ReaderTranslation("none", choice.source, reason=choice.reason)
        row = ensure_row(session, msg, choice, app.clock())
        assert row is not None
        if row.status == TranslationJobState.NO_MODEL and choice.action == "translate":
            row.status, row.error = TranslationJobState.QUEUED, None  # a model was installed since
        if row.status == TranslationJobState.NO_MODEL:
            return ReaderTranslation(
                TranslationJobState.NO_MODEL,
                choice.source,
                choice.target,
                missing=missing_pairs(pairs, choice.source, row.target_lang),
                reason=choice.reason,
            )
        return ReaderTranslation(
            row.status,
            choice.source,
            row.target_lang,
            subject=row.subject,
            body=row.body,
            error=row.error,
            engine=row.engine,
            reason=choice.reason,
        )


def inbox_subjects(
    app: App, user: UserInfo, rows: Sequence[tuple[int, str | None]]
) -> dict[int, str]:
    """Translated subjects of (message id, language) rows, chosen as the thread inbox
    chooses them (:func:`mailagent.translation.shown.shown_translations`)."""
    with app.sessions() as session:
        shown = shown_translations(session, rows, user.reads)
    return {pk: t.subject for pk, t in shown.items() if t.subject}


def draft_check(
    app: App, user: UserInfo, text: str, language: str, kind: str = "reply"
) -> DraftCheck:
    """``text`` (a draft for a customer writing ``language``) translated for ``user`` if they
    do not read the language it is written in (detected for replies; a relay to Quality
    quotes the customer's mail inline and stays in its own language)."""
    service, router = for_app(app)
    pairs = router.available_pairs()
    written = (written_language(text) if kind == "reply" else None) or language
    choice = choose(written, user.reads, pairs)
    src = choice.source
    if choice.action == "none" or not text.strip():
        return DraftCheck("none", src, customer=language)
    if choice.action == "missing":
        return DraftCheck(
            TranslationJobState.NO_MODEL,
            target=choice.target,
            missing=choice.missing,
            source=src,
            customer=language,
        )
    assert choice.target is not None
    try:
        out = service.translate_text(reply_and_history(text)[0], choice.source, choice.target)
    except TranslationError as exc:
        return DraftCheck(
            TranslationJobState.FAILED,
            target=choice.target,
            error=str(exc),
            source=src,
            customer=language,
        )
    except Exception as exc:  # a broken model must not take the review page down
        log.exception("back-translation %s→%s failed", choice.source, choice.target)
        return DraftCheck(
            TranslationJobState.FAILED,
            target=choice.target,
            error=f"{type(exc).__name__}: {exc}",
            source=src,
            customer=language,
        )
    return DraftCheck(
        TranslationJobState.DONE,
        target=choice.target,
        text=out,
        engine=router.describe(choice.hops),
        source=src,
        customer=language,
    )


def admin_translation(app: App, days: int = 30) -> AdminTranslation:
    router = _router(app)
    with app.sessions() as session:
        missing = missing_report(session, router.available_pairs(), app.clock(), days)
    return AdminTranslation(tuple(installed_pairs(app.settings, router)), tuple(missing), days)
