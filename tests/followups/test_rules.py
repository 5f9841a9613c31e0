"""rules/followup.toml: the shipped file loads; every mistake names file, rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailagent.errors import RulesError
from mailagent.followups.rules import check, load_followup_rules, parse_followup_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = (ROOT / "rules" / "followup.toml").read_text(encoding="utf-8")


def test_shipped_rules_load() -> None:
    r = load_followup_rules(ROOT / "rules")
    assert [p.id for p in r.pending] == ["pi", "quote", "question"]
    assert {s.pending for s in r.silence} == {"pi", "quote", "question"}
    assert [s.offset_days for s in r.ladder] == [-3, 0, 7, 15, 30]
    assert r.ladder[-1].escalate and not any(s.escalate for s in r.ladder[:-1])
    assert {"christmas", "eid_al_fitr", "diwali", "lunar_new_year", "songkran", "nowruz"} <= {
        o.id for o in r.occasions
    }
    assert r.business_morning == (9, 0) and r.working_hours == (540, 1080)
    assert check(ROOT / "rules")[0].endswith("5 ladder steps, 8 occasions, 2 closures")


def test_missing_file_means_no_rules(tmp_path: Path) -> None:
    r = load_followup_rules(tmp_path)
    assert r.silence == () and r.ladder == ()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            ("\ndays = 3", "\ndays = 0"),
            'followup.toml: [[silence]] rule "silence.quote": days: must be at least 1',
        ),
        (
            ('pending = "quote"', 'pending = "offer"'),
            'rule "silence.quote": pending: unknown pending kind',
        ),
        (
            (
                '"order_received", "followup_rejected"]\n\n[[silence]]\nid = "silence.question"',
                '"order_recieved"]\n\n[[silence]]\nid = "silence.question"',
            ),
            "stop_when: unknown condition",
        ),
        (
            ("offset_days = 7", "offset_days = -5"),
            'rule "overdue_7": offset_days: steps must be in increasing order',
        ),
        (('tone = "firm"', 'tone = "angry"'), 'rule "overdue_7": tone: one of friendly'),
        (
            ("matches = '[?？]\\s*$'", "matches = '(unclosed'"),
            'rule "question": matches: invalid regex',
        ),
        (('fixed = "12-25"', 'fixed = "12-32"'), 'rule "christmas": fixed: expected MM-DD'),
        (
            ('business_morning = "09:00"', 'business_morning = "9am"'),
            "[settings] business_morning: expected HH:MM",
        ),
        (("max_tries = 3", "max_tires = 3"), "max_tires: unknown key"),
        (('id = "due_day"', 'id = "before_due"'), 'rule "before_due": id: duplicate id'),
    ],
)
def test_errors_are_located(broken: tuple[str, str], message: str) -> None:
    old, new = broken
    assert old in RULES
    with pytest.raises(RulesError) as err:
        parse_followup_rules(RULES.replace(old, new, 1), "rules/followup.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("rules/followup.toml: ")
