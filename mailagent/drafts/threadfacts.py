"""One reply for everything the customer wrote since our last answer in the thread.

Pure. When an inquiry and then an order (or a question, then a complaint) arrive in one
thread before we answered, the reply must handle all of them, not produce two drafts that
contradict each other. :func:`merge` folds the still-unanswered customer messages (oldest
first) into the newest message's facts: their texts are concatenated (so quote lines,
questions and requested documents of the earlier mail are answered too) and the reply's
intent is the weightiest one among them (complaint > order > payment > inquiry). The note
says which messages the reply answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mailagent.drafts.variables import MessageFacts
from mailagent.records import Intent

__all__ = ["WEIGHT", "merge"]

WEIGHT = {Intent.COMPLAINT: 4, Intent.ORDER: 3, Intent.PAYMENT: 2, Intent.INQUIRY: 1}


def merge(newest: MessageFacts, earlier: Sequence[MessageFacts]) -> tuple[MessageFacts, str]:
    """``newest`` extended by the ``earlier`` unanswered messages; and a note (or "")."""
    earlier = [e for e in earlier if e.message_pk != newest.message_pk and e.new_text.strip()]
    if not earlier:
        return newest, ""
    everything = [*earlier, newest]
    intents = [f.intent for f in everything if f.intent in WEIGHT]
    intent = max(intents, key=lambda i: WEIGHT[i]) if intents else newest.intent
    text = "\n\n".join(f.new_text.strip() for f in everything)
    attachments = tuple(dict.fromkeys(a for f in everything for a in f.attachments))
    translated = None
    if all(f.translated_text for f in everything):
        translated = "\n\n".join((f.translated_text or "").strip() for f in everything)
    merged = dataclasses.replace(
        newest,
        intent=intent,
        new_text=text,
        attachments=attachments,
        translated_text=translated,
    )
    listed = ", ".join(
        f"#{f.message_pk} ({f.intent.value if f.intent else 'other'})" for f in everything
    )
    note = (
        f"one reply for the {len(everything)} unanswered messages of the thread: {listed}; "
        f"intent {intent.value if intent else 'other'} / 一封回复处理此会话中 "
        f"{len(everything)} 封未回复邮件：{listed}"
    )
    return merged, note
