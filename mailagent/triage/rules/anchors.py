"""A cheap pre-check for phrase lists: can any phrase of a list occur in this text at all?

Searching a few hundred phrases' trie regex through a long mail costs tens of microseconds
per list, and most lists match nothing in most mail. Every phrase in an alphabetic script
contains at least one whole word (a run of letters) that a match must show as a whole word
of the text too; :class:`Anchors` keeps one such word per phrase (the longest), or, for a
one-word phrase with a ``*``, its prefix, suffix or infix. A text whose words contain none
of them cannot match, and the regex is skipped. Phrases in unspaced scripts (CJK, Thai)
are checked by the regex whenever the text has such characters; a phrase without letters
always is. The same folding and word rule as the matcher (``match.fold``) is used, so the
pre-check never hides a match (tested against the regexes). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from mailagent.triage.rules.match import fold

__all__ = ["Anchors", "text_words"]

_RUN = re.compile(r"[^\W\d_]+")
_UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


@lru_cache(maxsize=1024)
def text_words(folded: str) -> tuple[frozenset[str], bool]:
    """The letter runs of folded text, and whether it has unspaced-script characters."""
    return frozenset(_RUN.findall(folded)), _UNSPACED.search(folded) is not None


@dataclass(frozen=True, slots=True)
class Anchors:
    """What a text must contain for any phrase of a list to match."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    infixes: tuple[str, ...]
    unspaced: bool
    always: bool

    @classmethod
    def of(cls, phrases: Iterable[str]) -> Anchors:
        words: set[str] = set()
        prefixes: set[str] = set()
        suffixes: set[str] = set()
        infixes: set[str] = set()
        unspaced = always = False
        for phrase in phrases:
            raw = phrase.strip()
            core = fold(" ".join(raw.strip("*").split()))
            if not core:
                continue
            if _UNSPACED.search(core):
                unspaced = True
                continue
            runs = [(m.start(), m.end(), m.group()) for m in _RUN.finditer(core)]
            whole = [
                text
                for start, end, text in runs
                if not (raw.startswith("*") and start == 0)
                and not (raw.endswith("*") and end == len(core))
            ]
            if whole:
                words.add(max(whole, key=len))
            elif not runs:
                always = True
            else:
                _, _, text = max(runs, key=lambda r: len(r[2]))
                left, right = raw.startswith("*"), raw.endswith("*")
                if left and right:
                    infixes.add(text)
                elif right:
                    prefixes.add(text)
                else:
                    suffixes.add(text)
        return cls(
            frozenset(words),
            tuple(sorted(prefixes)),
            tuple(sorted(suffixes)),
            tuple(sorted(infixes)),
            unspaced,
            always,
        )

    def may_match(self, folded: str) -> bool:
        """False only when no phrase of the list can occur in ``folded``."""
        if self.always:
            return True
        found, has_unspaced = text_words(folded)
        if self.unspaced and has_unspaced:
            return True
        if not self.words.isdisjoint(found):
            return True
        if self.prefixes or self.suffixes or self.infixes:
            for word in found:
                if word.startswith(self.prefixes) if self.prefixes else False:
                    return True
                if word.endswith(self.suffixes) if self.suffixes else False:
                    return True
                if any(part in word for part in self.infixes):
                    return True
        return False
