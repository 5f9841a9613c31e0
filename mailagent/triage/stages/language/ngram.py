"""Deterministic n-gram language scores over langdetect's profiles, plus function words.

``langdetect`` estimates language probabilities by sampling n-grams at random (seeded), and
with 1-3 grams from a short text its answer swings between trials. Here the same profiles
are used as a plain naive-Bayes model over *all* n-grams of the text, so the score is
deterministic and uses all the evidence; function words (``langwords.py``) add
per-word evidence that separates close relatives. Scores are log-likelihoods in nats,
divided by :data:`TEMPERATURE` because the overlapping 1/2/3-grams of one character are
not independent; the n-grams of capitalised words after the first (names, brands) count
:data:`NAME_WEIGHT`. The profile factory is built once, lazily, under a lock; scoring only
reads it, so concurrent calls are safe. No I/O after the first load.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram

from mailagent.triage.stages.language.words import FUNCTION_WORDS

__all__ = [
    "NAME_WEIGHT",
    "PROFILE_LANGUAGES",
    "TEMPERATURE",
    "WORD_BONUS",
    "Scores",
    "probabilities",
    "score",
    "words",
]

# langdetect profiles loaded (its 55 minus the rare ones that mostly appear as false hits).
PROFILE_LANGUAGES: tuple[str, ...] = (
    "en", "de", "es", "fr", "pt", "it", "nl", "pl", "tr", "vi", "cs", "sk", "sv", "da",
    "no", "fi", "ro", "hu", "id", "hr", "sl", "lt", "lv", "et", "ca", "af", "sq", "cy",
    "ru", "uk", "bg", "mk", "ar", "fa", "ur", "zh-cn", "zh-tw", "ja",
)  # fmt: skip
# Languages without a langdetect profile, scored as a mixture of two relatives' profiles
# (their spelling sits between them) plus their own function words: Galician as 70 %
# Portuguese, 30 % Spanish. A text in either parent scores higher with the parent's own
# profile (the mixture discounts every gram the other parent lacks); Galician, which mixes
# both, scores higher with the mixture.
BLENDED: dict[str, tuple[str, str, float]] = {"gl": ("pt", "es", 0.7)}

TEMPERATURE = 2.0  # each character feeds a 1-, 2- and 3-gram: discount the overlap
WORD_BONUS = 8.0  # nats per function word of a language (not divided by TEMPERATURE)
NAME_WEIGHT = 0.5  # weight of the n-grams of capitalised words after the first
_SMOOTHING = 0.5 / 10000  # langdetect's alpha / BASE_FREQ
# Words, but not clitics after a hyphen (Portuguese "vê-la", "ajudá-lo").
_WORD = re.compile(r"(?<![-\w])[^\W\d_]+")

_LOCK = threading.Lock()
_FACTORY: DetectorFactory | None = None

Scores = tuple[tuple[str, float], ...]
"""(language, log-score) pairs, best first."""


def _factory() -> DetectorFactory:
    """The shared profile factory: loaded once (double-checked lock), seed 0."""
    global _FACTORY
    if _FACTORY is None:
        with _LOCK:
            if _FACTORY is None:
                factory = DetectorFactory()
                profiles = [
                    (Path(PROFILES_DIRECTORY) / name).read_text(encoding="utf-8")
                    for name in PROFILE_LANGUAGES
                ]
                factory.load_json_profile(profiles)
                factory.set_seed(0)  # only used if a caller asks langdetect to sample
                _FACTORY = factory
    return _FACTORY


# Words whose grams are remembered, and the longest word remembered. An entry is the word,
# a tuple of ~3 grams per letter (the grams interned: one copy each, however many words
# share them) and the cache's link: ~0.4 KB for a word of up to 24 characters, so the cache
# stays under ~7 MB (it held 65,536 words with their own gram strings, ~50 MB when full);
# the words mail repeats are far fewer than 16,384.
# Longer tokens (links, codes, run-together words) seldom come back: computed each time.
GRAM_CACHE = 16_384
GRAM_CACHE_CHARS = 24


def _token_grams(token: str) -> tuple[str, ...]:
    """The 1-3 character n-grams of one word that the profiles know (langdetect's rules:
    a space starts and ends each word; an all-caps word stops yielding grams)."""
    if len(token) > GRAM_CACHE_CHARS:
        return _grams_of(token)
    return _cached_grams(token)


@lru_cache(maxsize=GRAM_CACHE)
def _cached_grams(token: str) -> tuple[str, ...]:
    return _grams_of(token)


def _grams_of(token: str) -> tuple[str, ...]:
    table: dict[str, list[float]] = _factory().word_lang_prob_map
    found: list[str] = []
    gram = NGram()
    for ch in NGram.normalize_vi(token + " "):
        gram.add_char(ch)
        if gram.capitalword:
            continue
        grams: str = gram.grams
        for n in (1, 2, 3):
            if len(grams) < n:
                break
            piece = grams[-n:]
            if piece != " " and piece in table:
                found.append(sys.intern(piece))
    return tuple(found)


def _ngrams(text: str) -> dict[str, float]:
    """Each known n-gram of ``text`` with its total weight (occurrences x word weight).

    Grams of a capitalised word after the first one (names, brands) weigh
    :data:`NAME_WEIGHT`: they say little about the language of the text around them.
    Summing per gram first makes a long text cost its distinct grams, not all of them.
    """
    weights: dict[str, float] = {}
    for index, token in enumerate(text.split()):
        weight = NAME_WEIGHT if index and token[0].isupper() else 1.0
        for piece in _token_grams(token):
            weights[piece] = weights.get(piece, 0.0) + weight
    return weights


def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (clitics after a hyphen left out)."""
    return _WORD.findall(text.lower())


def score(text: str, allowed: tuple[str, ...], prior: dict[str, float] | None = None) -> Scores:
    """Log-scores of ``text`` for each language in ``allowed``, best first.

    ``prior`` adds a log-prior (nats) per language. Returns () when the text has no
    n-gram the profiles know.
    """
    factory = _factory()
    table: dict[str, list[float]] = factory.word_lang_prob_map
    weighted = _ngrams(text)
    if not weighted:
        return ()
    full = np.asarray([table[g] for g in weighted], dtype=np.float64)
    parts = []
    for code in allowed:
        if code in BLENDED:
            first, second, share = BLENDED[code]
            a, b = factory.langlist.index(first), factory.langlist.index(second)
            parts.append(share * full[:, a] + (1.0 - share) * full[:, b])
        else:
            parts.append(full[:, factory.langlist.index(code)])
    matrix = np.stack(parts, axis=1)
    logs = np.log(matrix + _SMOOTHING) * np.fromiter(weighted.values(), np.float64)[:, None]
    totals = logs.sum(axis=0) / TEMPERATURE
    found = words(text)
    result: dict[str, float] = {}
    for i, code in enumerate(allowed):
        lang = "zh" if code.startswith("zh") else code
        value = float(totals[i])
        listed = FUNCTION_WORDS.get(lang)
        if listed:
            value += WORD_BONUS * sum(1 for w in found if w in listed)
        if prior:
            value += prior.get(lang, 0.0)
        result[lang] = max(value, result.get(lang, -math.inf))
    return tuple(sorted(result.items(), key=lambda kv: -kv[1]))


def probabilities(scores: Scores, keep: int = 3) -> tuple[tuple[str, float], ...]:
    """Softmax of the log-scores: the ``keep`` best as (language, probability)."""
    if not scores:
        return ()
    top = scores[0][1]
    weights = [(lang, math.exp(value - top)) for lang, value in scores]
    total = sum(w for _, w in weights)
    return tuple((lang, round(w / total, 4)) for lang, w in weights[:keep])
