"""Promised dates: from now, in the team's business time (weekends, CN holidays, make-up days),
shown in the customer's zone. Frozen clocks; the real rules/sla.toml calendars."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from support.apptools import ROOT

from mailagent.drafts.promises import Calendars, calendars_from, promises
from mailagent.sla.policies import load_sla_rules

SH = ZoneInfo("Asia/Shanghai")
CALS = calendars_from(load_sla_rules(ROOT / "rules"))


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH).astimezone(UTC)


def test_before_the_national_day_holiday_everything_lands_after_it() -> None:
    now = at(2026, 9, 30, 17, 30)  # Wednesday evening; 1-7 Oct are holidays
    p = promises(
        now,
        CALS,
        intent="complaint",
        team_tz="Asia/Shanghai",
        customer_tz="Europe/Berlin",
        complaint_hours=24,
        lead_time_days=3,
    )
    # one office day (8 h): 30 min on Wednesday, 7.5 h on Thursday 8 Oct
    assert p.documents_by == at(2026, 10, 8, 17, 30)
    assert p.documents_by.tzinfo == ZoneInfo("Europe/Berlin")  # shown in the customer's zone
    assert p.documents_by.isoformat() == "2026-10-08T11:30:00+02:00"
    # 24 h of whole working days: 6.5 h on Wednesday, then 17.5 h of Thursday 8 Oct
    assert p.complaint_by == at(2026, 10, 8, 17, 30)
    assert p.complaint_by_team.tzinfo == SH
    # 3 office days: Sat 10 Oct is a make-up working day (调休), so it counts
    assert p.ship_by == at(2026, 10, 10, 17, 30)
    assert "working time from now" in p.reasons[0] and "holidays CN" in p.reasons[0]
    assert "customer's time zone (Europe/Berlin)" in p.reasons[-1]


@pytest.mark.parametrize(
    "now",
    [at(2026, 11, 20, 17), at(2026, 11, 21, 10), at(2026, 11, 22, 23, 59), at(2027, 2, 4, 18)],
    ids=["friday-evening", "saturday", "sunday-night", "before-spring-festival"],
)
def test_never_in_the_past_and_never_on_a_day_off(now: datetime) -> None:
    p = promises(
        now,
        CALS,
        intent="inquiry",
        team_tz="Asia/Shanghai",
        customer_tz="America/New_York",
        complaint_hours=24,
        lead_time_days=10,
    )
    office = CALS.get("team")
    assert office is not None
    for when in (p.documents_by, p.answer_by, p.complaint_by, p.ship_by):
        assert when is not None and when > now
        assert office.is_working_day(when.astimezone(SH).date()), when


def test_weekend_is_skipped_for_the_documents() -> None:
    p = promises(
        at(2026, 11, 20, 17),  # Friday 17:00 Shanghai
        CALS,
        intent="order",
        team_tz="Asia/Shanghai",
        customer_tz="",
        complaint_hours=24,
        lead_time_days=None,
    )
    assert p.documents_by == at(2026, 11, 23, 17)  # 1 h on Friday + 7 h on Monday
    assert p.ship_by is None


def test_without_calendars_plain_time_from_now_and_a_note() -> None:
    now = datetime(2026, 11, 21, 8, tzinfo=UTC)
    p = promises(
        now,
        Calendars(),
        intent="complaint",
        team_tz="Asia/Shanghai",
        customer_tz="Europe/Madrid",
        complaint_hours=24,
        lead_time_days=None,
    )
    assert p.complaint_by == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert "no work calendar" in p.reasons[0]
