"""Shared multilingual vocabularies for classification rules (``rules/vocabulary.toml``).

A vocabulary is a named set of phrases per language (``[vocab.rfq] en = [...] zh = [...]``)
that rules reference with ``vocab = "rfq"`` instead of repeating the words. Loading
validates names, language keys and phrase types, collecting problems as
``FILE: vocab "NAME": KEY: PROBLEM`` lines for ``ruleset.load_rules`` to raise. Phrases are
compiled with ``rulematch.compile_phrases`` (all languages in one regex to test, and one per
language to say which list matched). Pure after loading.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mailagent.rulematch import MailView, compile_phrases

__all__ = ["VOCABULARY_FILE", "VocabCondition", "Vocabulary", "load_vocabularies"]

VOCABULARY_FILE = "vocabulary.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One named vocabulary: phrases per language, each language compiled to one regex."""

    name: str
    description: str
    terms: dict[str, tuple[str, ...]]
    pattern: re.Pattern[str] = field(repr=False)
    patterns: dict[str, re.Pattern[str]] = field(repr=False)

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.terms.values())

    def find(self, folded: str) -> tuple[str, str] | None:
        """(matched text, language) for case-folded text, or None if no phrase occurs."""
        if self.pattern.search(folded) is None:
            return None
        for lang, pattern in self.patterns.items():
            match = pattern.search(folded)
            if match:
                return match.group(0), lang
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
        for value in view.folded(self.field):
            found = self.vocabulary.find(value)
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
    result: dict[str, Vocabulary] = {}
    for name, table in tables.items():
        vocab = _parse(path, name, table, problems)
        if vocab is not None:
            result[name] = vocab
    return result


def _parse(path: Path, name: str, table: Any, problems: list[str]) -> Vocabulary | None:
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
    every = [phrase for phrases in terms.values() for phrase in phrases]
    patterns = {lang: compile_phrases(phrases) for lang, phrases in terms.items()}
    return Vocabulary(name, str(description), terms, compile_phrases(every), patterns)
