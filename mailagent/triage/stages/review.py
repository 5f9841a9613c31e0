"""Review stage: flag doubtful intent decisions for a person, and name a secondary intent.

A guess the system is unsure of should not pass silently: when the winning intent's score
is below ``min_confidence``, when the runner-up is within ``min_margin`` of it, or when the
classifier fell back to OTHER for lack of evidence, the message goes to the needs-review
queue with the reasons. Rule-decided (decisive), manual and machine-generated decisions are
never flagged. A runner-up scoring at least ``secondary_min_score`` (and not OTHER) is kept
as the secondary intent (a PO that also sets payment terms, a complaint that asks for a
return shipment); drafts follow the primary intent. The thresholds are data in
``rules/review.toml``, validated by :func:`load_policy` with errors that name the file and
key. Pure: no I/O after loading.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.records import Classification, Intent

__all__ = ["DEFAULT_POLICY", "NAME", "REVIEW_FILE", "ReviewPolicy", "load_policy", "run"]

NAME = "review"
REVIEW_FILE = "review.toml"
_NEVER_REVIEWED = frozenset({"autoreply", "manual"})
_KEYS: dict[str, dict[str, type]] = {
    "review": {"min_confidence": float, "min_margin": float, "review_fallback": bool},
    "secondary": {"min_score": float},
}


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """When a decision needs a person, and when a runner-up is a secondary intent."""

    min_confidence: float = 0.55
    min_margin: float = 0.10
    review_fallback: bool = True
    secondary_min_score: float = 0.20


DEFAULT_POLICY = ReviewPolicy()


def load_policy(rules_dir: Path, problems: list[str]) -> ReviewPolicy:
    """The policy of ``rules_dir/review.toml`` (defaults if absent); problems are appended."""
    path = rules_dir / REVIEW_FILE
    if not path.exists():
        return DEFAULT_POLICY
    try:
        with path.open("rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
        return DEFAULT_POLICY
    values: dict[str, Any] = {}
    before = len(problems)
    for table in sorted(set(data) - set(_KEYS)):
        problems.append(f"{path}: {table}: unknown table (expected [review] or [secondary])")
    for table, keys in _KEYS.items():
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            problems.append(f"{path}: {table}: must be a table")
            continue
        for key, value in entries.items():
            where = f"{path}: {table}.{key}"
            wanted = keys.get(key)
            if wanted is None:
                problems.append(f"{where}: unknown key (expected one of {', '.join(keys)})")
            elif wanted is bool and not isinstance(value, bool):
                problems.append(f"{where}: must be true or false")
            elif wanted is float and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0.0 <= value <= 1.0
            ):
                problems.append(f"{where}: must be a number between 0 and 1")
            else:
                name = "secondary_min_score" if table == "secondary" else key
                values[name] = float(value) if wanted is float else value
    if len(problems) > before:
        return DEFAULT_POLICY
    return ReviewPolicy(**values)


def run(cls: Classification, policy: ReviewPolicy) -> Classification:
    """``cls`` with its secondary intent and, when doubtful, the review reasons."""
    ranked = [(Intent(name), score) for name, score in cls.scores]
    secondary = None
    if len(ranked) > 1:
        runner, score = ranked[1]
        if runner is not Intent.OTHER and runner is not cls.intent:
            secondary = runner if score >= policy.secondary_min_score else None
    return dataclasses.replace(cls, secondary=secondary, review=_reasons(cls, ranked, policy))


def _reasons(
    cls: Classification, ranked: list[tuple[Intent, float]], policy: ReviewPolicy
) -> tuple[str, ...]:
    if cls.decided_by in _NEVER_REVIEWED or (cls.decided_by == "rule" and cls.confidence >= 1):
        return ()
    reasons: list[str] = []
    if cls.decided_by == "fallback" and policy.review_fallback:
        reasons.append("no clear intent: fell back to other")
    if cls.confidence < policy.min_confidence:
        reasons.append(f"confidence {cls.confidence:.2f} below {policy.min_confidence:.2f}")
    if len(ranked) > 1:
        (first, top), (second, runner_up) = ranked[0], ranked[1]
        if top - runner_up < policy.min_margin:
            reasons.append(
                f"{first.value} {top:.2f} and {second.value} {runner_up:.2f} "
                f"are closer than {policy.min_margin:.2f}"
            )
    return tuple(reasons)
