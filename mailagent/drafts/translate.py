"""Use case: translate a draft written in the team language into the customer's language.

The draft's current text (e.g. a reply a salesperson wrote in Chinese) is translated offline
into the draft's language (the customer's) and saved as a new draft version; the version
before it keeps the original, so both stay in the draft's history. The draft goes back to
``pending`` and must be approved again. A missing model path raises ``TranslationError``
naming the pair. With ``target`` a draft is translated into another language, which becomes
the draft's language (an English fallback draft for a Portuguese customer -> Portuguese).
The quoted history below the reply is the customer's own mail and is kept as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts.service import edit_draft
from mailagent.errors import NotFound, TranslationError
from mailagent.parse.quoting import split_reply
from mailagent.translation.inbound import build_service

__all__ = ["DraftTranslation", "reply_and_history", "translate_draft"]


def reply_and_history(body: str) -> tuple[str, str]:
    """The draft's own text and the quoted history below it ("On ... wrote:" and ``>``
    lines), which is the customer's mail in the customer's language: never translated."""
    quoted = split_reply(body).quoted_text.strip()
    trimmed = body.rstrip()
    if not quoted or not trimmed.endswith(quoted):
        return body, ""
    cut = len(trimmed) - len(quoted)
    return body[:cut], body[cut:]


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
    """Translate draft ``draft_id`` from ``source`` (default: team language) into ``target``
    (default: the draft's language; otherwise it becomes the draft's language)."""
    with app.sessions() as session:
        draft = session.get(m.Draft, draft_id)
        if draft is None:
            raise NotFound(f"no draft with id {draft_id}")
        body, subject, version = draft.body, draft.subject, draft.version
        if target is None:
            target = draft.language
            source = source or app.settings.team.language
        else:
            source = source or draft.language
    if target == source:
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
