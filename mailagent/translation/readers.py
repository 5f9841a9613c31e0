"""Who needs a translation, into what (pure: no I/O, no models).

Each web user reads some languages, in order of preference (Lily: zh, en; Kevin: en). A
message needs no translation for a reader who reads its language. Otherwise it is
translated into the first of the reader's languages that an installed model reaches,
directly or via English; when none is reachable the reader is told which models an
administrator has to install for their first language. :func:`choose` returns that decision
as a :class:`ReaderChoice` with its reason; :func:`install_hint` spells out the commands.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from mailagent.errors import TranslationError
from mailagent.translation.base import PIVOT, Pair, find_path, language_family, normalize_lang

__all__ = ["ReaderChoice", "choose", "install_hint", "missing_pairs", "parse_reads"]

_CODE = re.compile(r"^[a-z]{2,3}$")
UNKNOWN = "unknown"


def parse_reads(text: str | Sequence[str], *, fallback: str = "") -> tuple[str, ...]:
    """ "zh, en" -> ("zh", "en"); de-duplicated, normalised; empty -> (fallback,).

    Raises ValueError for anything that is not a language code.
    """
    items = text.replace(";", ",").split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        if not item.strip():
            continue
        code = normalize_lang(item)
        if not _CODE.match(code):
            raise ValueError(f"not a language code: {item.strip()!r}")
        if code not in out:
            out.append(code)
    if not out and fallback:
        out.append(normalize_lang(fallback))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ReaderChoice:
    """What a reader gets for a message in ``source``.

    ``action``: ``none`` (reads it, or the language is unknown), ``translate`` (into
    ``target`` along ``hops``) or ``missing`` (no installed route to any reader language;
    ``target`` is the reader's first language and ``missing`` the pairs to install).
    """

    action: Literal["none", "translate", "missing"]
    source: str
    target: str | None
    hops: tuple[Pair, ...] = ()
    missing: tuple[Pair, ...] = ()
    reason: str = ""


def missing_pairs(pairs: Collection[Pair], source: str, target: str) -> tuple[Pair, ...]:
    """The models to install so that ``source`` reaches ``target`` (directly for pairs with
    English, else via English, keeping a leg already installed)."""
    src, tgt = normalize_lang(source), normalize_lang(target)
    if PIVOT in (src, tgt):
        return ((src, tgt),)
    have = {(normalize_lang(a), normalize_lang(b)) for a, b in pairs}
    return tuple(p for p in ((src, PIVOT), (PIVOT, tgt)) if p not in have)


def install_hint(missing: Sequence[Pair]) -> str:
    """ "`mailagent translate install de en` and `en zh`"."""
    if not missing:
        return ""
    first, *rest = missing
    text = f"`mailagent translate install {first[0]} {first[1]}`"
    return text + "".join(f" and `{a} {b}`" for a, b in rest)


def choose(source: str | None, reads: Sequence[str], pairs: Collection[Pair]) -> ReaderChoice:
    """Decide for one reader (``reads`` in order of preference) and one message language."""
    src = normalize_lang(source or UNKNOWN)
    if src == UNKNOWN or not reads:
        return ReaderChoice("none", src, None, reason="language unknown or no reader languages")
    family = language_family(src)
    for lang in reads:
        if language_family(lang) == family:
            return ReaderChoice("none", src, None, reason=f"reader reads {lang}")
    tried: list[str] = []
    for lang in reads:
        try:
            hops = find_path(pairs, src, lang)
        except TranslationError:
            tried.append(f"{src}→{normalize_lang(lang)}")
            continue
        route = "→".join([hops[0][0], *(b for _, b in hops)])
        skipped = f" (no model for {', '.join(tried)})" if tried else ""
        return ReaderChoice(
            "translate",
            src,
            normalize_lang(lang),
            tuple(hops),
            reason=f"translate {route} for a reader of {', '.join(reads)}{skipped}",
        )
    first = normalize_lang(reads[0])
    need = missing_pairs(pairs, src, first)
    return ReaderChoice(
        "missing",
        src,
        first,
        missing=need,
        reason=f"no model for {src}→{first}: install {install_hint(need)}",
    )
