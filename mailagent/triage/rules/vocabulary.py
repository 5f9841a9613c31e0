"""Shared multilingual vocabularies for classification rules (``rules/vocabulary.toml``).

A vocabulary is a named set of phrases per language (``[vocab.rfq] en = [...] zh = [...]``)
that rules reference with ``vocab = "rfq"`` instead of repeating the words. Loading
validates names, language keys and phrase types, collecting problems as
``FILE: vocab "NAME": KEY: PROBLEM`` lines for ``ruleset.load_rules`` to raise. Phrases are
compiled with ``rulematch.compile_phrases`` (all languages in one regex to test, and one per
language to say which list matched). A :class:`~mailagent.triage.rules.anchors.PhraseIndex`
shared by all vocabularies of the file reads a text's words once and tells which phrases can
occur at all; only the languages with such a phrase are searched, so a multi-sentence mail
costs a few dict lookups per word instead of a regex scan per list and language (the
result is the regexes', tested against them). Pure after loading (apart from memo tables).

Cross-language false positives: a phrase of one alphabetic language that is also an
ordinary word of another ("account" in the Italian list, "carta" in the Italian list read in
Spanish "carta de crédito") must not fire on text written in that other language. When
:func:`text_language` recognises the text's language (by its function words) as L, phrases of
the other alphabetic-script languages whose every word is also a word of L's phrases (the
union over all vocabularies, plus a few common English words) are skipped; L's own list still
matches them. Unrecognised or mixed text matches every phrase, as before.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mailagent.triage.rules.anchors import PhraseIndex
from mailagent.triage.rules.match import MailView, compile_phrases, fold, phrase_text

__all__ = [
    "VOCABULARY_FILE",
    "VocabCondition",
    "Vocabulary",
    "load_vocabularies",
    "text_language",
]

VOCABULARY_FILE = "vocabulary.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")
_WORD = re.compile(r"[^\W\d_]+")
_ALPHABETIC = re.compile(r"^[\sa-z\u00c0-\u024f\u0400-\u04ff\W\d]*$")  # Latin/Cyrillic phrase

# Function words that identify a text's language (only frequent, unambiguous-enough ones).
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "you",
            "your",
            "is",
            "are",
            "we",
            "our",
            "please",
            "with",
            "for",
            "this",
            "that",
            "have",
            "will",
            "would",
            "could",
            "can",
            "not",
            "it",
            "be",
            "my",
            "me",
            "from",
            "of",
            "to",
            "i",
            "if",
            "any",
            "thanks",
            "just",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "wir",
            "sie",
            "ich",
            "mit",
            "für",
            "ein",
            "eine",
            "bitte",
            "uns",
            "ihre",
            "zu",
            "auf",
            "den",
            "dem",
            "wie",
            "vielen",
            "dank",
            "haben",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "los",
            "las",
            "que",
            "y",
            "para",
            "por",
            "con",
            "una",
            "del",
            "es",
            "nuestra",
            "nuestro",
            "su",
            "favor",
            "se",
            "gracias",
            "saludos",
            "estimada",
            "estimado",
            "adjunto",
            "adjuntamos",
            "será",
            "usted",
            "ustedes",
            "también",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "les",
            "et",
            "est",
            "nous",
            "vous",
            "pour",
            "avec",
            "une",
            "des",
            "du",
            "ce",
            "pas",
            "votre",
            "merci",
            "bonjour",
            "cordialement",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "che",
            "per",
            "con",
            "una",
            "della",
            "sono",
            "non",
            "gli",
            "del",
            "vostro",
            "grazie",
            "ci",
            "nostro",
            "saluti",
            "gentile",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "os",
            "que",
            "não",
            "para",
            "com",
            "uma",
            "do",
            "da",
            "em",
            "nosso",
            "nossa",
            "você",
            "obrigado",
            "prezado",
            "atenciosamente",
        ]
    ),
}


def _languages_of() -> dict[str, tuple[str, ...]]:
    """Function word -> the languages it is a function word of (one lookup per text word)."""
    languages: dict[str, tuple[str, ...]] = {}
    for lang, words in _FUNCTION_WORDS.items():
        for word in words:
            languages[word] = (*languages.get(word, ()), lang)
    return languages


_LANGUAGES_OF = _languages_of()
# Common English words that other languages' lists use (English mail is the most frequent).
_ENGLISH_WORDS = frozenset(
    [
        "account",
        "accounts",
        "password",
        "login",
        "newsletter",
        "profile",
        "audit",
        "salon",
        "exposition",
        "muster",
        "retard",
        "valor",
        "registrar",
        "contactless",
        "visa",
        "rendez",
        "vous",
        "questionnaire",
        "carte",
    ]
)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One named vocabulary: phrases per language, each language compiled to one regex."""

    name: str
    description: str
    terms: dict[str, tuple[str, ...]]
    pattern: re.Pattern[str] = field(repr=False)
    patterns: dict[str, re.Pattern[str]] = field(repr=False)
    # text language -> (pattern, per-language patterns) without the other languages'
    # phrases that are ordinary words of that language; absent = nothing to skip
    by_language: dict[str, tuple[re.Pattern[str], dict[str, re.Pattern[str]]]] = field(
        default_factory=dict, repr=False
    )
    # which phrases can occur in a text (shared by all vocabularies of a file); None = the
    # regexes alone decide (the reference behaviour the index is tested against)
    index: PhraseIndex | None = field(default=None, repr=False)
    # phrase ids per language, for all phrases and per by_language text language
    ids: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)
    by_language_ids: dict[str, dict[str, frozenset[int]]] = field(default_factory=dict, repr=False)
    all_ids: frozenset[int] = field(default=frozenset(), repr=False)

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.terms.values())

    def find(self, folded: str) -> tuple[str, str] | None:
        """(matched text, language) for folded text, or None if no phrase occurs.

        Phrases of another language that are ordinary words of the text's own language
        (see the module docstring) are not looked for.
        """
        index = self.index
        if index is None:
            return self._find_plain(folded)
        candidates = index.candidates(folded)
        if self.all_ids.isdisjoint(candidates):
            return None
        patterns, ids = self.patterns, self.ids
        if self.by_language:
            language = text_language(folded)
            if language is not None and language in self.by_language:
                patterns, ids = self.by_language[language][1], self.by_language_ids[language]
        for lang, pattern in patterns.items():
            live = ids[lang] & candidates
            if not live:
                continue  # no phrase of this language can occur: its regex cannot match
            start = index.start(live, folded)
            if start < 0:
                continue
            match = pattern.search(folded, start)
            if match:
                return phrase_text(folded, match), lang
        return None

    def _find_plain(self, folded: str) -> tuple[str, str] | None:
        """:meth:`find` by the regexes alone (no index)."""
        combined, patterns = self.pattern, self.patterns
        if self.by_language:
            language = text_language(folded)
            if language is not None and language in self.by_language:
                combined, patterns = self.by_language[language]
        if combined.search(folded) is None:
            return None
        for lang, pattern in patterns.items():
            match = pattern.search(folded)
            if match:
                return phrase_text(folded, match), lang
        return None  # pragma: no cover - the combined pattern matched, so one language does

    def condition(self, field_name: str, *, absent: bool = False) -> VocabCondition:
        """A rule check: ``field_name`` contains (or, if ``absent``, lacks) a phrase."""
        return VocabCondition(field_name, self, absent)


@dataclass(frozen=True, slots=True)
class VocabCondition:
    """ "``field`` contains a phrase of ``vocabulary``" (or none, if ``absent``)."""

    field: str
    vocabulary: Vocabulary
    absent: bool = False

    def check(self, view: MailView) -> str | None:
        """The reason fragment when the check passes, else None."""
        key = (self.vocabulary.name, self.field)
        if key in view.found:
            found = view.found[key]
        else:
            found = next(
                (hit for value in view.folded(self.field) if (hit := self.vocabulary.find(value))),
                None,
            )
            view.found[key] = found
        if found:
            if self.absent:
                return None
            text, lang = found
            return f"{self.field} contains {text!r} (vocab {self.vocabulary.name}/{lang})"
        return "" if self.absent else None  # a passed guard adds nothing to the reason


def load_vocabularies(path: Path, problems: list[str]) -> dict[str, Vocabulary]:
    """Vocabularies of ``path`` (none if the file is absent); problems are appended."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
        return {}
    for key in sorted(set(data) - {"vocab"}):
        problems.append(f"{path}: {key}: unknown top-level key (expected [vocab.<name>])")
    tables = data.get("vocab", {})
    if not isinstance(tables, dict):
        problems.append(f"{path}: vocab: must be tables [vocab.<name>]")
        return {}
    parsed: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {}
    for name, table in tables.items():
        entry = _parse(path, name, table, problems)
        if entry is not None:
            parsed[name] = entry
    lexicon = _lexicon(terms for _, terms in parsed.values())
    index = PhraseIndex()
    return {
        name: _compile(name, description, terms, lexicon, index)
        for name, (description, terms) in parsed.items()
    }


@lru_cache(maxsize=256)
def text_language(folded: str) -> str | None:
    """The language of folded ``folded`` by its function words, or None if unclear.

    Recognised: en, de, es, fr, it, pt. Needs at least 3 function-word hits and twice as
    many as the runner-up, so short or mixed text stays unrecognised.
    """
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    for word in _WORD.findall(folded):
        for lang in _LANGUAGES_OF.get(word, ()):
            counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 3 and top >= 2 * second else None


def _primary(lang: str) -> str:
    return lang.split("-", 1)[0]


def _words(phrase: str) -> list[str]:
    return _WORD.findall(fold(phrase.strip("* ")))


def _lexicon(all_terms: Any) -> dict[str, frozenset[str]]:
    """Per recognisable language: every word of its phrases in any vocabulary."""
    words: dict[str, set[str]] = {lang: set() for lang in _FUNCTION_WORDS}
    words["en"].update(_ENGLISH_WORDS)
    for terms in all_terms:
        for lang, phrases in terms.items():
            if _primary(lang) in words:
                for phrase in phrases:
                    words[_primary(lang)].update(_words(phrase))
    return {lang: frozenset(w) for lang, w in words.items()}


def _compile(
    name: str,
    description: str,
    terms: dict[str, tuple[str, ...]],
    lexicon: Mapping[str, frozenset[str]],
    index: PhraseIndex,
) -> Vocabulary:
    every = [phrase for phrases in terms.values() for phrase in phrases]
    patterns = {lang: compile_phrases(phrases) for lang, phrases in terms.items()}
    by_language: dict[str, tuple[re.Pattern[str], dict[str, re.Pattern[str]]]] = {}
    by_language_ids: dict[str, dict[str, frozenset[int]]] = {}
    for text_lang, known in lexicon.items():
        kept: dict[str, tuple[str, ...]] = {}
        for lang, phrases in terms.items():
            if _primary(lang) == text_lang:
                kept[lang] = phrases
                continue
            kept[lang] = tuple(p for p in phrases if not _ambiguous(p, known))
        if kept == terms:
            continue
        by_language[text_lang] = (
            compile_phrases([p for phrases in kept.values() for p in phrases]),
            {lang: compile_phrases(phrases) for lang, phrases in kept.items() if phrases},
        )
        by_language_ids[text_lang] = {
            lang: index.ids(phrases) for lang, phrases in kept.items() if phrases
        }
    ids = {lang: index.ids(phrases) for lang, phrases in terms.items()}
    return Vocabulary(
        name,
        description,
        terms,
        compile_phrases(every),
        patterns,
        by_language,
        index,
        ids,
        by_language_ids,
        index.ids(every),
    )


def _ambiguous(phrase: str, known: frozenset[str]) -> bool:
    """A phrase in an alphabetic script all of whose words are words of ``known``."""
    folded = fold(phrase)
    if not _ALPHABETIC.match(folded):
        return False
    words = _words(phrase)
    return bool(words) and all(w in known for w in words)


def _parse(
    path: Path, name: str, table: Any, problems: list[str]
) -> tuple[str, dict[str, tuple[str, ...]]] | None:
    where = f'{path}: vocab "{name}"'
    before = len(problems)
    if not _NAME.match(name):
        problems.append(f"{where}: name: lower-case letters, digits, '_' or '-' only")
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table of language = [phrases]")
        return None
    description = table.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{where}: description: must be a string")
    terms: dict[str, tuple[str, ...]] = {}
    for lang, phrases in table.items():
        if lang == "description":
            continue
        if not _LANG.match(lang):
            problems.append(f"{where}: {lang}: unknown key (expected a language code like en)")
            continue
        ok = isinstance(phrases, list) and all(
            isinstance(p, str) and p.strip("* ") for p in phrases
        )
        if not ok or not phrases:
            problems.append(f"{where}: {lang}: must be a non-empty list of non-empty strings")
            continue
        terms[lang] = tuple(phrases)
    if not terms and len(problems) == before:
        problems.append(f'{where}: no phrases (add e.g. en = ["..."])')
    if len(problems) > before:
        return None
    return str(description), terms
