"""Script and letter evidence for the language stage: cleaning, script counts, letter cues.

Pure string helpers used by ``stages/language.py``; no language model here. Script ranges
are Unicode blocks; the letter cues are letters that occur in one language of a script
only (Vietnamese ơ/ư and the Latin Extended Additional tone letters, Persian/Urdu letters
in Arabic script). Cyrillic cues live in ``langcyrillic``.
"""

from __future__ import annotations

import re

__all__ = [
    "DIRECT",
    "MIN_DOMINANT_SHARE",
    "MIN_HAN_CHARS",
    "MIN_VIETNAMESE_SHARE",
    "PERSIAN_URDU_LETTERS",
    "clean",
    "count_scripts",
    "dominant",
    "han_variant",
    "latin_only",
    "shares",
    "vietnamese_share",
]

# Scripts that name their language outright.
DIRECT: dict[str, str] = {
    "hangul": "ko",
    "kana": "ja",
    "thai": "th",
    "greek": "el",
    "hebrew": "he",
}

# The dominant script must hold this share of the (weighted) letters, else "mixed-script".
MIN_DOMINANT_SHARE = 0.70
# Han-only text of at least this many characters is Chinese (Japanese prose has kana).
MIN_HAN_CHARS = 2
# Share of Latin words carrying a Vietnamese-only letter that makes the text Vietnamese.
MIN_VIETNAMESE_SHARE = 0.25

_SCRIPTS: tuple[tuple[str, re.Pattern[str], float], ...] = (
    # (name, letters, weight): a CJK character carries about as much as a short word.
    ("kana", re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]"), 2.0),
    ("han", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]"), 3.0),
    ("hangul", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"), 2.0),
    ("cyrillic", re.compile(r"[\u0400-\u052f]"), 1.0),
    ("arabic", re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"), 1.0),
    ("hebrew", re.compile(r"[\u05d0-\u05ea]"), 1.0),
    ("greek", re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"), 1.0),
    ("thai", re.compile(r"[\u0e00-\u0e7f]"), 1.0),
    ("devanagari", re.compile(r"[\u0900-\u097f]"), 1.0),
    ("latin", re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]"), 1.0),
)
_WEIGHT = {name: weight for name, _, weight in _SCRIPTS}

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Matches start only where a run of their characters starts (the lookbehinds): without
# them a long run (a base64 line, "xxxx…") was rescanned from every position, quadratic
# (a 1 MB run took hours); with them every run is scanned once. Same matches otherwise.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Any token holding a digit: numbers, dates, part numbers (HX-4L-FR4-1.6), PO-45001.
_WITH_DIGIT = re.compile(r"(?<![\w.,/#:+-])[\w.,/#:+-]*\d[\w.,/#:+-]*", re.ASCII)
# All-caps Latin acronyms (PCB, MOQ, OK, FOB): they are shared by every language.
_ACRONYM = re.compile(r"(?<![\w])[A-Z][A-Z&/.]*[A-Z](?![\w])")
_LATIN_RUN = re.compile(r"[^A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff'’\s-]+")
_SPACES = re.compile(r"\s+")

_VI_LETTERS = re.compile(r"[ơưƠƯ\u1ea0-\u1ef9]")
PERSIAN_URDU_LETTERS = re.compile(r"[پچژگکیٹڈڑںےھ]")
# Characters written differently in traditional and simplified Chinese (a sample).
_TRADITIONAL = re.compile(r"[們這個來時會說對國學開關貨價單質發實與為點見還問報請謝訂條號]")
_SIMPLIFIED = re.compile(r"[们这个来时会说对国学开关货价单质发实与为点见还问报请谢订条号]")


def clean(text: str) -> str:
    """Drop URLs, e-mail addresses, tokens with digits and all-caps acronyms.

    When acronyms make up most of the Latin letters (an all-caps message), they are
    lower-cased instead of dropped so that shouting still counts as text.
    """
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _WITH_DIGIT.sub(" ", text)
    acronym_letters = sum(len(m) for m in _ACRONYM.findall(text))
    latin_letters = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if acronym_letters and acronym_letters * 2 > latin_letters and latin_letters > 20:
        text = text.lower()
    else:
        text = _ACRONYM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def count_scripts(text: str) -> dict[str, int]:
    """Letters per script (only scripts present)."""
    counts: dict[str, int] = {}
    for name, pattern, _ in _SCRIPTS:
        found = len(pattern.findall(text))
        if found:
            counts[name] = found
    return counts


def _weighted(counts: dict[str, int]) -> dict[str, float]:
    weighted = {name: n * _WEIGHT[name] for name, n in counts.items()}
    if "kana" in weighted and "han" in weighted:  # Japanese: kanji belong to the kana text
        weighted["kana"] += weighted.pop("han")
    return weighted


def dominant(counts: dict[str, int]) -> tuple[str, float]:
    """The script with the largest weighted share, and that share."""
    weighted = _weighted(counts)
    total = sum(weighted.values())
    name = max(weighted, key=lambda k: weighted[k])
    return name, weighted[name] / total


def shares(counts: dict[str, int]) -> tuple[tuple[str, float], ...]:
    """Weighted script shares, largest first (reported as candidates of a mixed text)."""
    weighted = _weighted(counts)
    total = sum(weighted.values())
    ranked = sorted(weighted.items(), key=lambda kv: -kv[1])
    return tuple((f"script:{name}", round(w / total, 4)) for name, w in ranked)


def han_variant(text: str) -> str:
    """ "hant" or "hans" by characters that differ between the two forms, else "han"."""
    trad = len(_TRADITIONAL.findall(text))
    simp = len(_SIMPLIFIED.findall(text))
    if trad > simp:
        return "hant"
    if simp > trad:
        return "hans"
    return "han"


def latin_only(text: str) -> str:
    """The Latin words of ``text`` (other scripts and punctuation removed)."""
    return _SPACES.sub(" ", _LATIN_RUN.sub(" ", text)).strip()


def vietnamese_share(latin: str) -> float:
    """Share of words containing a letter only Vietnamese uses."""
    words = latin.split()
    if not words:
        return 0.0
    return sum(1 for w in words if _VI_LETTERS.search(w)) / len(words)
