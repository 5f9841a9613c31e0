"""Load and validate the classification rules (``rules/classify*.toml`` + vocabulary).

Rules are data: each ``[[rule]]`` names an intent, a priority, an evidence weight and
``when.<field>.<operator>`` conditions from the closed set in ``rulematch.py`` (ANDed),
optionally plus a shared multilingual vocabulary from ``rules/vocabulary.toml``. Every
problem (TOML syntax, unknown key/field/operator, wrong type, bad regex, duplicate id across
files, unknown intent or vocabulary) is collected and raised as one :class:`RulesError`
whose lines read ``FILE: rule "ID": FIELD: PROBLEM``. :meth:`Ruleset.evaluate` is pure.
The schema is documented in ``rules/README.md``.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.errors import RulesError
from mailagent.records import InboundMail, Intent
from mailagent.triage.rules.match import MailView
from mailagent.triage.rules.parse import Rule, RuleHit, parse_rule
from mailagent.triage.rules.vocabulary import VOCABULARY_FILE, Vocabulary, load_vocabularies
from mailagent.triage.stages.platform import Platform, load_platforms
from mailagent.triage.stages.review import DEFAULT_POLICY, ReviewPolicy, load_policy

__all__ = ["RULE_FILES", "Rule", "RuleHit", "Ruleset", "check", "load_rules"]

RULE_FILES = "classify*.toml"  # in the rules directory, loaded in name order


@dataclass(frozen=True, slots=True)
class Ruleset:
    """All enabled rules (ordered by priority, then file order) and the vocabularies."""

    rules: tuple[Rule, ...]
    vocabularies: dict[str, Vocabulary]
    files: tuple[str, ...]
    review: ReviewPolicy = DEFAULT_POLICY  # rules/review.toml
    platforms: tuple[Platform, ...] = ()  # rules/platforms.toml

    def evaluate(self, mail: InboundMail) -> list[RuleHit]:
        """Hits for ``mail``, highest priority first (then heavier weight, then file order)."""
        view = MailView(mail)
        hits = [hit for rule in self.rules if (hit := rule.evaluate(view)) is not None]
        return sorted(hits, key=lambda h: (-h.priority, -h.weight))


def load_rules(rules_dir: Path) -> Ruleset:
    """Load ``vocabulary.toml`` and every ``classify*.toml`` of ``rules_dir``.

    Raises :class:`RulesError` listing every problem found, one per line. The compiled
    ruleset is cached while the directory's ``*.toml`` files keep their names, sizes and
    modification times: compiling the vocabularies costs a quarter of a CPU second, and
    every App loads the rules (the daemon opens one per job run).
    """
    stamp = tuple(
        sorted((p.name, st.st_mtime_ns, st.st_size) for p in rules_dir.glob("*.toml")
               for st in (p.stat(),))
    )  # fmt: skip
    return _load_rules(str(rules_dir), str(rules_dir.resolve()), stamp)


@functools.lru_cache(maxsize=8)
def _load_rules(rules_dir_text: str, _where: str, _stamp: tuple[object, ...]) -> Ruleset:
    rules_dir = Path(rules_dir_text)  # as given: problems and files name it so
    problems: list[str] = []
    vocabularies = load_vocabularies(rules_dir / VOCABULARY_FILE, problems)
    review = load_policy(rules_dir, problems)
    platforms = load_platforms(rules_dir, problems)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    paths = sorted(rules_dir.glob(RULE_FILES))
    if not paths:
        problems.append(f"{rules_dir / 'classify.toml'}: no rule file found")
    for path in paths:
        data = _read_toml(path, problems)
        if data is None:
            continue
        for key in sorted(set(data) - {"rule"}):
            problems.append(f"{path}: {key}: unknown top-level key (expected [[rule]])")
        entries = data.get("rule", [])
        if not isinstance(entries, list):
            problems.append(f"{path}: rule: must be an array of tables ([[rule]])")
            continue
        for index, entry in enumerate(entries, 1):
            rule = parse_rule(path, index, entry, vocabularies, seen, problems)
            if rule is not None:
                rules.append(rule)
    if problems:
        raise RulesError("\n".join(problems))
    ordered = sorted(rules, key=lambda r: -r.priority)  # stable: file order within priority
    return Ruleset(tuple(ordered), vocabularies, tuple(str(p) for p in paths), review, platforms)


def check(rules_dir: Path) -> list[str]:
    """Summary lines for ``mailagent rules check`` (raises RulesError if invalid)."""
    ruleset = load_rules(rules_dir)
    lines = [f"{len(ruleset.rules)} rules in {len(ruleset.files)} file(s): "
             + ", ".join(ruleset.files)]  # fmt: skip
    for intent in Intent:
        count = sum(1 for r in ruleset.rules if r.intent is intent)
        lines.append(f"  {intent.value:10s} {count:3d} rules")
    terms = sum(v.size for v in ruleset.vocabularies.values())
    langs = sorted({lang for v in ruleset.vocabularies.values() for lang in v.terms})
    lines.append(
        f"{len(ruleset.vocabularies)} vocabularies, {terms} terms, languages: {', '.join(langs)}"
    )
    r = ruleset.review
    lines.append(
        f"needs review below confidence {r.min_confidence:.2f} or margin {r.min_margin:.2f}"
        f"{', and on fallback' if r.review_fallback else ''}; secondary intent from "
        f"{r.secondary_min_score:.2f}"
    )
    names = ", ".join(p.name for p in ruleset.platforms) or "none"
    lines.append(f"{len(ruleset.platforms)} inquiry platforms: {names}")
    return lines


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror}")
    return None
