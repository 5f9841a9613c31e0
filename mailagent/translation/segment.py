"""Offline sentence splitting that keeps the layout of an e-mail (pure, no models).

Argos' own splitters download models at first use (Stanza resources, MiniSBD ONNX), so the
translation layer splits text itself. :func:`split` cuts a text into :class:`Piece` records:
``sentence`` pieces are translated, ``layout`` pieces (newlines, blank lines, indentation,
bullet markers, lines without letters such as ``----``) are copied verbatim, and ``gap``
pieces are the spaces between two sentences on one line. :func:`join` puts the translated
sentences back in place, so the output has the same lines and paragraphs as the input; a
gap is dropped when translating into Chinese or Japanese and a space is added between
sentences when translating out of them.

Rules: a line break always ends a sentence (greeting lines, bullets and signature lines stay
separate), except a soft-wrapped line (long, no closing punctuation, next line starts in
lower case), which is joined with the next line and re-flowed. Latin sentences end at
``. ! ? …`` followed by white space and an upper-case letter, digit, quote or non-Latin
letter, unless the word before the dot is a known abbreviation (``Mr.``, ``Dr.``, ``Nr.``,
``z.B.``, ``i.e.``, ``No. 5``, ``ca.``), an initial (``J. Smith``) or a day before a month
(``3. März``). CJK sentences end at ``。！？`` (and the Japanese full-width ``．``) with no
space needed. Sentences longer than ``max_chars`` are cut at a comma or space.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["CJK_LANGUAGES", "Piece", "is_cjk", "join", "sentences", "split"]

PieceKind = Literal["sentence", "layout", "gap"]

CJK_LANGUAGES = frozenset({"zh", "zt", "ja", "ko"})
_NO_SPACE_LANGUAGES = frozenset({"zh", "zt", "ja"})


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of the input: a sentence to translate, or layout/gap text kept as is."""

    text: str
    kind: PieceKind


# Abbreviations (lower case, without the final dot) after which a dot never ends a sentence.
_ABBREVIATION_WORDS = """
    mr mrs ms mx dr prof st sr sra srta jr hr fr frl mme mlle mm messrs rev gen col capt
    no nos nr nº n° tel fax ref art abs pos vol fig pp approx appr ca min max sig dept
    z.b z.b. i.e e.g e.g. i.e. d.h u.a u.u s.o s.u o.ä bzw ggf evtl inkl zzgl exkl usw vgl
    stk tlf pág pag núm sres dott ing dipl vs cf al resp aprox ud uds av cía
    jan feb mar apr jun jul aug sep sept oct okt nov dec dez
"""
_MONTH_WORDS = """
    januar februar märz april mai juni juli august september oktober november dezember
    jan feb mär apr jun jul aug sep sept okt nov dez
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_MONTHS = frozenset(_MONTH_WORDS.split())  # "am 3. März": the dot does not end a sentence
_LATIN_END = re.compile(r"(?:\.{3}|…|[.!?]+)[\"'”’»)\]]*(?=\s)")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff01-\uff5e"
# CJK stops always end a sentence (the full-width dot not inside a number); ASCII ! and ?
# end one when CJK text follows.
_CJK_END = re.compile(rf"(?:[。！？]+|．(?![0-9０-９])|[!?]+(?=\s*[{_CJK}]))[」』”’）)\]]*")
_BULLET = re.compile(
    r"^(?:[-*•·‣▪◦–—>]+|\d{1,3}[.)]|[a-z][.)]|[A-Z]\)|\(\d{1,3}\)|[（(][一二三四五六七八九十\d]{1,3}[)）]"
    r"|[一二三四五六七八九十\d]{1,3}[、.．])(?:\s+|(?<=[、．）]))"
)
_LETTER = re.compile(r"[^\W\d_]")
_CLOSING = ".!?:;,。！？：；，、…)"


def is_cjk(ch: str) -> bool:
    """True for Han, kana, Hangul and CJK punctuation characters."""
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0x20000 <= o <= 0x2FA1F
    )


def split(text: str, *, max_chars: int = 400, unwrap: bool = True) -> tuple[Piece, ...]:
    """Cut ``text`` into sentence, layout and gap pieces; ``"".join`` of them is ``text``
    except where soft-wrapped lines were joined (the line break became a space)."""
    pieces: list[Piece] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        raw = lines[i]
        body = raw.rstrip("\r\n")
        ending = raw[len(body) :]
        stripped = body.strip()
        if not stripped:
            _layout(pieces, raw)
            i += 1
            continue
        lead = body[: len(body) - len(body.lstrip())]
        content = body.strip()
        trail = body[len(body.rstrip()) :]
        bullet = _BULLET.match(content)
        if bullet and len(bullet.group()) < len(content):
            lead += bullet.group()
            content = content[bullet.end() :]
        while unwrap and i + 1 < len(lines) and _soft_wrapped(content, lines[i + 1]):
            i += 1
            nxt = lines[i].rstrip("\r\n")
            content = f"{content.rstrip()} {nxt.strip()}"
            trail = nxt[len(nxt.rstrip()) :]
            ending = lines[i][len(nxt) :]
        _layout(pieces, lead)
        _sentences(pieces, content, max_chars)
        _layout(pieces, trail + ending)
        i += 1
    return tuple(pieces)


def sentences(pieces: Sequence[Piece]) -> list[str]:
    """The texts of the sentence pieces, in order."""
    return [p.text for p in pieces if p.kind == "sentence"]


def join(pieces: Sequence[Piece], translated: Sequence[str], *, target: str = "") -> str:
    """Rebuild the text with ``translated`` (one per sentence piece, in order)."""
    it = iter(translated)
    out: list[str] = []
    no_space = target in _NO_SPACE_LANGUAGES
    for piece in pieces:
        if piece.kind == "sentence":
            out.append(next(it))
        elif piece.kind == "gap":
            if no_space:
                continue
            out.append(piece.text or (" " if target else ""))
        else:
            out.append(piece.text)
    return "".join(out)


def _layout(pieces: list[Piece], text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].kind == "layout":
        pieces[-1] = Piece(pieces[-1].text + text, "layout")
    else:
        pieces.append(Piece(text, "layout"))


def _soft_wrapped(content: str, next_line: str) -> bool:
    nxt = next_line.strip()
    return (
        len(content) >= 40
        and content[-1] not in _CLOSING
        and bool(nxt)
        and nxt[0].islower()
        and _BULLET.match(nxt) is None
    )


def _sentences(pieces: list[Piece], content: str, max_chars: int) -> None:
    if not _LETTER.search(content):
        _layout(pieces, content)
        return
    first = True
    for sentence, gap in _split_line(content):
        for j, chunk in enumerate(_cut_long(sentence, max_chars)):
            if not first:
                pieces.append(Piece(gap if j == 0 else " ", "gap"))
            pieces.append(Piece(chunk, "sentence"))
            first = False


def _split_line(line: str) -> list[tuple[str, str]]:
    """``(sentence, gap before it)`` pairs for one line of content."""
    cuts: set[tuple[int, int]] = set()  # (end of sentence, start of next)
    for pattern in (_CJK_END, _LATIN_END):
        for m in pattern.finditer(line):
            end = m.end()
            nxt = end + len(line[end:]) - len(line[end:].lstrip())
            if nxt >= len(line):
                continue
            if pattern is _CJK_END or _latin_boundary(line, m.start(), m.group(), line[nxt:]):
                cuts.add((end, nxt))
    result: list[tuple[str, str]] = []
    start, gap = 0, ""
    for end, nxt in sorted(cuts):
        if end <= start:
            continue
        result.append((line[start:end], gap))
        gap, start = line[end:nxt], nxt
    result.append((line[start:], gap))
    return [(s, g) for s, g in result if s]


def _latin_boundary(line: str, dot_at: int, mark: str, rest: str) -> bool:
    head = rest[0]
    if head.islower():
        return False
    if not (head.isupper() or head.isdigit() or head in "\"'“‘«([¿¡" or is_cjk(head)):
        return False
    if not mark.startswith("."):
        return True
    word = line[:dot_at].rsplit(None, 1)[-1].lstrip("([\"'“‘«") if line[:dot_at].strip() else ""
    low = word.lower()
    if low in _ABBREVIATIONS or low.rstrip(".") in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "J. Smith"
    if re.fullmatch(r"(?:[^\W\d_]\.)+[^\W\d_]", word):
        return False  # "z.B", "i.e", "U.S"
    # German dates: "am 3. März"
    return not (word.isdigit() and rest.split(None, 1)[0].lower().rstrip(".,") in _MONTHS)


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    chunks: list[str] = []
    while len(sentence) > max_chars:
        window = sentence[:max_chars]
        at = max(window.rfind(", "), window.rfind("; "), window.rfind("，"), window.rfind("、"))
        if at < max_chars // 3:
            at = window.rfind(" ")
        if at < max_chars // 3:
            at = max_chars - 1
        chunks.append(sentence[: at + 1].rstrip())
        sentence = sentence[at + 1 :].lstrip()
    if sentence:
        chunks.append(sentence)
    return chunks
