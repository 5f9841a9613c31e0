"""Pure SLA maths with fixed times: weekends, holidays, make-up days, DST, zones, pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailagent.sla.clock import (
    SlaEvent,
    SlaEventKind,
    SlaState,
    business_add,
    business_elapsed,
    evaluate,
    fmt_duration,
    localize,
)
from mailagent.sla.policies import SlaRules, load_sla_rules, parse_sla_rules

ROOT = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")

TEST_RULES = """
[calendar.de-office]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-17:00"]

[calendar.always]
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
hours = ["00:00-24:00"]

[calendar.cn-data]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-12:00", "13:00-18:00"]
holidays = ["CN"]
package_working_days = false
working_days = [2026-10-10]

[calendar.cn-bare]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-12:00", "13:00-18:00"]
holidays = ["CN"]
package_working_days = false

[calendar.flat]
weekdays = ["mon", "tue", "wed", "thu", "fri"]
hours = ["09:00-18:00"]
customer_holidays = true

[[policy]]
id = "inquiry.customer"
intent = "inquiry"
target = "8h"
warn_before = "1h"
calendar = "flat"
timezone_basis = "customer"

[[policy]]
id = "inquiry.team"
intent = "inquiry"
metric = "relayed"
target = "8h"
calendar = "flat"
"""


@pytest.fixture(scope="module")
def shipped() -> SlaRules:
    return load_sla_rules(ROOT / "rules")


@pytest.fixture(scope="module")
def rules() -> SlaRules:
    return parse_sla_rules(TEST_RULES, "tests/sla.toml")


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


# -- business_add / business_elapsed -----------------------------------------------------------


def test_weekend_is_skipped(shipped: SlaRules) -> None:
    cal = shipped.calendars["cn-office"]
    # Friday 2026-11-20 17:00 + 2h: one hour on Friday, the second on Monday morning
    due = business_add(at(SH, 2026, 11, 20, 17, 0), timedelta(hours=2), cal, SH)
    assert due == at(SH, 2026, 11, 23, 10, 0)
    assert due.tzinfo is UTC
    assert business_elapsed(at(SH, 2026, 11, 20, 17), due, cal, SH) == timedelta(hours=2)


def test_lunch_break_and_arrival_outside_hours(shipped: SlaRules) -> None:
    cal = shipped.calendars["cn-office"]
    assert business_add(at(SH, 2026, 11, 23, 11, 30), timedelta(hours=1), cal, SH) == at(
        SH, 2026, 11, 23, 13, 30
    )
    # arriving at night: the clock starts at 09:00
    assert business_add(at(SH, 2026, 11, 23, 2, 0), timedelta(hours=1), cal, SH) == at(
        SH, 2026, 11, 23, 10, 0
    )
    # a whole working day is 8 h (lunch excluded); the end of the day is the due instant
    sat = at(SH, 2026, 11, 21, 12, 0)
    assert business_add(sat, cal.day_length, cal, SH) == at(SH, 2026, 11, 23, 18, 0)
    assert business_elapsed(at(SH, 2026, 11, 23, 8), at(SH, 2026, 11, 23, 20), cal, SH) == (
        timedelta(hours=8)
    )
    assert business_elapsed(at(SH, 2026, 11, 23, 20), at(SH, 2026, 11, 23, 8), cal, SH) == (
        timedelta(0)
    )


def test_national_day_holidays_are_skipped(shipped: SlaRules) -> None:
    cal = shipped.calendars["cn-office"]
    start = at(SH, 2026, 9, 30, 16, 0)
    # 2 h left on 30 Sep; 1-7 Oct are holidays (incl. substituted days off); 8 Oct resumes
    due = business_add(start, timedelta(hours=8), cal, SH)
    assert due == at(SH, 2026, 10, 8, 16, 0)
    for day in range(1, 8):
        assert not cal.is_working_day(datetime(2026, 10, day).date())


def test_make_up_saturday_from_calendar_data(rules: SlaRules) -> None:
    friday_late = at(SH, 2026, 10, 9, 17, 0)
    with_data = rules.calendars["cn-data"]
    without = rules.calendars["cn-bare"]
    assert with_data.day_kind(datetime(2026, 10, 10).date()) == (
        True,
        "make-up working day (calendar data)",
    )
    # Saturday 10 Oct 2026 is a working day only because the data says so
    assert business_add(friday_late, timedelta(hours=2), with_data, SH) == at(SH, 2026, 10, 10, 10)
    assert business_add(friday_late, timedelta(hours=2), without, SH) == at(SH, 2026, 10, 12, 10)


def test_shipped_calendar_knows_chinese_make_up_days(shipped: SlaRules) -> None:
    cal = shipped.calendars["cn-office"]
    assert cal.day_kind(datetime(2026, 9, 20).date()) == (True, "make-up working day (CN)")
    assert cal.is_working_day(datetime(2026, 10, 10).date())
    assert not cal.is_working_day(datetime(2026, 10, 11).date())


def test_dst_spring_forward_in_berlin(rules: SlaRules) -> None:
    office = rules.calendars["de-office"]
    # Friday 27 Mar 2026 16:00 CET (15:00 UTC) + 2 h -> Monday 30 Mar 10:00 CEST (08:00 UTC)
    due = business_add(at(BERLIN, 2026, 3, 27, 16), timedelta(hours=2), office, BERLIN)
    assert due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert due.astimezone(BERLIN).hour == 10
    always = rules.calendars["always"]
    # the night of the change has 23 hours; the autumn one 25
    spring = business_elapsed(at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30), always, BERLIN)
    autumn = business_elapsed(at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26), always, BERLIN)
    assert spring == timedelta(hours=23)
    assert autumn == timedelta(hours=25)
    # 24 h of clock time from Saturday noon ends at Sunday 13:00 local after spring-forward
    assert business_add(at(BERLIN, 2026, 3, 28, 12), timedelta(hours=24), always, BERLIN) == (
        at(BERLIN, 2026, 3, 29, 13)
    )


def test_dst_fall_back_in_berlin(rules: SlaRules) -> None:
    office = rules.calendars["de-office"]
    # Friday 23 Oct 2026 16:00 CEST (14:00 UTC) + 2 h -> Monday 26 Oct 10:00 CET (09:00 UTC)
    due = business_add(at(BERLIN, 2026, 10, 23, 16), timedelta(hours=2), office, BERLIN)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_dst_in_new_york(rules: SlaRules) -> None:
    office = rules.calendars["de-office"]  # 09:00-17:00 Mon-Fri, no holidays
    # Friday 6 Mar 2026 16:00 EST (21:00 UTC) + 2 h -> Monday 9 Mar 10:00 EDT (14:00 UTC)
    due = business_add(at(NY, 2026, 3, 6, 16), timedelta(hours=2), office, NY)
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    always = rules.calendars["always"]
    assert business_elapsed(at(NY, 2026, 11, 1), at(NY, 2026, 11, 2), always, NY) == timedelta(
        hours=25
    )


def test_naive_datetimes_are_refused(shipped: SlaRules) -> None:
    with pytest.raises(ValueError, match="naive"):
        business_add(
            datetime(2026, 1, 5, 9), timedelta(hours=1), shipped.calendars["cn-office"], SH
        )


# -- time zones and customer holidays ----------------------------------------------------------


def test_customer_in_new_york_vs_team_in_shanghai(rules: SlaRules) -> None:
    customer = rules.policy("inquiry.customer")
    team = rules.policy("inquiry.team")
    assert customer is not None and team is not None
    flat = rules.calendars["flat"]
    # Wednesday 25 Nov 2026 15:00 in New York = Thursday 04:00 in Shanghai
    received = at(NY, 2026, 11, 25, 15)
    cal, tz, why = localize(
        customer,
        flat,
        team_tz="Asia/Shanghai",
        customer_tz="America/New_York",
        customer_country="US",
    )
    assert tz.key == "America/New_York"
    assert any("US" in r for r in why)
    status = evaluate(received, customer, cal, [], received, tz)
    # 3 h on Wednesday, Thanksgiving (26 Nov) not counted, 5 h on Friday -> Friday 14:00 NY
    assert status.due_at == at(NY, 2026, 11, 27, 14)
    assert any("Thanksgiving" in r for r in status.reasons)
    cal, tz, why = localize(team, flat, team_tz="Asia/Shanghai", customer_tz="America/New_York")
    assert tz.key == "Asia/Shanghai" and cal is flat
    status = evaluate(received, team, cal, [], received, tz)
    # in Shanghai it arrives at 04:00 Thursday: the clock runs 09:00-17:00 that day
    assert status.due_at == at(SH, 2026, 11, 26, 17)
    assert any("outside working time" in r for r in status.reasons)


def test_unknown_customer_zone_falls_back_to_team(rules: SlaRules) -> None:
    policy = rules.policy("inquiry.customer")
    assert policy is not None
    _cal, tz, why = localize(
        policy, rules.calendars["flat"], team_tz="Asia/Shanghai", customer_tz="Mars/Olympus"
    )
    assert tz.key == "Asia/Shanghai"
    assert "unknown" in why[0]


# -- evaluate: states, stops, pauses -----------------------------------------------------------


def test_states_running_warning_breached(shipped: SlaRules) -> None:
    policy = shipped.policy("inquiry.answer")  # 24 h of working days, warn 4 h before
    assert policy is not None
    cal = shipped.calendar(policy)
    received = at(SH, 2026, 11, 23, 10)  # Monday
    running = evaluate(received, policy, cal, [], at(SH, 2026, 11, 23, 12), SH)
    assert running.state is SlaState.RUNNING
    assert running.due_at == at(SH, 2026, 11, 24, 10)
    assert running.warn_at == at(SH, 2026, 11, 24, 6)
    assert running.elapsed == timedelta(hours=2)
    assert running.remaining == timedelta(hours=22)
    warning = evaluate(received, policy, cal, [], at(SH, 2026, 11, 24, 7), SH)
    assert warning.state is SlaState.WARNING
    breached = evaluate(received, policy, cal, [], at(SH, 2026, 11, 24, 10, 1), SH)
    assert breached.state is SlaState.BREACHED
    assert breached.remaining == timedelta(minutes=-1)
    assert "overdue by 1m" in breached.reasons[-1]


def test_reply_stops_the_clock_met_or_late(shipped: SlaRules) -> None:
    policy = shipped.policy("inquiry.answer")
    assert policy is not None
    cal = shipped.calendar(policy)
    received = at(SH, 2026, 11, 23, 10)
    reply = SlaEvent(at(SH, 2026, 11, 23, 15), SlaEventKind.REPLY, "re: quote")
    met = evaluate(received, policy, cal, [reply], at(SH, 2026, 11, 30), SH)
    assert met.state is SlaState.MET
    assert met.stopped_at == reply.at
    assert met.elapsed == timedelta(hours=5)
    assert any("first reply sent" in r and "re: quote" in r for r in met.reasons)
    late = SlaEvent(at(SH, 2026, 11, 24, 11), SlaEventKind.REPLY)
    status = evaluate(received, policy, cal, [late], at(SH, 2026, 11, 30), SH)
    assert status.state is SlaState.BREACHED
    assert status.stopped_at == late.at
    assert "1h 00m late" in status.reasons[-1]
    # a reply after "now" has not happened yet; one before arrival belongs to an older mail
    future = evaluate(received, policy, cal, [late], at(SH, 2026, 11, 23, 12), SH)
    assert future.state is SlaState.RUNNING
    old = SlaEvent(at(SH, 2026, 11, 20, 9), SlaEventKind.REPLY)
    assert evaluate(received, policy, cal, [old], at(SH, 2026, 11, 23, 12), SH).stopped_at is None


def test_relay_metric_ignores_replies(shipped: SlaRules) -> None:
    policy = shipped.policy("complaint.relay")  # 2 office hours
    assert policy is not None
    cal = shipped.calendar(policy)
    received = at(SH, 2026, 11, 23, 9)
    reply = SlaEvent(at(SH, 2026, 11, 23, 9, 30), SlaEventKind.REPLY)
    relay = SlaEvent(at(SH, 2026, 11, 23, 10, 45), SlaEventKind.RELAY, "to quality")
    status = evaluate(received, policy, cal, [reply], at(SH, 2026, 11, 23, 10, 40), SH)
    assert status.state is SlaState.WARNING  # warn 30 min before 11:00
    status = evaluate(received, policy, cal, [reply, relay], at(SH, 2026, 11, 23, 12), SH)
    assert status.state is SlaState.MET
    assert status.stopped_at == relay.at


def test_pause_while_waiting_on_customer(shipped: SlaRules) -> None:
    policy = shipped.policy("order.confirm")  # 1 working day = 8 h, pauses
    assert policy is not None and policy.pause_when_waiting_on_customer
    cal = shipped.calendar(policy)
    received = at(SH, 2026, 11, 23, 9)  # Monday
    wait = SlaEvent(at(SH, 2026, 11, 23, 10), SlaEventKind.WAIT, "asked for Gerber files")
    resume = SlaEvent(at(SH, 2026, 11, 24, 10), SlaEventKind.RESUME, "customer sent files")
    paused = evaluate(received, policy, cal, [wait], at(SH, 2026, 11, 24, 9), SH)
    assert paused.state is SlaState.PAUSED
    assert paused.elapsed == timedelta(hours=1)
    # the due date assumes the clock resumes now: 7 h from Tue 09:00 = 17:00
    assert paused.due_at == at(SH, 2026, 11, 24, 17)
    resumed = evaluate(received, policy, cal, [wait, resume], at(SH, 2026, 11, 24, 12), SH)
    assert resumed.state is SlaState.RUNNING
    assert resumed.elapsed == timedelta(hours=3)  # Mon 09-10 + Tue 10-12
    assert resumed.due_at == at(SH, 2026, 11, 24, 18)  # Tue 10-12, 13-18 = 7 h
    assert any("paused" in r and "waiting on customer" in r for r in resumed.reasons)


def test_pause_is_ignored_when_policy_does_not_pause(shipped: SlaRules) -> None:
    policy = shipped.policy("inquiry.answer")
    assert policy is not None and not policy.pause_when_waiting_on_customer
    cal = shipped.calendar(policy)
    received = at(SH, 2026, 11, 23, 9)
    wait = SlaEvent(at(SH, 2026, 11, 23, 10), SlaEventKind.WAIT)
    status = evaluate(received, policy, cal, [wait], at(SH, 2026, 11, 23, 20), SH)
    assert status.state is SlaState.RUNNING
    assert status.elapsed == timedelta(hours=11)
    assert any("policy does not pause" in r for r in status.reasons)


def test_holiday_reasons_are_recorded(shipped: SlaRules) -> None:
    policy = shipped.policy("payment.answer")  # 2 working days
    assert policy is not None
    status = evaluate(
        at(SH, 2026, 9, 30, 10), policy, shipped.calendar(policy), [], at(SH, 2026, 10, 2), SH
    )
    assert status.state is SlaState.RUNNING
    assert status.due_at == at(SH, 2026, 10, 9, 10)
    assert "2026-10-01 not counted: National Day (CN)" in status.reasons


def test_fmt_duration() -> None:
    assert fmt_duration(timedelta(hours=3, minutes=5)) == "3h 05m"
    assert fmt_duration(timedelta(minutes=45)) == "45m"
    assert fmt_duration(timedelta(hours=-1, minutes=-10)) == "-1h 10m"
    assert fmt_duration(timedelta(hours=30)) == "30h 00m"
