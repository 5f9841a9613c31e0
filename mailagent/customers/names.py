"""Company names: normalisation, fuzzy matching against the directory, signature lines.

Pure helpers for ``stages/link.py`` (and ``db/directory.create_prospect``). Names are compared
after folding case and accents (ä → ae, ß → ss, é → e), dropping punctuation and legal suffixes
(GmbH, Ltd, Inc, S.A., Co., Ltd., 有限公司, ...). A customer name matches a text line when it is
similar (``difflib``) to the whole line or to a window of the line's words of about the same
length, so "Best regards, Müller Elektronik GmbH, Einkauf" still finds "Mueller Elektronik".
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["NameMatch", "company_line", "match_names", "normalise_name", "similarity"]

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe"})

# Legal forms, compared on the normalised (lower-case, no punctuation) words.
_LEGAL_WORDS = frozenset((
    "gmbh", "mbh", "ag", "kg", "ohg", "ug", "ltd", "limited", "inc", "incorporated", "llc",
    "llp", "corp", "corporation", "co", "company", "plc", "sa", "sas", "sarl", "srl", "spa",
    "sl", "sau", "bv", "nv", "oy", "ab", "as", "aps", "asa", "pty", "pte", "bhd", "sdn", "kk",
    "jsc", "ooo", "zao", "oao", "pjsc", "ltda", "cia", "eirl", "se", "kgaa", "gbr",
))  # fmt: skip
# Written forms that contain dots or spaces: removed before splitting into words.
_LEGAL_DOTTED = re.compile(
    r"(?<![\w])(?:s\.\s?a\.|s\.\s?l\.|s\.\s?r\.\s?l\.|s\.\s?p\.\s?a\.|b\.\s?v\.|n\.\s?v\.|"
    r"s\.\s?a\.\s?s\.|a/s|co\.,?\s*ltd\.?|co\.|inc\.|corp\.|ltd\.|& co\.?)",
    re.IGNORECASE,
)
_CJK_SUFFIX = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司|株式会社|有限會社)$")
_NON_WORD = re.compile(r"[^\w]+")
# A signature line that names a company: it carries a legal form.
_COMPANY_HINT = re.compile(
    r"(?i)(?<![\w])(gmbh|ltd|ltda|limited|inc|llc|corp|corporation|plc|pty|sas|sarl|"
    r"s\.?\s?a\.?|s\.?r\.?l\.?|s\.?p\.?a\.?|b\.?v\.?|n\.?v\.?|ag|kg|oy|ab|co\.)(?![\w])"
    r"|有限公司|公司|株式会社"
)


def _fold(text: str) -> str:
    text = text.casefold().translate(_TRANSLIT)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Comparison form of a company name: folded words without legal suffixes."""
    text = _CJK_SUFFIX.sub("", name.strip())
    text = _LEGAL_DOTTED.sub(" ", _fold(text))
    words = [w for w in _NON_WORD.split(text) if w and w not in _LEGAL_WORDS]
    return " ".join(words)


# (name, line) pairs whose similarity is remembered, and the longest line remembered: a
# signature or letterhead line is short, a longer line (a paragraph) seldom comes back.
# An entry is two short strings and a float, ~0.5 KB at most: ~8 MB when full (65,536
# pairs of lines of any length before).
SIMILARITY_CACHE = 16_384
SIMILARITY_CHARS = 200


def similarity(name_norm: str, line_norm: str) -> float:
    """Best ratio of ``name_norm`` against the whole line or a word window of it (0..1).

    Memoised: a customer's signature and letterhead lines come back in every mail."""
    if len(line_norm) > SIMILARITY_CHARS or len(name_norm) > SIMILARITY_CHARS:
        return _similarity(name_norm, line_norm)
    return _cached_similarity(name_norm, line_norm)


@functools.lru_cache(maxsize=SIMILARITY_CACHE)
def _cached_similarity(name_norm: str, line_norm: str) -> float:
    return _similarity(name_norm, line_norm)


def _similarity(name_norm: str, line_norm: str) -> float:
    if not name_norm or not line_norm:
        return 0.0
    matcher = SequenceMatcher(None)
    matcher.set_seq1(name_norm)
    best = 0.0
    words = line_norm.split()
    size = len(name_norm.split())
    candidates = [line_norm]
    for width in sorted({max(1, size - 1), size, size + 1}):
        for start in range(max(1, len(words) - width + 1)):
            candidates.append(" ".join(words[start : start + width]))
    for candidate in dict.fromkeys(candidates):
        matcher.set_seq2(candidate)
        # the cheap upper bounds first: ratio() only when it could beat the best so far
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


@dataclass(frozen=True, slots=True)
class NameMatch:
    customer_id: int
    name: str
    score: float
    line: str  # the text line that matched, as written


# Customer names prepared: an entry holds the name's character counts (~1 KB), so 8,192
# names (a large directory's active customers) are ~10 MB at most (65,536 before).
PREPARED_NAMES = 8_192


@functools.lru_cache(maxsize=PREPARED_NAMES)
def _prepared_name(name: str) -> tuple[str, Counter[str]]:
    """A customer name normalised, with its character counts (archives repeat per mail)."""
    norm = normalise_name(name)
    return norm, Counter(norm)


def _bigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _bigrams_needed(length: int, threshold: float) -> int:
    """Fewest bigrams a name of ``length`` characters shares with any line it can match.

    ``similarity`` is ``2M/(n+W)`` for some window of ``W`` characters of the line, ``M``
    characters matched in order (SequenceMatcher's blocks). Of the ``M-1`` neighbouring
    pairs of matched characters at most ``n-M`` skip a character of the name and ``W-M`` one
    of the window, so at least ``3M-n-W-1`` pairs are a bigram of the name found in the
    window (each at its own position). A score of ``t`` needs ``M >= t(n+W)/2`` and
    ``W >= tn/(2-t)``, so at least ``(1.5t-1)·2n/(2-t) - 1`` shared bigrams. Zero (no
    filter) when that is not positive (low thresholds, very short names).
    """
    bound = (1.5 * threshold - 1) * 2 * length / (2 - threshold) - 1
    return max(0, math.ceil(bound - 1e-6))


class NameIndex:
    """Customer names indexed by their character bigrams, for :func:`match_names`.

    A q-gram count filter: a line is compared (``difflib``) only with the names that share
    enough bigrams with it to reach the threshold (:func:`_bigrams_needed`), so a line costs
    the names it resembles, not the whole archive; the filter is exact (it never drops a
    name that would match). Built once per customer list (:func:`name_index`); the
    candidates of a line are remembered, since signatures come back in every mail.
    """

    _LINES = 4096  # remembered lines per index (then forgotten all at once)

    def __init__(self, names: Sequence[tuple[int, str]], min_length: int) -> None:
        self.entries: list[tuple[int, str, str, Counter[str]]] = []
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for customer_id, name in names:
            norm, chars = _prepared_name(name)
            if len(norm.replace(" ", "")) < min_length:
                continue
            index = len(self.entries)
            self.entries.append((customer_id, name, norm, chars))
            for bigram, count in _bigrams(norm).items():
                self._postings.setdefault(bigram, []).append((index, count))
        self._needed: dict[float, list[int]] = {}
        self._lines: dict[tuple[str, float], list[int]] = {}

    def candidates(self, line_norm: str, threshold: float) -> list[int]:
        """Entries (ascending) that share enough bigrams with ``line_norm`` to match it."""
        key = (line_norm, threshold)
        found = self._lines.get(key)
        if found is not None:
            return found
        needed = self._needed.get(threshold)
        if needed is None:
            needed = [_bigrams_needed(len(e[2]), threshold) for e in self.entries]
            self._needed[threshold] = needed
        shared = [0] * len(self.entries)
        for bigram, count in _bigrams(line_norm).items():
            for index, in_name in self._postings.get(bigram, ()):
                shared[index] += min(count, in_name)
        found = [i for i, need in enumerate(needed) if shared[i] >= need]
        if len(self._lines) >= self._LINES:
            self._lines.clear()
        self._lines[key] = found
        return found


@functools.lru_cache(maxsize=4)
def name_index(names: tuple[tuple[int, str], ...], min_length: int) -> NameIndex:
    """The :class:`NameIndex` of a customer list (the directory memo hands out one tuple
    per claim; a new prospect makes a new list, and so a new index)."""
    return NameIndex(names, min_length)


def match_names(
    lines: Iterable[str],
    names: Sequence[tuple[int, str]],
    *,
    threshold: float = 0.88,
    min_length: int = 4,
) -> list[NameMatch]:
    """Customers whose normalised name scores at least ``threshold`` on one of ``lines``.

    One best match per customer, best first. Names shorter than ``min_length`` characters
    after normalisation ("AB", "K&K") are skipped: they would match ordinary words.
    """
    index = name_index(tuple(names), min_length)
    normalised = [(line, normalise_name(line)) for line in lines if line.strip()]
    prepared = [
        (line, norm, Counter(norm), set(index.candidates(norm, threshold)))
        for line, norm in normalised
        if norm
    ]
    if not any(p[3] for p in prepared):
        return []
    best: dict[int, NameMatch] = {}
    for position, (customer_id, name, norm, chars) in enumerate(index.entries):
        for line, line_norm, line_chars, candidates in prepared:
            if position not in candidates:
                continue
            # exact upper bound of similarity(): a window of the line matches at most the
            # characters the name shares with the whole line (M), so ratio <= 2M/(len+M)
            shared = sum((chars & line_chars).values())
            if 2 * shared < threshold * (len(norm) + shared):
                continue
            score = similarity(norm, line_norm)
            if score >= threshold and (customer_id not in best or score > best[customer_id].score):
                best[customer_id] = NameMatch(customer_id, name, round(score, 3), line.strip())
    return sorted(best.values(), key=lambda m: (-m.score, m.customer_id))


def company_line(signature: str) -> str | None:
    """The first signature line that looks like a company name (it has a legal form)."""
    for line in signature.splitlines():
        text = line.strip(" \t-–—|,;")
        if 2 < len(text) <= 120 and _COMPANY_HINT.search(text):
            return text
    return None
