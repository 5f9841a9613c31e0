"""Which finished translation a reader is shown: one rule for every list and page.

A message in a language the reader does not read is shown in the first of the reader's
languages (in the reader's order) that a finished translation of it exists in; language
families are compared, so ``zh-Hans`` and ``zh`` are one. Which model could translate it
*now* does not matter here: a translation made before a model was removed is still shown,
and one not made yet leaves the original. The thread inbox, a thread's page and the
single-message list all call :func:`shown_translations`, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.db import models as m
from mailagent.records import TranslationJobState
from mailagent.translation.base import language_family

__all__ = ["Translated", "shown_translations"]


@dataclass(frozen=True, slots=True)
class Translated:
    """A finished machine translation of one message for the reader: into ``target``; the
    new text and the subject, each None when it came out empty."""

    target: str
    body: str | None
    subject: str | None


def shown_translations(
    session: Session, items: Iterable[tuple[int, str | None]], reads: Sequence[str]
) -> dict[int, Translated]:
    """Message id -> the translation shown to a reader of ``reads``, for the (message id,
    language) ``items`` the reader does not read and that have one (one query for all)."""
    if not reads:
        return {}
    families = {language_family(r) for r in reads}
    need = [pk for pk, lang in items if lang and language_family(lang) not in families]
    if not need:
        return {}
    rows = session.execute(
        select(
            m.MessageTranslation.message_id,
            m.MessageTranslation.target_lang,
            m.MessageTranslation.body,
            m.MessageTranslation.subject,
        ).where(
            m.MessageTranslation.message_id.in_(need),
            m.MessageTranslation.status == TranslationJobState.DONE,
        )
    ).all()
    rank = {language_family(r): i for i, r in enumerate(reads)}
    best: dict[int, tuple[int, Translated]] = {}
    for pk, target, body, subject in rows:
        order = rank.get(language_family(target))
        found = Translated(target, _text(body), _text(subject))
        if order is None or not (found.body or found.subject):
            continue
        if pk not in best or order < best[pk][0]:
            best[pk] = (order, found)
    return {pk: found for pk, (_o, found) in best.items()}


def _text(value: str | None) -> str | None:
    return value if value and value.strip() else None
