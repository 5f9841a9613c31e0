"""Tests for the review stage: needs-review reasons, the secondary intent, rules/review.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailagent.errors import RulesError
from mailagent.records import Classification, Intent
from mailagent.triage.rules.ruleset import load_rules
from mailagent.triage.stages import review
from mailagent.triage.stages.review import DEFAULT_POLICY, ReviewPolicy, load_policy

ROOT = Path(__file__).resolve().parents[3]


def decision(intent: Intent, scores: dict[str, float], decided_by: str = "model") -> Classification:
    ranked = tuple(sorted(scores.items(), key=lambda kv: -kv[1]))
    return Classification(intent, ranked[0][1], None, decided_by, ("model: x",), ranked)


def test_confident_decision_is_not_flagged() -> None:
    cls = review.run(
        decision(Intent.ORDER, {"order": 0.9, "payment": 0.06, "other": 0.04}), DEFAULT_POLICY
    )
    assert cls.review == ()
    assert cls.secondary is None


def test_low_confidence_and_close_runner_up_are_flagged_with_reasons() -> None:
    cls = review.run(
        decision(Intent.INQUIRY, {"inquiry": 0.41, "payment": 0.38, "other": 0.21}),
        DEFAULT_POLICY,
    )
    assert any("confidence 0.41 below 0.55" in r for r in cls.review)
    assert any("inquiry 0.41 and payment 0.38" in r for r in cls.review)
    assert cls.secondary is Intent.PAYMENT  # the runner-up is strong enough to keep


def test_fallback_is_reviewed_but_rule_manual_and_autoreply_are_not() -> None:
    scores = {"other": 0.4, "inquiry": 0.35, "order": 0.25}
    assert review.run(decision(Intent.OTHER, scores, "fallback"), DEFAULT_POLICY).review
    decisive = Classification(Intent.ORDER, 1.0, "order.po", "rule", ("rule",))
    assert review.run(decisive, DEFAULT_POLICY).review == ()
    for by in ("manual", "autoreply"):
        assert review.run(decision(Intent.OTHER, scores, by), DEFAULT_POLICY).review == ()


def test_secondary_never_other_and_needs_its_minimum() -> None:
    weak = review.run(
        decision(Intent.COMPLAINT, {"complaint": 0.8, "order": 0.15, "other": 0.05}),
        DEFAULT_POLICY,
    )
    assert weak.secondary is None
    other = review.run(
        decision(Intent.COMPLAINT, {"complaint": 0.6, "other": 0.3, "order": 0.1}),
        DEFAULT_POLICY,
    )
    assert other.secondary is None


def test_policy_is_data_in_rules_dir() -> None:
    shipped = load_rules(ROOT / "rules").review
    assert shipped == ReviewPolicy(0.55, 0.10, True, 0.20)
    strict = ReviewPolicy(min_confidence=0.95)
    cls = review.run(decision(Intent.ORDER, {"order": 0.9, "payment": 0.1}), strict)
    assert cls.review == ("confidence 0.90 below 0.95",)


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_policy(tmp_path, []) == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "[review]\nmin_confidence = 1.5\n",
            "review.min_confidence: must be a number between 0 and 1",
        ),
        (
            "[review]\nmin_confidence = true\n",
            "review.min_confidence: must be a number between 0 and 1",
        ),
        ("[review]\nreview_fallback = 1\n", "review.review_fallback: must be true or false"),
        ("[review]\nthreshold = 0.5\n", "review.threshold: unknown key"),
        ("[reviews]\n", "reviews: unknown table"),
        ("[review\n", "invalid TOML"),
    ],
)
def test_bad_policy_names_file_and_key(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "review.toml").write_text(content, encoding="utf-8")
    problems: list[str] = []
    assert load_policy(tmp_path, problems) == DEFAULT_POLICY
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'review.toml'}: ")
    assert problem in problems[0]


def test_bad_policy_stops_rule_loading(tmp_path: Path) -> None:
    for name in ("classify.toml", "vocabulary.toml"):
        (tmp_path / name).write_bytes((ROOT / "rules" / name).read_bytes())
    (tmp_path / "review.toml").write_text("[secondary]\nmin_score = -1\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"review.toml: secondary.min_score"):
        load_rules(tmp_path)
