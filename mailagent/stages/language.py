"""Language stage: detect the language of the author's new text.

Order of evidence: (1) clean the text (URLs, e-mail addresses, numbers, part numbers and
all-caps acronyms say nothing about the language); (2) count letters per script: a dominant
non-Latin script decides directly (Hangul -> ko, kana -> ja, Han -> zh, Thai, Greek, Hebrew,
Arabic) or narrows ``langdetect`` to that script's languages (Cyrillic, Arabic with Persian
or Urdu letters, Han-only short text); (3) Latin text goes to ``langdetect`` restricted to
:data:`LATIN_LANGUAGES`, with strong letter cues (Vietnamese tone letters) as a fast path.
Short, mixed or doubtful text gives ``lang="unknown"`` with the candidates, never a guess.
The detector factory (profiles) is built once, lazily, under a lock, with seed 0, so
results are deterministic; each call gets its own ``Detector``. Reads only
``mail.new_text`` (or the subject when that is empty), never quoted history or signatures.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from mailagent.records import InboundMail, LanguageInfo
from mailagent.stages import langscript as ls

__all__ = [
    "LATIN_LANGUAGES",
    "MIN_CONFIDENCE",
    "NAME",
    "UNKNOWN",
    "clean",
    "detect",
    "run",
]

NAME = "language"
UNKNOWN = "unknown"

# Latin-script languages langdetect may answer. Export mail comes in these; rarer
# languages (Afrikaans, Catalan, Tagalog, Somali, ...) are left out because langdetect
# mostly "finds" them in short Dutch/Spanish/English text.
LATIN_LANGUAGES: tuple[str, ...] = (
    "en", "de", "es", "fr", "pt", "it", "nl", "pl", "tr", "vi", "cs", "sk", "sv", "da",
    "no", "fi", "ro", "hu", "id", "hr", "sl", "lt", "lv", "et",
)  # fmt: skip
_SCRIPT_LANGUAGES: tuple[str, ...] = ("ru", "uk", "bg", "mk", "ar", "fa", "ur", "zh-cn", "zh-tw", "ja")

# A language is answered only when langdetect's top probability reaches MIN_CONFIDENCE and
# the cleaned text has at least the letters below; otherwise the answer is "unknown".
MIN_CONFIDENCE = 0.90
MIN_LATIN_LETTERS = 12  # about two short words
MIN_CYRILLIC_LETTERS = 12
MIN_SHORT_CONFIDENCE = 0.999  # stricter bar for text under 2 x the minimum letters

_LOCK = threading.Lock()
_FACTORY: DetectorFactory | None = None


def _factory() -> DetectorFactory:
    """The shared factory: profiles loaded once (double-checked lock), seed 0."""
    global _FACTORY
    if _FACTORY is None:
        with _LOCK:
            if _FACTORY is None:
                factory = DetectorFactory()
                names = LATIN_LANGUAGES + _SCRIPT_LANGUAGES
                profiles = [
                    (Path(PROFILES_DIRECTORY) / name).read_text(encoding="utf-8") for name in names
                ]
                factory.load_json_profile(profiles)
                factory.set_seed(0)
                _FACTORY = factory
    return _FACTORY


def _langdetect(text: str, allowed: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """langdetect probabilities over ``allowed`` (a zero prior excludes the rest)."""
    detector = _factory().create()
    detector.set_prior_map(dict.fromkeys(allowed, 1.0))
    detector.append(text)
    try:
        found = detector.get_probabilities()
    except LangDetectException:
        return ()
    merged: dict[str, float] = {}
    for item in found:
        code = "zh" if item.lang.startswith("zh") else str(item.lang)
        merged[code] = merged.get(code, 0.0) + float(item.prob)
    return tuple(sorted(merged.items(), key=lambda kv: -kv[1]))


def clean(text: str) -> str:
    """Text without URLs, e-mail addresses, numbers, part numbers and all-caps acronyms."""
    return ls.clean(text)


def _decide(
    candidates: tuple[tuple[str, float], ...], letters: int, minimum: int, method: str
) -> LanguageInfo:
    """Answer the top candidate only when the text is long and the model sure enough."""
    if not candidates:
        return LanguageInfo(UNKNOWN, 0.0, f"{method}:no-features")
    lang, prob = candidates[0]
    if letters < minimum:
        return LanguageInfo(UNKNOWN, round(prob, 4), f"{method}:too-short", candidates)
    bar = MIN_SHORT_CONFIDENCE if letters < 2 * minimum else MIN_CONFIDENCE
    if prob < bar:
        return LanguageInfo(UNKNOWN, round(prob, 4), f"{method}:low-confidence", candidates)
    return LanguageInfo(lang, round(prob, 4), method, candidates)


def detect(text: str) -> LanguageInfo:
    """The language of ``text``: an ISO 639-1 code, or "unknown" with the candidates."""
    cleaned = ls.clean(text)
    counts = ls.count_scripts(cleaned)
    if not counts:
        return LanguageInfo(UNKNOWN, 0.0, "empty")
    script, share = ls.dominant(counts)
    if share < ls.MIN_DOMINANT_SHARE:
        shares = ls.shares(counts)
        return LanguageInfo(UNKNOWN, round(share, 4), "mixed-script", shares)
    direct = ls.DIRECT.get(script)
    if direct is not None:
        return LanguageInfo(direct, 1.0, f"script:{script}")
    letters = counts[script]
    if script == "han":
        return _han(cleaned, letters)
    if script == "cyrillic":
        return _cyrillic(cleaned, letters)
    if script == "arabic":
        return _arabic(cleaned)
    if script == "latin":
        return _latin(cleaned, letters)
    return LanguageInfo(UNKNOWN, 0.0, f"script:{script}:unsupported")


def _han(text: str, letters: int) -> LanguageInfo:
    """Han without kana is Chinese; a few characters alone could be Japanese kanji."""
    variant = ls.han_variant(text)
    if letters >= ls.MIN_HAN_CHARS:
        return LanguageInfo("zh", 1.0, f"script:han:{variant}")
    candidates = _langdetect(text, ("zh-cn", "zh-tw", "ja"))
    return LanguageInfo(UNKNOWN, candidates[0][1] if candidates else 0.0, "script:han:too-short",
                        candidates)


def _cyrillic(text: str, letters: int) -> LanguageInfo:
    """Letter cues first (і/ї/є/ґ -> uk, ы/э/ё -> ru), then langdetect over ru/uk/bg/mk."""
    cue = ls.cyrillic_cue(text)
    if cue is not None:
        return LanguageInfo(cue, 1.0, f"script:cyrillic:letters-{cue}")
    candidates = _langdetect(text, ("ru", "uk", "bg", "mk"))
    return _decide(candidates, letters, MIN_CYRILLIC_LETTERS, "script:cyrillic+langdetect")


def _arabic(text: str) -> LanguageInfo:
    """Arabic script is Arabic unless Persian or Urdu letters appear."""
    if not ls.PERSIAN_URDU_LETTERS.search(text):
        return LanguageInfo("ar", 1.0, "script:arabic")
    candidates = _langdetect(text, ("ar", "fa", "ur"))
    if not candidates:
        return LanguageInfo(UNKNOWN, 0.0, "script:arabic:no-features")
    lang, prob = candidates[0]
    return LanguageInfo(lang, round(prob, 4), "script:arabic+langdetect", candidates)


def _latin(text: str, letters: int) -> LanguageInfo:
    """Latin script: Vietnamese letters decide; otherwise restricted langdetect."""
    latin = ls.latin_only(text)
    if ls.vietnamese_share(latin) >= ls.MIN_VIETNAMESE_SHARE:
        return LanguageInfo("vi", 1.0, "script:latin:vietnamese-letters")
    candidates = _langdetect(latin, LATIN_LANGUAGES)
    return _decide(candidates, letters, MIN_LATIN_LETTERS, "langdetect")


def _source_text(mail: InboundMail) -> str:
    """The author's own words: the new text, or subject + full text when it is empty."""
    if mail.new_text.strip():
        return mail.new_text
    return f"{mail.subject}\n{mail.text}"


def run(mail: InboundMail) -> LanguageInfo:
    """Detect the language of ``mail``'s new text (quoted history and signature excluded)."""
    return detect(_source_text(mail))
