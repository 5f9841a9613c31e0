"""The payment ladder and the occasion table over frozen dates."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from mailagent.followups.ladder import OrderState, age_bucket, decide
from mailagent.followups.occasions import occasion_date, own_closures, upcoming_occasions
from mailagent.followups.rules import load_followup_rules

ROOT = Path(__file__).resolve().parents[2]
RULES = load_followup_rules(ROOT / "rules")
DUE = date(2026, 11, 30)
ORDER = OrderState(1, "HX-2026-0042", "EUR", Decimal("12000"), Decimal("3600"), DUE)


def test_ladder_walks_every_step() -> None:
    done: tuple[str, ...] = ()
    seen = []
    for offset in range(-10, 40):
        d = decide(
            dataclasses.replace(ORDER, steps_done=done), RULES.ladder, DUE + timedelta(days=offset)
        )
        if d.state == "due":
            assert d.step is not None
            seen.append((offset, d.step.id, d.step.tone))
            done = (*done, d.step.id)
    assert seen == [
        (-3, "before_due", "friendly"),
        (0, "due_day", "due"),
        (7, "overdue_7", "firm"),
        (15, "overdue_15", "firmer"),
        (30, "overdue_30", "final"),
    ]
    last = decide(
        dataclasses.replace(ORDER, steps_done=done), RULES.ladder, DUE + timedelta(days=45)
    )
    assert last.state == "done" and last.days_overdue == 45


def test_ladder_stops_when_paid_and_holds_on_a_claim() -> None:
    paid = dataclasses.replace(ORDER, paid=Decimal("12000"))
    assert decide(paid, RULES.ladder, DUE + timedelta(days=8)).state == "paid"
    claimed = decide(
        dataclasses.replace(ORDER, paid_claimed=True), RULES.ladder, DUE + timedelta(days=8)
    )
    assert claimed.state == "claimed" and "salesperson to confirm" in claimed.reasons[0]
    assert decide(dataclasses.replace(ORDER, status="cancelled"), RULES.ladder, DUE).state == "none"
    assert decide(dataclasses.replace(ORDER, due_date=None), RULES.ladder, DUE).state == "none"


def test_late_import_drafts_only_the_latest_step() -> None:
    d = decide(ORDER, RULES.ladder, DUE + timedelta(days=16))
    assert d.step is not None and d.step.id == "overdue_15"
    assert "skipped (fell due together): before_due, due_day, overdue_7" in d.reasons
    after = dataclasses.replace(ORDER, steps_done=("overdue_15",))
    assert decide(after, RULES.ladder, DUE + timedelta(days=20)).state == "waiting"
    final = decide(ORDER, RULES.ladder, DUE + timedelta(days=31))
    assert final.step is not None and final.step.escalate
    assert "last step: escalated to the supervisors" in final.reasons


def test_waiting_names_the_next_step() -> None:
    d = decide(ORDER, RULES.ladder, DUE - timedelta(days=10))
    assert (d.state, d.next_on) == ("waiting", DUE - timedelta(days=3))


def test_age_buckets() -> None:
    assert [age_bucket(n) for n in (1, 30, 31, 60, 61, 90, 91, 400)] == [
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
        "90+",
    ]


def test_moving_occasions_come_from_the_holidays_package() -> None:
    by_id = {o.id: o for o in RULES.occasions}
    assert occasion_date(by_id["lunar_new_year"], 2027) == date(2027, 2, 6)
    assert occasion_date(by_id["eid_al_fitr"], 2026) == date(2026, 3, 20) - timedelta(days=1)
    assert occasion_date(by_id["diwali"], 2026) == date(2026, 11, 8)
    assert occasion_date(by_id["songkran"], 2026) == date(2026, 4, 13)
    assert occasion_date(by_id["christmas"], 2026) == date(2026, 12, 25)


def test_upcoming_by_market() -> None:
    window = (date(2026, 12, 20), date(2027, 1, 5))
    de = [(u.occasion.id, u.on) for u in upcoming_occasions(RULES.occasions, "DE", *window)]
    assert de == [("christmas", date(2026, 12, 25)), ("new_year", date(2027, 1, 1))]
    ae = [u.occasion.id for u in upcoming_occasions(RULES.occasions, "AE", *window)]
    assert ae == ["new_year"]  # no Christmas greeting for the Emirates
    assert (
        upcoming_occasions(RULES.occasions, "AE", date(2026, 3, 10), date(2026, 3, 25))[
            0
        ].occasion.id
        == "eid_al_fitr"
    )


def test_our_closures() -> None:
    (span,) = own_closures(RULES.closures, "CN", date(2026, 9, 20), date(2026, 10, 5))
    assert (span.closure.id, span.first, span.last) == (
        "cn_national_day",
        date(2026, 10, 1),
        date(2026, 10, 7),
    )
    (spring,) = own_closures(RULES.closures, "CN", date(2027, 1, 25), date(2027, 2, 10))
    assert spring.closure.id == "cn_spring_festival" and spring.first.month == 2


def test_team_notice_wording() -> None:
    from mailagent.followups.greetings import TeamNotice

    one = TeamNotice(
        "CL", date(2026, 12, 8), date(2026, 12, 8), "Immaculate Conception", ("Andina",)
    )
    assert (
        one.text("en")
        == "Chile is closed on 08 Dec (Immaculate Conception): expect no reply from Andina"
    )
    assert one.text("zh") == "智利 12-08放假（Immaculate Conception）：期间客户可能不回复（Andina）"


@pytest.mark.parametrize(
    ("country", "first", "last", "expected"),
    [
        ("CN", date(2027, 1, 20), date(2027, 2, 20), [("lunar_new_year", date(2027, 2, 6))]),
        (
            "US",
            date(2026, 12, 20),
            date(2027, 1, 5),
            [("christmas", date(2026, 12, 25)), ("new_year", date(2027, 1, 1))],
        ),
        (
            "BR",
            date(2026, 12, 20),
            date(2027, 1, 5),
            [("christmas", date(2026, 12, 25)), ("new_year", date(2027, 1, 1))],
        ),
        ("AE", date(2026, 5, 20), date(2026, 6, 5), [("eid_al_adha", date(2026, 5, 27))]),
        ("CN", date(2026, 12, 20), date(2026, 12, 31), []),  # no Christmas greeting for China
    ],
)
def test_occasions_of_each_market(
    country: str, first: date, last: date, expected: list[tuple[str, date]]
) -> None:
    got = upcoming_occasions(RULES.occasions, country, first, last)
    assert [(u.occasion.id, u.on) for u in got] == expected
