"""A cheap pre-check for a rule's own regex (``matches``): text it must contain to match.

A ``matches`` regex runs over a whole multi-sentence mail; most mail cannot match it,
and ``str`` substring tests (a fast C scan) can often tell. :func:`required` reads the
parsed pattern (``re._parser``, the standard library's own parser) and returns a list of
literal alternatives of which every match contains at least one, or None when it cannot
say: literal characters in sequence, alternations whose every branch requires something,
groups and repeats of at least one; look-arounds, classes and optional parts require
nothing. Case-insensitive parts use only literals of ASCII letters, digits and
punctuation other than ``i`` and ``s`` (whose case-insensitive matches include ``ı`` and
``ſ``) and letters of scripts without case (CJK, kana, Hangul), looked for in the
lower-cased text. Tested against the regexes (the differential
check in ``bench/rule_hits.py`` and the shipped rules on the corpus). Pure.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Required", "required"]

# the standard library's regex parser (no type stubs: read as Any)
sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

_UNSAFE_CI = frozenset("is")  # case-insensitively they also match ı and ſ
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


@dataclass(frozen=True, slots=True)
class Required:
    """At least one of ``cased`` occurs as written, or one of ``folded`` in lower case."""

    cased: tuple[str, ...]
    folded: tuple[str, ...]

    def may_match(self, text: str) -> bool:
        if any(piece in text for piece in self.cased):
            return True
        if self.folded:
            lowered = text.lower()
            return any(piece in lowered for piece in self.folded)
        return False


def required(pattern: str) -> Required | None:
    """What every match of ``pattern`` contains, or None (then the regex always runs)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    found = _sequence(parsed.data, bool(parsed.state.flags & re.IGNORECASE))
    if not found:
        return None
    cased = tuple(sorted({text for text, folded in found if not folded}))
    lowered = tuple(sorted({text for text, folded in found if folded}))
    return Required(cased, lowered)


Alternatives = set[tuple[str, bool]]  # (literal, looked for in lower case)


def _sequence(items: Sequence[tuple[Any, Any]], ignore_case: bool) -> Alternatives | None:
    """The most selective requirement of a sequence of parsed items (longest shortest)."""
    options: list[Alternatives] = []
    run: list[str] = []

    def close() -> None:
        if run:
            literal = "".join(run)
            if not ignore_case:
                options.append({(literal, False)})
            else:  # each stretch of safe characters is required
                safe = "".join(c.lower() if _ci_safe(c) else "\0" for c in literal)
                options.extend({(piece, True)} for piece in safe.split("\0") if piece)
            run.clear()

    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        close()
        if op is sre.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            case = (ignore_case or bool(add_flags & re.IGNORECASE)) and not (
                del_flags & re.IGNORECASE
            )
            inner = _sequence(sub.data, case)
            if inner:
                options.append(inner)
        elif op is sre.BRANCH:
            union: Alternatives = set()
            for branch in av[1]:
                inner = _sequence(branch.data, ignore_case)
                if not inner:
                    union = set()
                    break
                union |= inner
            if union:
                options.append(union)
        elif op in _REPEATS:
            low, _, sub = av
            inner = _sequence(sub.data, ignore_case) if low >= 1 else None
            if inner:
                options.append(inner)
        # anything else (classes, any, anchors, look-arounds, back-references) requires
        # nothing and ends the literal run
    close()
    if not options:
        return None
    return max(options, key=lambda alternatives: min(len(text) for text, _ in alternatives))


def _ci_safe(char: str) -> bool:
    """A character whose case-insensitive matches are found in lower-cased text: ASCII
    other than i and s, or a letter of a script without case (CJK, kana, Hangul, Arabic)."""
    if char.isascii():
        return char.lower() not in _UNSAFE_CI
    return unicodedata.category(char) == "Lo"
