"""Language stage: detect the language of the author's new text.

Order of evidence: (1) clean the text (URLs, e-mail addresses, numbers, part numbers and
all-caps acronyms say nothing about the language); (2) count letters per script: a dominant
non-Latin script decides directly (Hangul -> ko, kana -> ja, Han -> zh, Thai, Greek, Hebrew,
Arabic) or narrows the candidates (Cyrillic letter and word-ending cues from
``langcyrillic``, Persian/Urdu letters); (3) the rest is scored by ``langmodel``
(langdetect's profiles as a deterministic n-gram model, plus function words, with
Spanish/Portuguese spelling cues from ``langlatin``), with Vietnamese tone letters as a
fast path. Short, mixed or doubtful text gives ``lang="unknown"`` with the confidence and
candidates, never a guess; a text recognised as a language the stage does not answer
(Catalan, Galician, Slovak, Belarusian, ...) gives ``lang="other"`` with that language in
``method`` ("ngrams:other-language:ca"), never a wrong supported language; ``method`` says
which path decided. Reads only ``mail.new_text``
(or the subject when that is empty), never quoted history or signatures. Pure: no I/O
except loading the profiles once.
"""

from __future__ import annotations

from mailagent.memo import text_memo
from mailagent.records import InboundMail, LanguageInfo
from mailagent.triage.stages.language import cyrillic as lc
from mailagent.triage.stages.language import latin as la
from mailagent.triage.stages.language import ngram as lm
from mailagent.triage.stages.language import script as ls

__all__ = [
    "ANSWERED",
    "CYRILLIC_MARGIN_BASE",
    "CYRILLIC_MIN_MARGIN",
    "CYRILLIC_PRIOR",
    "LATIN_LANGUAGES",
    "MARGIN_BASE",
    "MARGIN_PER_LETTER",
    "MARGIN_PER_WORD",
    "MIN_LETTERS",
    "MIN_MARGIN",
    "NAME",
    "OTHER",
    "OTHER_PRIOR",
    "UNKNOWN",
    "clean",
    "cyrillic_margin",
    "detect",
    "required_margin",
    "run",
    "source_text",
]

NAME = "language"
# distinct texts remembered: results are small frozen records, and the memo keys a text by
# its digest (an lru_cache keyed on the texts kept up to 4,096 x 20,000 characters alive,
# 80+ MB in a long-running worker)
DETECT_CACHE = 4096
DETECT_CHARS = 20_000  # characters of a text that detection reads
UNKNOWN = "unknown"
OTHER = "other"  # a language the stage recognises as none of those it answers

# Latin-script languages scored (the profiles of other scripts left out) plus the blended
# ones (Galician). All of them compete, so that a Catalan or Slovak text is not forced onto
# Spanish or Czech; only ANSWERED languages are named, the rest become OTHER.
LATIN_LANGUAGES: tuple[str, ...] = (
    *lm.PROFILE_LANGUAGES[: lm.PROFILE_LANGUAGES.index("ru")],
    *lm.BLENDED,
)
# The languages the stage names: mailagent's languages, their close relatives that it
# separates reliably, and the unambiguous scripts (ls.DIRECT). Everything else that is
# recognised (Catalan, Galician, Slovak, Basque, Belarusian, ...) is OTHER, named in the method.
ANSWERED: frozenset[str] = frozenset(
    [
        "en",
        "de",
        "es",
        "fr",
        "pt",
        "it",
        "nl",
        "pl",
        "tr",
        "vi",
        "ru",
        "uk",
        "bg",
        "ar",
        "fa",
        "ur",
        "zh",
        "ja",
        "ko",
    ]
) | frozenset(ls.DIRECT.values())

# Decision thresholds (tuned with bench/langid.py on sentences, word pairs and single
# words). A language is answered only when the cleaned text has MIN_LETTERS letters and the
# best log-score beats the runner-up by a margin (nats; margin m ~ odds of e**m to 1) of
# max(MIN_MARGIN, MARGIN_BASE - MARGIN_PER_LETTER * letters - MARGIN_PER_WORD * (words - 2)):
# single words need about 8, word pairs about 6, sentences of five or more words 3. Each
# word past the second brings its own word boundaries and function words; a lone word pays.
MIN_LETTERS = 4
MARGIN_BASE = 8.0
MARGIN_PER_LETTER = 0.15
MARGIN_PER_WORD = 1.5
MIN_MARGIN = 3.0
# Cyrillic without letter cues is Russian or Bulgarian (``langcyrillic``). Russian is by far
# the more common in export mail: a log-prior of 3.5 (about 30 to 1), so Bulgarian has to
# show itself (ъ, its own words and endings, or n-grams). Two candidates instead of 24 need
# a smaller margin than Latin script does.
CYRILLIC_PRIOR = 3.5
CYRILLIC_MARGIN_BASE = 4.0
CYRILLIC_MIN_MARGIN = 1.0


# A language the stage does not answer must beat the answered ones by this many nats more
# (about 50 to 1): a Dutch or Portuguese text is not given away to Afrikaans or Galician on
# a near-tie, while a real Catalan or Slovak text wins by far more than that.
OTHER_PRIOR = 4.0
_OTHER_PRIORS = {
    ("zh" if code.startswith("zh") else code): -OTHER_PRIOR
    for code in LATIN_LANGUAGES
    if code not in ANSWERED
}


def clean(text: str) -> str:
    """Text without URLs, e-mail addresses, numbers, part numbers and all-caps acronyms."""
    return ls.clean(text)


def required_margin(letters: int, words: int = 2) -> float:
    """The score margin (nats) a text of ``letters`` letters in ``words`` words needs."""
    return max(MIN_MARGIN, MARGIN_BASE - _discount(letters, words))


def cyrillic_margin(letters: int, words: int = 2) -> float:
    """The margin a Cyrillic text needs: two candidates, so less than Latin's 24 need."""
    return max(CYRILLIC_MIN_MARGIN, CYRILLIC_MARGIN_BASE - _discount(letters, words))


def _discount(letters: int, words: int) -> float:
    """Margin saved by length: per letter, and per word past the second (a single word pays)."""
    return MARGIN_PER_LETTER * letters + MARGIN_PER_WORD * (max(words, 1) - 2)


def _decide(scores: lm.Scores, letters: int, method: str, needed: float) -> LanguageInfo:
    """Answer the best language only when the text is long enough and the margin clear."""
    candidates = lm.probabilities(scores)
    if not candidates:
        return LanguageInfo(UNKNOWN, 0.0, f"{method}:no-features")
    lang, prob = candidates[0]
    if letters < MIN_LETTERS:
        return LanguageInfo(UNKNOWN, prob, f"{method}:too-short", candidates)
    if lang not in ANSWERED:
        # Close relatives the stage does not name either (Slovak/Czech) are all "other":
        # only the margin over the best language it does name matters.
        named = next((value for code, value in scores if code in ANSWERED), None)
        if named is None or scores[0][1] - named >= needed:
            return LanguageInfo(OTHER, prob, f"{method}:other-language:{lang}", candidates)
        return LanguageInfo(UNKNOWN, prob, f"{method}:low-margin", candidates)
    margin = scores[0][1] - scores[1][1] if len(scores) > 1 else float("inf")
    if margin < needed:
        return LanguageInfo(UNKNOWN, prob, f"{method}:low-margin", candidates)
    return LanguageInfo(lang, prob, method, candidates)


def detect(text: str) -> LanguageInfo:
    """The language of ``text``: an ISO 639-1 code, or "unknown" with the candidates.

    Only the first :data:`DETECT_CHARS` characters are read: a language is plain long
    before that, and a hostile megabyte of text would otherwise cost seconds of scoring.
    """
    return _detect(text[:DETECT_CHARS])


@text_memo(maxsize=DETECT_CACHE, max_chars=DETECT_CHARS)
def _detect(text: str) -> LanguageInfo:
    """:func:`detect` of text already cut to length. Pure, so memoised per distinct text:
    a backfill repeats many texts (notices, forms, one-line replies) and the n-gram
    scoring is a large part of triage."""
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
    """Hard cues first (letters, endings, words), then n-grams plus soft ru/bg cues."""
    cue = lc.hard_cue(text)
    if cue is not None:
        if cue not in ANSWERED:
            return LanguageInfo(OTHER, 1.0, f"script:cyrillic:other-language:{cue}")
        return LanguageInfo(cue, 1.0, f"script:cyrillic:cue-{cue}")
    prior = {"ru": CYRILLIC_PRIOR + lc.evidence(text)}
    scores = lm.score(text, lc.candidates(text), prior)
    needed = cyrillic_margin(letters, len(lm.words(text)))
    return _decide(scores, letters, "script:cyrillic+ngrams", needed)


def _arabic(text: str, letters: int) -> LanguageInfo:
    """Arabic script is Arabic unless Persian or Urdu letters appear."""
    if not ls.PERSIAN_URDU_LETTERS.search(text):
        return LanguageInfo("ar", 1.0, "script:arabic")
    scores = lm.score(text, ("ar", "fa", "ur"))
    return _decide(scores, letters, "script:arabic+ngrams", required_margin(letters))


def _latin(text: str, letters: int) -> LanguageInfo:
    """Latin script: Vietnamese letters decide; otherwise n-grams and function words."""
    latin = ls.latin_only(text)
    if ls.vietnamese_share(latin) >= ls.MIN_VIETNAMESE_SHARE:
        return LanguageInfo("vi", 1.0, "script:latin:vietnamese-letters")
    words = lm.words(latin)
    if la.basque(words):
        return LanguageInfo(OTHER, 1.0, "script:latin:other-language:eu")
    scores = la.adjust(lm.score(latin, LATIN_LANGUAGES, _OTHER_PRIORS), words)
    return _decide(scores, letters, "ngrams", required_margin(letters, len(words)))


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
