"""Load and validate ``rules/relevance.toml``: the relevance gate's scored rules and the
fraud checks' data (bank-change phrases, dangerous attachment types).

A ``[[rule]]`` names a category (notification, bulk, solicitation, spam, phishing), the kind
of evidence it reads (``verdict``/``auth``/``header``: headers; ``structure``; ``content``)
and a score; its ``when`` conditions come from a closed set and are ANDed. Every problem
(TOML syntax, unknown key, wrong type, bad regex, unknown check, duplicate id) is collected
and raised as one :class:`~mailagent.errors.RulesError` whose lines read
``FILE: rule "ID": FIELD: PROBLEM``. Loading is cached per file version. No other I/O.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.errors import RulesError

__all__ = [
    "CATEGORIES",
    "CHECKS",
    "EVIDENCE",
    "RELEVANCE_FILE",
    "FraudConfig",
    "GateRule",
    "GateRules",
    "check",
    "load_gate_rules",
]

RELEVANCE_FILE = "relevance.toml"
CATEGORIES = ("notification", "bulk", "solicitation", "spam", "phishing")
EVIDENCE = ("verdict", "auth", "header", "structure", "content")
CHECKS = (
    "html_only",  # no text/plain part: the body was written as HTML
    "hidden_text",  # text styled invisible (display:none, font-size:0, white on white)
    "image_only",  # HTML with images and hardly any text
    "link_host_mismatch",  # link text shows one host, the link goes to another
    "many_recipients",  # more than 10 addresses in To/Cc
    "undisclosed_recipients",  # no To, or "undisclosed-recipients"
    "subject_shouting",  # most letters of the subject in capitals
    "subject_tail_number",  # subject ends in a tracking number or carries a random token
    "from_random_local",  # sender's local part looks generated (long digit runs)
    "from_noreply",  # no-reply / notification sender address
    "no_message_id",  # the message came without a Message-ID
    "subject_names_recipient",  # the subject carries the recipient's mailbox name
    "link_farm",  # four or more links and little text around them
    "html_script",  # HTML with scripts or event handlers (onload, onclick, ...)
)
_RULE_KEYS = frozenset({"id", "category", "evidence", "score", "description", "when", "enabled"})
_WHEN_KEYS = frozenset(
    {"header", "matches", "subject", "from", "from_name", "body", "min_hits", "check"}
)
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")
_RELATIONSHIP = ("known_contact", "known_domain", "our_thread", "we_wrote", "order_number")


@dataclass(frozen=True, slots=True)
class GateRule:
    id: str
    category: str
    evidence: str
    score: float
    description: str
    header: str | None = None
    matches: re.Pattern[str] | None = None
    subject: re.Pattern[str] | None = None
    from_: re.Pattern[str] | None = None
    from_name: re.Pattern[str] | None = None
    body: re.Pattern[str] | None = None
    min_hits: int = 1
    check: str | None = None
    body_lower: bool = False  # ``body`` was compiled case-sensitively for lower-cased text


@dataclass(frozen=True, slots=True)
class FraudConfig:
    lookalike_max_distance: int
    dangerous_extensions: frozenset[str]
    macro_extensions: frozenset[str]
    archive_extensions: frozenset[str]
    lure_names: re.Pattern[str]
    bank_change: tuple[re.Pattern[str], ...]
    payment_context: re.Pattern[str]
    archive_password: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class GateRules:
    rules: tuple[GateRule, ...]
    thresholds: dict[str, float]
    relationship: dict[str, float]
    fraud: FraudConfig
    source: str


def load_gate_rules(rules_dir: Path) -> GateRules:
    """``rules_dir/relevance.toml``, validated (cached until the file changes)."""
    path = rules_dir / RELEVANCE_FILE
    try:
        stat = path.stat()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror}") from exc
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


def check(rules_dir: Path) -> list[str]:
    """Summary lines for ``mailagent rules check`` (raises RulesError if invalid)."""
    gate = load_gate_rules(rules_dir)
    counts = {c: sum(1 for r in gate.rules if r.category == c) for c in CATEGORIES}
    return [
        f"{len(gate.rules)} relevance rules in {gate.source}: "
        + ", ".join(f"{c} {n}" for c, n in counts.items()),
        f"  fraud checks: {len(gate.fraud.bank_change)} bank-change patterns, "
        f"{len(gate.fraud.dangerous_extensions)} dangerous and "
        f"{len(gate.fraud.macro_extensions)} macro file types",
    ]


@functools.lru_cache(maxsize=8)
def _load(path_text: str, mtime_ns: int, size: int) -> GateRules:
    path = Path(path_text)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    problems: list[str] = []
    for key in sorted(set(data) - {"rule", "thresholds", "relationship", "fraud"}):
        problems.append(f"{path}: {key}: unknown top-level key")
    thresholds = _numbers(
        path, "thresholds", data.get("thresholds", {}), (*CATEGORIES, "junk"), problems
    )
    relationship = _numbers(
        path, "relationship", data.get("relationship", {}), _RELATIONSHIP, problems
    )
    rules: list[GateRule] = []
    seen: set[str] = set()
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        problems.append(f"{path}: rule: must be an array of tables ([[rule]])")
        entries = []
    for index, entry in enumerate(entries, 1):
        rule = _rule(path, index, entry, seen, problems)
        if rule is not None:
            rules.append(rule)
    fraud = _fraud(path, data.get("fraud", {}), problems)
    if problems or fraud is None:
        raise RulesError("\n".join(problems))
    return GateRules(tuple(rules), thresholds, relationship, fraud, str(path))


def _numbers(
    path: Path, table: str, value: Any, names: tuple[str, ...], problems: list[str]
) -> dict[str, float]:
    if not isinstance(value, dict):
        problems.append(f"{path}: {table}: must be a table")
        return {}
    out: dict[str, float] = {}
    for key, number in value.items():
        if key not in names:
            problems.append(f"{path}: {table}.{key}: unknown key (expected {', '.join(names)})")
        elif isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
            problems.append(f"{path}: {table}.{key}: must be a number > 0")
        else:
            out[key] = float(number)
    for key in names:
        if key not in out and not any(p.startswith(f"{path}: {table}.{key}") for p in problems):
            problems.append(f"{path}: {table}.{key}: missing")
    return out


_ESCAPE = re.compile(r"\\[A-Za-z]")


def _lowered(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``(?i)pattern`` without upper-case letters, compiled for lower-cased text (about twice
    as fast as IGNORECASE on long alternations); None when that would change its meaning."""
    text = pattern.pattern
    if not text.startswith("(?i)") or text.startswith("(?im)"):
        return None
    rest = text[4:]
    if any(c.isupper() for c in _ESCAPE.sub("", rest)):
        return None
    return re.compile(rest)


def _regex(value: Any, bad: Any, field: str) -> re.Pattern[str] | None:
    if not isinstance(value, str) or not value:
        bad(field, "must be a non-empty string (a regular expression)")
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        bad(field, f"invalid regex: {exc}")
        return None


def _rule(
    path: Path, index: int, entry: Any, seen: set[str], problems: list[str]
) -> GateRule | None:
    if not isinstance(entry, dict):
        problems.append(f"{path}: rule #{index}: must be a table")
        return None
    rid = entry.get("id")
    label = f'rule "{rid}"' if isinstance(rid, str) else f"rule #{index}"
    before = len(problems)

    def bad(field: str, problem: str) -> None:
        problems.append(f"{path}: {label}: {field}: {problem}")

    for key in sorted(set(entry) - _RULE_KEYS):
        bad(key, "unknown key")
    if not isinstance(rid, str) or not _ID.match(rid):
        bad("id", "required: lower-case letters, digits, . _ -")
    elif rid in seen:
        bad("id", "duplicate rule id")
    else:
        seen.add(rid)
    category, evidence = entry.get("category"), entry.get("evidence")
    if category not in CATEGORIES:
        bad("category", f"must be one of {', '.join(CATEGORIES)}")
    if evidence not in EVIDENCE:
        bad("evidence", f"must be one of {', '.join(EVIDENCE)}")
    score = entry.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float) or score == 0:
        bad("score", "must be a non-zero number")
    description = entry.get("description", "")
    if not isinstance(description, str):
        bad("description", "must be a string")
    when = entry.get("when")
    if not isinstance(when, dict) or not when:
        bad("when", "required: a table of conditions")
        when = {}
    for key in sorted(set(when) - _WHEN_KEYS):
        bad(f"when.{key}", f"unknown condition (expected {', '.join(sorted(_WHEN_KEYS))})")
    compiled = {
        key: _regex(when[key], bad, f"when.{key}")
        for key in ("matches", "subject", "from", "from_name", "body")
        if key in when
    }
    header = when.get("header")
    if header is not None and (not isinstance(header, str) or not _HEADER.match(header)):
        bad("when.header", "must be a header name")
    if "matches" in when and header is None:
        bad("when.matches", "needs when.header (the header whose value it matches)")
    min_hits = when.get("min_hits", 1)
    if isinstance(min_hits, bool) or not isinstance(min_hits, int) or min_hits < 1:
        bad("when.min_hits", "must be an integer >= 1")
    elif "min_hits" in when and "body" not in when:
        bad("when.min_hits", "only applies to when.body")
    check = when.get("check")
    if check is not None and check not in CHECKS:
        bad("when.check", f"unknown check (expected one of {', '.join(CHECKS)})")
    if entry.get("enabled", True) is False or len(problems) > before:
        return None
    body = compiled.get("body")
    lowered = _lowered(body) if body is not None else None
    return GateRule(
        id=str(rid),
        category=str(category),
        evidence=str(evidence),
        score=float(score or 0),
        description=str(description),
        header=header,
        matches=compiled.get("matches"),
        subject=compiled.get("subject"),
        from_=compiled.get("from"),
        from_name=compiled.get("from_name"),
        body=lowered or body,
        min_hits=int(min_hits),
        check=check,
        body_lower=lowered is not None,
    )


def _fraud(path: Path, table: Any, problems: list[str]) -> FraudConfig | None:
    before = len(problems)

    def bad(field: str, problem: str) -> None:
        problems.append(f"{path}: fraud.{field}: {problem}")

    if not isinstance(table, dict):
        bad("", "must be a table")
        return None
    known = {
        "lookalike_max_distance",
        "dangerous_extensions",
        "macro_extensions",
        "archive_extensions",
        "lure_names",
        "bank_change",
        "payment_context",
        "archive_password",
    }
    for key in sorted(set(table) - known):
        bad(key, "unknown key")
    distance = table.get("lookalike_max_distance", 2)
    if isinstance(distance, bool) or not isinstance(distance, int) or not 1 <= distance <= 3:
        bad("lookalike_max_distance", "must be an integer from 1 to 3")

    def extensions(key: str) -> frozenset[str]:
        value = table.get(key)
        if not isinstance(value, list) or not all(
            isinstance(v, str) and re.fullmatch(r"[a-z0-9]{1,8}", v) for v in value
        ):
            bad(key, "required: a list of lower-case extensions without the dot")
            return frozenset()
        return frozenset(value)

    dangerous = extensions("dangerous_extensions")
    macro = extensions("macro_extensions")
    archive = extensions("archive_extensions")
    lure = _regex(table.get("lure_names"), bad, "lure_names")
    payment = _regex(table.get("payment_context"), bad, "payment_context")
    password = _regex(table.get("archive_password"), bad, "archive_password")
    phrases = table.get("bank_change")
    bank: list[re.Pattern[str]] = []
    if not isinstance(phrases, list) or not phrases:
        bad("bank_change", "required: a list of regular expressions")
    else:
        for i, item in enumerate(phrases, 1):
            pattern = _regex(item, bad, f"bank_change[{i}]")
            if pattern is not None:
                bank.append(pattern)
    if len(problems) > before or lure is None or payment is None or password is None:
        return None
    return FraudConfig(
        int(distance), dangerous, macro, archive, lure, tuple(bank), payment, password
    )
