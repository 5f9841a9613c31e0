"""Use case: translate a draft written in the team language into the customer's language.

The draft's current text (e.g. a reply a salesperson wrote in Chinese) is translated offline
into the draft's language (the customer's) and saved as a new draft version; the version
before it keeps the original, so both stay in the draft's history. The draft goes back to
``pending`` and must be approved again. A missing model path raises ``TranslationError``
naming the pair. The language the text is written in is detected (:func:`written_language`;
the team language when detection is unsure), so a reply typed in English or Chinese into a
German draft is translated from what it really is. With ``target`` a draft is translated
into another language, which becomes the draft's language (an English fallback draft for a
Portuguese customer -> Portuguese).
The quoted history below the reply is the customer's own mail and is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts.service import edit_draft
from mailagent.errors import NotFound, TranslationError
from mailagent.parse.quoting import split_reply
from mailagent.translation.base import language_family
from mailagent.translation.inbound import build_service
from mailagent.triage.stages.language.detect import UNKNOWN, detect

__all__ = ["DraftTranslation", "reply_and_history", "translate_draft", "written_language"]

SURE = 0.9  # detection confidence below which the draft's text language is not guessed


def reply_and_history(body: str) -> tuple[str, str]:
    """The draft's own text and the quoted history below it ("On ... wrote:" and ``>``
    lines), which is the customer's mail in the customer's language: never translated."""
    quoted = split_reply(body).quoted_text.strip()
    trimmed = body.rstrip()
    if not quoted or not trimmed.endswith(quoted):
        return body, ""
    cut = len(trimmed) - len(quoted)
    return body[:cut], body[cut:]


def written_language(body: str) -> str | None:
    """The language the draft's own text (not the quoted history) is written in, or None
    when detection is unsure (too short, mixed scripts)."""
    info = detect(reply_and_history(body)[0])
    if info.lang == UNKNOWN or info.confidence < SURE:
        return None
    return language_family(info.lang)


@dataclass(frozen=True, slots=True)
class DraftTranslation:
    draft_id: int
    source: str
    target: str
    original_version: int
    translated_version: int
    translated: str


def translate_draft(
    app: App,
    draft_id: int,
    *,
    actor: str,
    source: str | None = None,
    target: str | None = None,
) -> DraftTranslation:
    """Translate draft ``draft_id`` from ``source`` (default: the detected language of its
    text, else the team language) into ``target`` (default: the draft's language; otherwise
    it becomes the draft's language)."""
    with app.sessions() as session:
        draft = session.get(m.Draft, draft_id)
        if draft is None:
            raise NotFound(f"no draft with id {draft_id}")
        body, subject, version = draft.body, draft.subject, draft.version
        if target is None:
            target = draft.language
            source = source or written_language(body) or app.settings.team.language
        else:
            source = source or written_language(body) or draft.language
    if language_family(target) == language_family(source):
        raise TranslationError(f"draft {draft_id} is already in {target}: nothing to translate")
    service = build_service(app.settings, app.sessions)
    reply, history = reply_and_history(body)
    translated = service.translate_text(reply, source, target) + history
    if translated.strip() == body.strip():
        raise TranslationError(f"translation {source}→{target} returned the text unchanged")
    new_version = edit_draft(app, draft_id, translated, subject, actor=actor)
    with app.sessions() as session, session.begin():
        draft = session.get(m.Draft, draft_id)
        if draft is not None and draft.language != target:
            draft.language = target
    return DraftTranslation(draft_id, source, target, version, new_version, translated)
