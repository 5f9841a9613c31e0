"""rules/sla.toml: the shipped rules load; broken rules name file, policy or calendar, field."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from mailagent.errors import RulesError
from mailagent.sla.policies import (
    Basis,
    Metric,
    check,
    load_sla_rules,
    parse_duration,
    parse_sla_rules,
)

ROOT = Path(__file__).resolve().parents[2]

CAL = """
[calendar.office]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-12:00", "13:00-18:00"]
holidays = ["CN"]
"""
POLICY = """
[[policy]]
id = "inquiry.answer"
intent = "inquiry"
target = "24h"
calendar = "office"
"""


def test_shipped_rules_load() -> None:
    rules = load_sla_rules(ROOT / "rules")
    assert {p.id for p in rules.policies} == {
        "complaint.relay",
        "complaint.answer",
        "inquiry.answer",
        "order.confirm",
        "payment.answer",
    }
    relay = rules.policy("complaint.relay")
    assert relay is not None
    assert relay.metric is Metric.RELAYED
    assert relay.target.business(rules.calendar(relay)) == timedelta(hours=2)
    order = rules.policy("order.confirm")
    assert order is not None and order.pause_when_waiting_on_customer
    assert order.target.business(rules.calendar(order)) == timedelta(hours=8)
    payment = rules.policy("payment.answer")
    assert payment is not None
    assert payment.target.business(rules.calendar(payment)) == timedelta(hours=16)
    assert [p.id for p in rules.for_intent("complaint")] == ["complaint.relay", "complaint.answer"]
    assert rules.for_intent("other") == ()
    office = rules.calendars["cn-office"]
    assert office.hours == ((540, 720), (780, 1080))
    assert office.holiday_countries == ("CN",)
    lines = check(ROOT / "rules")
    assert lines[0].endswith("5 SLA policies, 2 calendars")


def test_defaults_and_dates() -> None:
    text = CAL + 'working_days = [2026-10-10, "2026-09-20"]\n' + POLICY
    rules = parse_sla_rules(text)
    (policy,) = rules.policies
    assert policy.metric is Metric.ANSWERED
    assert policy.timezone_basis is Basis.TEAM
    assert not policy.pause_when_waiting_on_customer
    assert policy.warn_before.business(rules.calendars["office"]) == timedelta(0)
    assert rules.calendars["office"].working_days == {date(2026, 10, 10), date(2026, 9, 20)}


def test_missing_file_means_no_policies(tmp_path: Path) -> None:
    rules = load_sla_rules(tmp_path)
    assert rules.policies == ()


@pytest.mark.parametrize(
    ("text", "unit", "amount"),
    [
        ("2h", "hours", 2),
        ("30m", "minutes", 30),
        ("1.5 hours", "hours", 1.5),
        ("1 working day", "working_days", 1),
        ("2wd", "working_days", 2),
        ("45 min", "minutes", 45),
    ],
)
def test_durations(text: str, unit: str, amount: float) -> None:
    d = parse_duration(text)
    assert (d.unit, d.amount, d.text) == (unit, amount, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CAL + POLICY.replace('"24h"', '"24 parsecs"'),
            r'rules/sla.toml: policy "inquiry.answer": target: cannot read \'24 parsecs\'',
        ),
        (
            CAL + POLICY.replace('target = "24h"', 'target = "2h"\nwarn_before = "3h"'),
            r'policy "inquiry.answer": warn_before: \'3h\' must be shorter than the target',
        ),
        (
            CAL + POLICY.replace('"inquiry"', '"other"'),
            r'policy "inquiry.answer": intent: \'other\' is not one of inquiry',
        ),
        (
            CAL + POLICY.replace('"office"', '"factory"'),
            r'policy "inquiry.answer": calendar: unknown calendar \'factory\' \(known: office\)',
        ),
        (
            CAL + POLICY + 'metric = "solved"\n',
            r'policy "inquiry.answer": metric: \'solved\' is not one of answered, relayed',
        ),
        (
            CAL + POLICY + 'timezone_basis = "moon"\n',
            r'policy "inquiry.answer": timezone_basis: \'moon\' is not one of team, customer',
        ),
        (
            CAL + POLICY + "pause_when_waiting_on_customer = 1\n",
            r'policy "inquiry.answer": pause_when_waiting_on_customer: expected bool, got int',
        ),
        (CAL + POLICY + 'colour = "red"\n', r'policy "inquiry.answer": colour: unknown field'),
        (CAL + POLICY + POLICY, r'policy "inquiry.answer": id: duplicate policy id'),
        (
            CAL + POLICY + POLICY.replace('id = "inquiry.answer"', 'id = "inquiry.again"'),
            r'policy "inquiry.again": metric: inquiry is already answered by policy '
            r'"inquiry.answer"',
        ),
        (CAL + POLICY.replace('id = "inquiry.answer"\n', ""), r"policy\[0\]: id: required"),
        (
            CAL + POLICY.replace('"inquiry.answer"', '"Inquiry Answer"'),
            r"policy\[0\]: id: 'Inquiry Answer': use lower-case",
        ),
        (
            CAL.replace('"13:00-18:00"', '"11:00-18:00"') + POLICY,
            r'calendar "office": hours\[1\]: \'11:00-18:00\' overlaps',
        ),
        (
            CAL.replace('"13:00-18:00"', '"13:00-25:00"') + POLICY,
            r'calendar "office": hours\[1\]: \'13:00-25:00\' is not a period within one day',
        ),
        (
            CAL.replace('"09:00-12:00"', '"9-12"') + POLICY,
            r'calendar "office": hours\[0\]: expected \'HH:MM-HH:MM\'',
        ),
        (
            CAL.replace('"fri"', '"friyay"') + POLICY,
            r'calendar "office": weekdays\[4\]: unknown day \'friyay\'',
        ),
        (
            CAL.replace('["CN"]', '["XX"]') + POLICY,
            r'calendar "office": holidays\[0\]: unknown country code \'XX\'',
        ),
        (
            CAL + 'working_days = ["2026-13-01"]\n' + POLICY,
            r'calendar "office": working_days\[0\]: not a date',
        ),
        (
            CAL + "working_days = [2026-10-10]\nextra_holidays = [2026-10-10]\n" + POLICY,
            r'calendar "office": working_days: 2026-10-10 is also listed in extra_holidays',
        ),
        ("[policies]\n", r"rules/sla.toml: policies: unknown table"),
        ("[[policy]\n", r"rules/sla.toml: invalid TOML"),
    ],
)
def test_invalid_rules_name_file_policy_and_field(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_sla_rules(text, "rules/sla.toml")


def test_error_names_the_real_file(tmp_path: Path) -> None:
    (tmp_path / "sla.toml").write_text(CAL + POLICY.replace('"24h"', '"0h"'), encoding="utf-8")
    with pytest.raises(RulesError, match=rf'{tmp_path}/sla.toml: policy "inquiry.answer": target'):
        load_sla_rules(tmp_path)
