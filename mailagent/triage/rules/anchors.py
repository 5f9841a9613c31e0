"""A pre-check for phrase lists by word lookups: which phrases can occur in this text at all?

Searching a vocabulary's trie regex through a long multi-sentence mail costs tens of
microseconds per language, and most lists match nothing in most mail. A phrase can only
match where the text shows what the phrase is made of, so :class:`PhraseIndex` keeps, per
phrase, everything a match needs (its *anchors*):

- every run of letters of a phrase in an alphabetic script, as a whole word of the text
  ("bank slip" needs the words ``bank`` and ``slip``), or, where the run touches a ``*``,
  as the start (``defect*``), the end (``*reklamation``) or a part (``*garanti*``) of a
  text word;
- every space-separated piece of a phrase with CJK/Thai characters (matched as
  substrings), as a substring of the text;
- nothing for a phrase without letters (always looked for).

For one text the index reads its words once (each distinct word's anchors are looked up in
dicts and kept across texts), then lists the phrases whose anchors are all present. The
regexes run only for the lists (and languages) that have such a phrase, and still decide
what matched: the result is the regex's, the index only skips searches that cannot
succeed. It uses the matcher's own folding and word rule (``match.fold``; runs of
``[^\\W\\d_]``, which ``\\w`` boundaries never cut), so it never hides a match (tested
against the regexes on the shipped corpus and mail). Pure apart from bounded memo tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailagent.memo import text_key, text_memo
from mailagent.triage.rules.match import fold

__all__ = ["PhraseIndex", "text_words"]

_RUN = re.compile(r"[^\W\d_]+")
_UNSPACED = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
# Distinct text words whose anchors are kept (cleared when full); words longer than
# _WORD_CHARS (links, codes) are looked up each time; an entry is ~0.1 KB (most words
# anchor nothing: one shared empty tuple), so the table stays under ~5 MB.
_WORD_CACHE = 50_000
_WORD_CHARS = 40
# Texts whose candidate phrases are kept (a message's fields, re-read by every rule list),
# keyed by a digest of the text (the texts themselves were the keys: 256 whole bodies).
_TEXT_CACHE = 256
# text_words: a message's folded fields, re-read by every list that is matched against
# them. Keyed by digest; the result (its distinct words) grows with the text, so only
# texts up to _WORDS_MEMO_CHARS are remembered: at most ~256 x 60 KB.
_WORDS_MEMO = 256
_WORDS_MEMO_CHARS = 5_000


@text_memo(maxsize=_WORDS_MEMO, max_chars=_WORDS_MEMO_CHARS)
def text_words(folded: str) -> tuple[frozenset[str], bool]:
    """The letter runs of folded text, and whether it has unspaced-script characters."""
    return frozenset(_RUN.findall(folded)), _UNSPACED.search(folded) is not None


class PhraseIndex:
    """Phrases of any number of lists, each with the anchors a match of it needs."""

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        self._ids: dict[str, int] = {}
        self._needs: list[frozenset[int]] = []
        self._leads: list[str] = []  # the text every match of a phrase starts with
        self._anchors: dict[tuple[str, str], int] = {}
        self._whole: dict[str, int] = {}  # whole word -> anchor
        self._prefixes: dict[int, dict[str, int]] = {}  # length -> word start -> anchor
        self._suffixes: dict[int, dict[str, int]] = {}  # length -> word end -> anchor
        self._infixes: list[tuple[str, int]] = []
        self._pieces: dict[str, list[tuple[str, int]]] = {}  # first character -> pieces
        # anchor -> phrases looked at when it occurs: each phrase under its rarest anchor
        self._postings: dict[int, list[int]] | None = None
        self._always: set[int] = set()
        self._word_memo: dict[str, tuple[int, ...]] = {}
        self._text_memo: dict[str | bytes, frozenset[int]] = {}
        for phrase in phrases:
            self.add(phrase)

    def add(self, phrase: str) -> int:
        """The id of ``phrase`` (added if new); ids are what :meth:`candidates` returns."""
        raw = phrase.strip()
        known = self._ids.get(raw)
        if known is not None:
            return known
        number = self._ids[raw] = len(self._needs)
        needs = frozenset(self._anchor(kind, text) for kind, text in _anchors_of(raw))
        self._needs.append(needs)
        core = fold(" ".join(raw.strip("*").split()))
        # a match starts with the phrase's first piece as written (a space matches \s+)
        self._leads.append(core.split(" ")[0] if core else "")
        if not needs and core:  # an empty phrase never matches (compile_phrases drops it)
            self._always.add(number)
        self._postings = None
        self._word_memo.clear()
        self._text_memo.clear()
        return number

    def ids(self, phrases: Iterable[str]) -> frozenset[int]:
        """The ids of ``phrases`` (added if new)."""
        return frozenset(self.add(p) for p in phrases)

    def candidates(self, folded: str) -> frozenset[int]:
        """Ids of the phrases whose anchors all occur in folded text ``folded``.

        A phrase that matches ``folded`` is always among them; most others are not.
        """
        memo = self._text_memo
        key = text_key(folded)
        found = memo.get(key)
        if found is not None:
            return found
        present: set[int] = set()
        words, has_unspaced = text_words(folded)
        word_memo = self._word_memo
        if len(word_memo) > _WORD_CACHE:
            word_memo.clear()
        for word in words:
            anchors = word_memo.get(word)
            if anchors is None:
                anchors = self._word_anchors(word)
                if len(word) <= _WORD_CHARS:
                    word_memo[word] = anchors
            if anchors:
                present.update(anchors)
        if has_unspaced:
            present.update(self._substring_anchors(folded))
        postings = self._postings if self._postings is not None else self._post()
        result = set(self._always)
        needs = self._needs
        for anchor in present:
            for number in postings.get(anchor, ()):
                if needs[number] <= present:
                    result.add(number)
        found = frozenset(result)
        if len(memo) >= _TEXT_CACHE:
            memo.clear()
        memo[key] = found
        return found

    def start(self, ids: frozenset[int], folded: str) -> int:
        """Where in ``folded`` the first match of a phrase of ``ids`` can start, or -1.

        Every match starts with its phrase's first piece, so no match starts before the
        first occurrence of any of those pieces; a phrase whose first piece is absent
        cannot match at all. A regex search from there finds what a search from the start
        finds (its look-behind still sees the text before).
        """
        leads = self._leads
        found = [at for at in (folded.find(leads[number]) for number in ids) if at >= 0]
        return min(found) if found else -1

    def _post(self) -> dict[int, list[int]]:
        """File each phrase under its anchor that the fewest phrases need (then the longest).

        A text lists a phrase only if all its anchors occur, so looking at the phrases of the
        rarest one is enough, and common words ("the", "my") lead to few subset checks.
        """
        uses: dict[int, int] = {}
        for needs in self._needs:
            for anchor in needs:
                uses[anchor] = uses.get(anchor, 0) + 1
        length = {number: len(text) for (_, text), number in self._anchors.items()}
        postings: dict[int, list[int]] = {}
        for number, needs in enumerate(self._needs):
            if needs:
                rarest = min(needs, key=lambda a: (uses[a], -length[a], a))
                postings.setdefault(rarest, []).append(number)
        self._postings = postings
        return postings

    def _anchor(self, kind: str, text: str) -> int:
        key = (kind, text)
        number = self._anchors.get(key)
        if number is None:
            number = self._anchors[key] = len(self._anchors)
            if kind == "w":
                self._whole[text] = number
            elif kind == "i":
                self._infixes.append((text, number))
            elif kind == "u":
                self._pieces.setdefault(text[0], []).append((text, number))
            else:
                ends = self._prefixes if kind == "p" else self._suffixes
                ends.setdefault(len(text), {})[text] = number
        return number

    def _word_anchors(self, word: str) -> tuple[int, ...]:
        """Anchors one whole text word satisfies: itself, its starts, ends and parts."""
        found = []
        exact = self._whole.get(word)
        if exact is not None:
            found.append(exact)
        size = len(word)
        for length, table in self._prefixes.items():
            if length <= size and (number := table.get(word[:length])) is not None:
                found.append(number)
        for length, table in self._suffixes.items():
            if length <= size and (number := table.get(word[size - length :])) is not None:
                found.append(number)
        found.extend(number for text, number in self._infixes if text in word)
        return tuple(found)

    def _substring_anchors(self, folded: str) -> list[int]:
        """Anchors of CJK/Thai phrase pieces that occur in ``folded`` (by first character)."""
        pieces = self._pieces
        return [
            number
            for char in set(folded).intersection(pieces)
            for text, number in pieces[char]
            if text in folded
        ]


def _anchors_of(raw: str) -> list[tuple[str, str]]:
    """(kind, text) anchors of one phrase: w(hole word), p(refix), s(uffix), i(nfix), u."""
    core = fold(" ".join(raw.strip("*").split()))
    if not core:
        return []
    if _UNSPACED.search(core):
        return [("u", piece) for piece in core.split(" ") if piece]
    left, right = raw.startswith("*"), raw.endswith("*")
    anchors = []
    for match in _RUN.finditer(core):
        open_left = left and match.start() == 0
        open_right = right and match.end() == len(core)
        kind = "i" if open_left and open_right else "s" if open_left else "p" if open_right else "w"
        anchors.append((kind, match.group()))
    return anchors
