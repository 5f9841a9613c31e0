"""The translator port and translation path planning (pure: no I/O, no model imports).

A :class:`Translator` translates batches of plain sentences for *one installed language
pair*; it knows nothing about e-mail, caching, placeholders or pivoting. Planning a route
from the customer's language to the team's language is done here: directly when a model for
the pair is installed, otherwise through :data:`PIVOT` (English), the way Argos models are
published (most pairs exist only to and from English). When neither route exists
:func:`find_path` raises :class:`~mailagent.errors.TranslationError` naming the pair and the
install command; it never falls back to returning English or the untranslated text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from mailagent.errors import TranslationError

__all__ = [
    "PIVOT",
    "Pair",
    "TranslationPath",
    "Translator",
    "find_path",
    "language_family",
    "normalize_lang",
    "plan",
]

PIVOT = "en"

Pair = tuple[str, str]

# Detector / BCP 47 spellings -> the codes Argos packages use.
_ALIASES = {
    "zh-cn": "zh",
    "zh-hans": "zh",
    "zh-sg": "zh",
    "zh-tw": "zt",
    "zh-hk": "zt",
    "zh-mo": "zt",
    "zh-hant": "zt",
    "pt-br": "pt",
    "pt-pt": "pt",
    "no": "nb",
    "iw": "he",
    "in": "id",
}
# Codes that a reader of the first one reads without translation.
_FAMILIES = {"zt": "zh", "nb": "no", "nn": "no"}


def normalize_lang(code: str) -> str:
    """Lower-case a language code and map detector spellings to Argos codes."""
    c = code.strip().lower().replace("_", "-")
    if c in _ALIASES:
        return _ALIASES[c]
    return c.split("-", 1)[0] if "-" in c else c


def language_family(code: str) -> str:
    """The code used to decide "same language" (Traditional and Simplified Chinese agree)."""
    c = normalize_lang(code)
    return _FAMILIES.get(c, c)


class Translator(Protocol):
    """A machine-translation backend for directly installed language pairs."""

    def translate_batch(self, texts: Sequence[str], *, source: str, target: str) -> list[str]:
        """Translate each text (one sentence or short paragraph); same order and length."""
        ...

    def available_pairs(self) -> set[Pair]:
        """The directly installed ``(source, target)`` pairs."""
        ...

    def model_version(self, source: str, target: str) -> str:
        """A string that changes whenever the model for the pair changes (cache key)."""
        ...


@dataclass(frozen=True, slots=True)
class TranslationPath:
    """How ``source`` reaches ``target``: no hop (same language), one hop, or two via a pivot."""

    source: str
    target: str
    hops: tuple[Pair, ...]

    @property
    def pivot(self) -> str | None:
        return self.hops[0][1] if len(self.hops) == 2 else None

    @property
    def direct(self) -> bool:
        return len(self.hops) == 1

    def describe(self) -> str:
        if not self.hops:
            return f"{self.source} (no translation needed)"
        return "→".join([self.hops[0][0], *(b for _, b in self.hops)])


def _missing_message(source: str, target: str) -> str:
    pair = f"{source}→{target}"
    if PIVOT in (source, target):
        how = f"install {pair}"
    else:
        how = f"install {pair}, or {source}→{PIVOT} and {PIVOT}→{target}"
    return f"no translation model for {pair}: {how} (mailagent translate install {source} {target})"


def find_path(pairs: Collection[Pair], source: str, target: str) -> list[Pair]:
    """The hops from ``source`` to ``target``: direct, else via :data:`PIVOT`.

    ``[]`` when both codes are the same language. Raises :class:`TranslationError` naming
    the pair (and what to install) when no route exists.
    """
    src, tgt = normalize_lang(source), normalize_lang(target)
    if src == tgt:
        return []
    available = {(normalize_lang(a), normalize_lang(b)) for a, b in pairs}
    if (src, tgt) in available:
        return [(src, tgt)]
    if (src, PIVOT) in available and (PIVOT, tgt) in available:
        return [(src, PIVOT), (PIVOT, tgt)]
    raise TranslationError(_missing_message(src, tgt))


def plan(pairs: Collection[Pair], source: str, target: str) -> TranslationPath:
    """:func:`find_path` wrapped in a :class:`TranslationPath` record."""
    hops = find_path(pairs, source, target)
    return TranslationPath(normalize_lang(source), normalize_lang(target), tuple(hops))
