"""Search result snippets: where in a message the search terms were found, cut to a line.

:func:`snippet` is pure: it returns the text as :class:`Piece` records (plain text and
matched parts), never markup, so the template escapes every piece and only wraps the
matches in ``<mark>``. :func:`search_snippets` picks, for each message of a results page,
the first field that contains a term: the new text, then its translations, then the
attachment names (a message found only by its customer or order shows its first words).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.db import models as m

__all__ = ["Piece", "Snippet", "highlight", "search_snippets", "snippet"]

WIDTH = 180


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    hit: bool = False


@dataclass(frozen=True, slots=True)
class Snippet:
    source: str  # "text" | "translation" | "attachments"
    pieces: tuple[Piece, ...]


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    found = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not found:
        return None
    return re.compile("|".join(re.escape(t) for t in found), re.IGNORECASE)


def highlight(text: str, terms: Sequence[str]) -> tuple[Piece, ...]:
    """``text`` split into plain and matched pieces."""
    pattern = _pattern(terms)
    if pattern is None or not text:
        return (Piece(text),) if text else ()
    pieces: list[Piece] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append(Piece(text[at : match.start()]))
        pieces.append(Piece(match.group(0), hit=True))
        at = match.end()
    if at < len(text):
        pieces.append(Piece(text[at:]))
    return tuple(pieces)


def snippet(text: str, terms: Sequence[str], width: int = WIDTH) -> tuple[Piece, ...] | None:
    """About ``width`` characters of ``text`` around its first match (None: no match)."""
    flat = re.sub(r"\s+", " ", text).strip()
    pattern = _pattern(terms)
    found = pattern.search(flat) if pattern else None
    if found is None:
        return None
    start = max(0, found.start() - width // 3)
    if start:
        space = flat.rfind(" ", 0, start + 1)
        start = space + 1 if space > start - 20 else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.find(" ", end - 20, end)
        end = space if space != -1 else end
    pieces = list(highlight(flat[start:end], terms))
    if start:
        pieces.insert(0, Piece("… "))
    if end < len(flat):
        pieces.append(Piece(" …"))
    return tuple(pieces)


def _first(texts: Sequence[str], terms: Sequence[str]) -> tuple[Piece, ...] | None:
    for text in texts:
        found = snippet(text, terms)
        if found is not None:
            return found
    return None


def search_snippets(
    session_factory: Callable[[], Session], ids: Sequence[int], terms: Sequence[str]
) -> dict[int, Snippet]:
    """A snippet for each of ``ids`` (one results page)."""
    if not ids:
        return {}
    with session_factory() as session:
        rows = session.execute(
            select(m.Message.id, m.Message.new_text, m.Message.translated_text).where(
                m.Message.id.in_(ids)
            )
        ).all()
        translations: dict[int, list[str]] = {}
        for pk, subject, body in session.execute(
            select(
                m.MessageTranslation.message_id,
                m.MessageTranslation.subject,
                m.MessageTranslation.body,
            ).where(m.MessageTranslation.message_id.in_(ids))
        ):
            translations.setdefault(pk, []).extend(t for t in (body, subject) if t)
        files: dict[int, list[str]] = {}
        for pk, name in session.execute(
            select(m.Attachment.message_pk, m.Attachment.filename).where(
                m.Attachment.message_pk.in_(ids)
            )
        ):
            files.setdefault(pk, []).append(name)
    out: dict[int, Snippet] = {}
    for pk, new_text, translated in rows:
        found = _first([new_text], terms)
        if found is not None:
            out[pk] = Snippet("text", found)
            continue
        found = _first([translated or "", *translations.get(pk, [])], terms)
        if found is not None:
            out[pk] = Snippet("translation", found)
            continue
        found = _first([" · ".join(files.get(pk, []))], terms)
        if found is not None:
            out[pk] = Snippet("attachments", found)
            continue
        flat = re.sub(r"\s+", " ", new_text).strip()
        cut = flat[:WIDTH] + (" …" if len(flat) > WIDTH else "")
        out[pk] = Snippet("text", (Piece(cut),) if cut else ())
    return out
