"""Parse and validate one ``[[rule]]`` table into a :class:`Rule` (used by ``ruleset.py``).

Checks every key, type, field name, operator and regex of a rule and reports each problem
through ``bad(field, problem)``, which ``ruleset.load_rules`` turns into
``FILE: rule "ID": FIELD: PROBLEM`` lines. Also defines the rule records: :class:`Rule`
(compiled checks) and :class:`RuleHit` (a match with its reason). No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mailagent.records import Intent
from mailagent.triage.rules.match import (
    FIELDS,
    HEADER_PREFIX,
    LIST_OPERATORS,
    OPERATORS,
    MailView,
    compile_condition,
)
from mailagent.triage.rules.vocabulary import Vocabulary

__all__ = ["Check", "Report", "Rule", "RuleHit", "parse_rule"]

_RULE_KEYS = frozenset(
    {"id", "intent", "description", "priority", "weight", "when", "vocab", "vocab_field",
     "unless_vocab", "enabled"}
)  # fmt: skip
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")


Report = Callable[[str, str], None]
"""``bad(field, problem)``: records one problem of the rule being parsed."""


class Check(Protocol):
    """Anything that tests a :class:`MailView` and returns a reason fragment or None."""

    def check(self, view: MailView) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Rule:
    """A validated rule: every check must pass for it to hit."""

    id: str
    intent: Intent
    description: str
    priority: int
    weight: float
    checks: tuple[Check, ...]
    source: str  # "rules/classify.toml"

    def evaluate(self, view: MailView) -> RuleHit | None:
        """The hit with its reasons if every check passes, else None."""
        reasons = []
        for item in self.checks:
            reason = item.check(view)
            if reason is None:
                return None
            if reason:
                reasons.append(reason)
        return RuleHit(self.id, self.intent, self.priority, self.weight, "; ".join(reasons))


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that matched a mail, with the human-readable reason."""

    rule_id: str
    intent: Intent
    priority: int
    weight: float
    reason: str  # "subject matches 'PO 45001'"


def parse_rule(
    path: Path,
    index: int,
    entry: Any,
    vocabularies: dict[str, Vocabulary],
    seen: dict[str, str],
    problems: list[str],
) -> Rule | None:
    """Validate one ``[[rule]]`` table; append problems and return None if invalid."""
    if not isinstance(entry, dict):
        problems.append(f"{path}: rule #{index}: must be a table")
        return None
    rule_id = entry.get("id")
    label = f'rule "{rule_id}"' if isinstance(rule_id, str) else f"rule #{index}"
    before = len(problems)

    def bad(field: str, problem: str) -> None:
        problems.append(f"{path}: {label}: {field}: {problem}")

    for key in sorted(set(entry) - _RULE_KEYS):
        bad(key, f"unknown key (expected one of {', '.join(sorted(_RULE_KEYS))})")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        bad("id", "required: lower-case letters, digits, '.', '_' or '-'")
    elif rule_id in seen:
        bad("id", f"duplicate id (first defined in {seen[rule_id]})")
    else:
        seen[rule_id] = str(path)
    intent = _intent(entry.get("intent"), bad)
    description = entry.get("description", "")
    if not isinstance(description, str):
        bad("description", f"must be a string, not {_type(description)}")
    priority = _number(entry, "priority", 0, int, bad)
    weight = _number(entry, "weight", 1.0, float, bad)
    if weight <= 0:
        bad("weight", "must be greater than 0")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        bad("enabled", f"must be true or false, not {_type(enabled)}")
    checks = _conditions(entry.get("when", {}), bad)
    checks += _vocab_checks(entry, vocabularies, bad)
    positive = bool(checks)
    checks += _vocab_checks(entry, vocabularies, bad, key="unless_vocab")
    if not positive and len(problems) == before:
        bad("when", "a rule needs at least one condition (when.<field>.<op>) or a vocab")
    if len(problems) > before or intent is None or enabled is False:
        return None
    return Rule(str(rule_id), intent, str(description), int(priority), float(weight),
                tuple(checks), str(path))  # fmt: skip


def _intent(value: Any, bad: Report) -> Intent | None:
    choices = ", ".join(i.value for i in Intent)
    if not isinstance(value, str):
        bad("intent", f"required: one of {choices}")
        return None
    try:
        return Intent(value)
    except ValueError:
        bad("intent", f"unknown intent {value!r} (expected one of {choices})")
        return None


def _number(entry: dict[str, Any], key: str, default: float, kind: type, bad: Report) -> float:
    value = entry.get(key, default)
    allowed = (int, float) if kind is float else (int,)
    if isinstance(value, bool) or not isinstance(value, allowed):
        bad(key, f"must be {'a number' if kind is float else 'an integer'}, not {_type(value)}")
        return default
    return float(value)


def _conditions(when: Any, bad: Report) -> list[Check]:
    """Compile ``when.<field>.<operator> = value`` entries."""
    if not isinstance(when, dict):
        bad("when", f"must be a table of fields, not {_type(when)}")
        return []
    checks: list[Check] = []
    for field, ops in _flatten_headers(when):
        name = f"when.{field}"
        if field not in FIELDS and not _is_header(field):
            bad(name, f"unknown field (expected one of {', '.join(FIELDS)} or header.<Name>)")
            continue
        if not isinstance(ops, dict):
            bad(name, f"must be a table of operators, not {_type(ops)}")
            continue
        for op, value in ops.items():
            checks.extend(_condition(field, op, value, f"{name}.{op}", bad))
    return checks


def _flatten_headers(when: dict[str, Any]) -> list[tuple[str, Any]]:
    """``when.header.X-Foo.op`` (nested by TOML) as field ``header.X-Foo``."""
    items: list[tuple[str, Any]] = []
    for field, ops in when.items():
        if field == "header" and isinstance(ops, dict):
            items.extend((f"{HEADER_PREFIX}{name}", sub) for name, sub in ops.items())
        else:
            items.append((field, ops))
    return items


def _is_header(field: str) -> bool:
    return field.startswith(HEADER_PREFIX) and bool(_HEADER_NAME.match(field[7:]))


def _condition(field: str, op: str, value: Any, name: str, bad: Report) -> list[Check]:
    if op not in OPERATORS:
        bad(name, f"unknown operator {op!r} (expected one of {', '.join(OPERATORS)})")
        return []
    if op in LIST_OPERATORS:
        ok = (
            isinstance(value, list)
            and bool(value)
            and all(isinstance(v, str) and v.strip("* ") for v in value)
        )
        if not ok:
            bad(name, f"must be a non-empty list of non-empty strings, not {_type(value)}")
            return []
    elif not isinstance(value, str) or not value:
        bad(name, f"must be a non-empty string, not {_type(value)}")
        return []
    try:
        return [compile_condition(field, op, value)]
    except re.error as exc:
        bad(name, f"invalid regex: {exc.msg} at position {exc.pos}")
        return []


def _vocab_checks(
    entry: dict[str, Any], vocabularies: dict[str, Vocabulary], bad: Report, key: str = "vocab"
) -> list[Check]:
    """Checks for ``vocab`` (must contain) or ``unless_vocab`` (must not contain)."""
    names = entry.get(key)
    if names is None:
        if key == "vocab" and "vocab_field" in entry and "unless_vocab" not in entry:
            bad("vocab_field", "only allowed together with vocab or unless_vocab")
        return []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        bad(key, f"must be a vocabulary name or a list of names, not {_type(names)}")
        return []
    field = entry.get("vocab_field", "text")
    if not isinstance(field, str) or (field not in FIELDS and not _is_header(field)):
        bad("vocab_field", f"unknown field {field!r} (expected one of {', '.join(FIELDS)})")
        return []
    unknown = [n for n in names if n not in vocabularies]
    for name in unknown:
        known = ", ".join(sorted(vocabularies)) or "none defined"
        bad(key, f"unknown vocabulary {name!r} (known: {known})")
    if unknown:
        return []
    absent = key == "unless_vocab"
    return [vocabularies[n].condition(field, absent=absent) for n in names]


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)  # fmt: skip
