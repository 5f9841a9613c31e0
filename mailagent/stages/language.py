"""Language stage: detect the language of the author's new text.

Order of evidence: (1) clean the text (URLs, e-mail addresses, numbers, part numbers and
all-caps acronyms say nothing about the language); (2) count letters per script: a dominant
non-Latin script decides directly (Hangul -> ko, kana -> ja, Han -> zh, Thai, Greek, Hebrew,
Arabic) or narrows the candidates (Cyrillic letter cues, Persian/Urdu letters); (3) the rest
is scored by ``langmodel`` (langdetect's profiles as a deterministic n-gram model, plus
function words), with Vietnamese tone letters as a fast path. Short, mixed or doubtful
text gives ``lang="unknown"`` with the confidence and candidates, never a guess; ``method``
says which path decided. Reads only ``mail.new_text`` (or the subject when that is empty),
never quoted history or signatures. Pure: no I/O except loading the profiles once.
"""

from __future__ import annotations

from mailagent.records import InboundMail, LanguageInfo
from mailagent.stages import langmodel as lm
from mailagent.stages import langscript as ls

__all__ = [
    "LATIN_LANGUAGES",
    "MARGIN_BASE",
    "MARGIN_PER_LETTER",
    "MIN_LETTERS",
    "MIN_MARGIN",
    "NAME",
    "UNKNOWN",
    "clean",
    "detect",
    "required_margin",
    "run",
    "source_text",
]

NAME = "language"
UNKNOWN = "unknown"

# Latin-script languages answered (langmodel.PROFILE_LANGUAGES minus other scripts).
LATIN_LANGUAGES: tuple[str, ...] = lm.PROFILE_LANGUAGES[:24]

# Decision thresholds (tuned with bench/langid.py on sentences, word pairs and single
# words). A language is answered only when the cleaned text has MIN_LETTERS letters and the
# best log-score beats the runner-up by a margin (nats; margin m ~ odds of e**m to 1) of
# max(MIN_MARGIN, MARGIN_BASE - MARGIN_PER_LETTER * letters): single words need about 6.5,
# word pairs about 5, sentences of 34+ letters 3.
MIN_LETTERS = 4
MARGIN_BASE = 8.0
MARGIN_PER_LETTER = 0.15
MIN_MARGIN = 3.0
# Russian is by far the most common Cyrillic language in export mail: a small log-prior.
CYRILLIC_PRIOR: dict[str, float] = {"ru": 2.0}


def clean(text: str) -> str:
    """Text without URLs, e-mail addresses, numbers, part numbers and all-caps acronyms."""
    return ls.clean(text)


def required_margin(letters: int) -> float:
    """The score margin (nats) a text of ``letters`` letters needs to be answered."""
    return max(MIN_MARGIN, MARGIN_BASE - MARGIN_PER_LETTER * letters)


def _decide(scores: lm.Scores, letters: int, method: str) -> LanguageInfo:
    """Answer the best language only when the text is long enough and the margin clear."""
    candidates = lm.probabilities(scores)
    if not candidates:
        return LanguageInfo(UNKNOWN, 0.0, f"{method}:no-features")
    lang, prob = candidates[0]
    if letters < MIN_LETTERS:
        return LanguageInfo(UNKNOWN, prob, f"{method}:too-short", candidates)
    margin = scores[0][1] - scores[1][1] if len(scores) > 1 else float("inf")
    needed = required_margin(letters)
    if margin < needed:
        return LanguageInfo(UNKNOWN, prob, f"{method}:low-margin", candidates)
    return LanguageInfo(lang, prob, method, candidates)


def detect(text: str) -> LanguageInfo:
    """The language of ``text``: an ISO 639-1 code, or "unknown" with the candidates."""
    cleaned = ls.clean(text)
    counts = ls.count_scripts(cleaned)
    if not counts:
        return LanguageInfo(UNKNOWN, 0.0, "empty")
    script, share = ls.dominant(counts)
    if share < ls.MIN_DOMINANT_SHARE:
        return LanguageInfo(UNKNOWN, round(share, 4), "mixed-script", ls.shares(counts))
    direct = ls.DIRECT.get(script)
    if direct is not None:
        return LanguageInfo(direct, 1.0, f"script:{script}")
    letters = counts[script]
    if script == "han":
        return _han(cleaned, letters)
    if script == "cyrillic":
        return _cyrillic(cleaned, letters)
    if script == "arabic":
        return _arabic(cleaned, letters)
    if script == "latin":
        return _latin(cleaned, letters)
    return LanguageInfo(UNKNOWN, 0.0, f"script:{script}:unsupported")


def _han(text: str, letters: int) -> LanguageInfo:
    """Han without kana is Chinese; one character alone could as well be Japanese."""
    method = f"script:{ls.han_variant(text)}"
    if letters >= ls.MIN_HAN_CHARS:
        return LanguageInfo("zh", 1.0, method)
    candidates = lm.probabilities(lm.score(text, ("zh-cn", "zh-tw", "ja")))
    confidence = candidates[0][1] if candidates else 0.0
    return LanguageInfo(UNKNOWN, confidence, f"{method}:too-short", candidates)


def _cyrillic(text: str, letters: int) -> LanguageInfo:
    """Letter cues first (uk, ru, bg, mk letters), then n-grams over the plausible ones."""
    cue = ls.cyrillic_cue(text)
    if cue is not None:
        return LanguageInfo(cue, 1.0, f"script:cyrillic:letters-{cue}")
    allowed = ls.cyrillic_candidates(text)
    scores = lm.score(text, allowed, CYRILLIC_PRIOR)
    return _decide(scores, letters, "script:cyrillic+ngrams")


def _arabic(text: str, letters: int) -> LanguageInfo:
    """Arabic script is Arabic unless Persian or Urdu letters appear."""
    if not ls.PERSIAN_URDU_LETTERS.search(text):
        return LanguageInfo("ar", 1.0, "script:arabic")
    return _decide(lm.score(text, ("ar", "fa", "ur")), letters, "script:arabic+ngrams")


def _latin(text: str, letters: int) -> LanguageInfo:
    """Latin script: Vietnamese letters decide; otherwise n-grams and function words."""
    latin = ls.latin_only(text)
    if ls.vietnamese_share(latin) >= ls.MIN_VIETNAMESE_SHARE:
        return LanguageInfo("vi", 1.0, "script:latin:vietnamese-letters")
    return _decide(lm.score(latin, LATIN_LANGUAGES), letters, "ngrams")


def source_text(mail: InboundMail) -> str:
    """The author's own words: the new text; the subject when there is none.

    The parser has already moved quoted history and the signature out of ``new_text``;
    when nothing is left (a bare forward), the subject plus whatever of ``text`` is not
    quoted history or signature is used, so a quoted thread never decides the language.
    """
    if mail.new_text.strip():
        return mail.new_text
    rest = mail.text
    for removed in (mail.quoted_text, mail.signature):
        if removed.strip():
            rest = rest.replace(removed, " ")
    return f"{mail.subject}\n{rest}"


def run(mail: InboundMail) -> LanguageInfo:
    """Detect the language of ``mail``'s new text (quoted history and signature excluded)."""
    return detect(source_text(mail))
