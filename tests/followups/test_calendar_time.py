"""The customer's calendar and clock: weekends, CN/DE/US/BR/AE holidays, DST, zone guesses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mailagent.followups.localtime import (
    ZoneChoice,
    choose_zone,
    date_offsets,
    local_label,
    local_time,
    next_business_morning,
)
from mailagent.followups.workdays import (
    add_business_days,
    business_days_between,
    closed_spans,
    country_code,
    day_kind,
)


@pytest.mark.parametrize(
    ("start", "n", "country", "expected"),
    [
        (date(2026, 11, 20), 1, "DE", date(2026, 11, 23)),  # Fri -> Mon over the weekend
        (date(2026, 12, 23), 3, "DE", date(2026, 12, 29)),  # Christmas and Boxing Day
        (date(2026, 11, 25), 1, "US", date(2026, 11, 27)),  # Thanksgiving
        (date(2026, 9, 30), 1, "CN", date(2026, 10, 8)),  # Golden Week
        (date(2026, 10, 9), 1, "CN", date(2026, 10, 10)),  # Saturday make-up working day
        (date(2026, 11, 19), 1, "BR", date(2026, 11, 23)),  # Black Awareness Day (Fri 20)
        (date(2026, 3, 18), 1, "AE", date(2026, 3, 23)),  # Eid al-Fitr holidays
        (date(2026, 11, 20), 1, "", date(2026, 11, 23)),  # unknown country: Mon-Fri
    ],
)
def test_business_days_of_the_customers_calendar(
    start: date, n: int, country: str, expected: date
) -> None:
    assert add_business_days(start, n, country) == expected


def test_day_kinds_say_why() -> None:
    assert day_kind(date(2026, 12, 25), "DE").why == "Christmas Day (DE)"
    assert day_kind(date(2026, 11, 21), "DE").why == "weekend"
    assert day_kind(date(2026, 10, 10), "CN").working
    assert day_kind(date(2026, 11, 26), "US").why == "Thanksgiving Day (US)"
    assert not day_kind(date(2026, 11, 27), "IR").working  # Friday is Iran's weekend
    assert business_days_between(date(2026, 12, 23), date(2026, 12, 31), "DE") == 5  # 24, 28-31


def test_country_spellings() -> None:
    assert [
        country_code(c) for c in ("de", "Germany", "Deutschland", "德国", "UAE", "Atlantis")
    ] == [
        "DE",
        "DE",
        "DE",
        "DE",
        "AE",
        "",
    ]


def test_closures_include_adjacent_weekends() -> None:
    assert closed_spans(date(2026, 12, 20), date(2026, 12, 31), "DE") == [
        (date(2026, 12, 25), date(2026, 12, 27), "Christmas Day; Second Day of Christmas")
    ]
    ((first, last, names),) = [s for s in closed_spans(date(2026, 9, 28), date(2026, 10, 9), "CN")]
    assert (first, last) == (date(2026, 10, 1), date(2026, 10, 7)) and "National Day" in names


def test_local_label_en_zh() -> None:
    choice = choose_zone("", "DE", [])
    friday = datetime(2026, 11, 20, 16, 40, tzinfo=UTC)
    lt = local_time(friday, choice, "DE", (540, 1020))
    assert local_label(lt, "en") == "Fri 17:40 in Berlin, after hours"
    assert local_label(lt, "zh") == "Berlin 周五 17:40，已下班"
    xmas = local_time(datetime(2026, 12, 25, 10, 0, tzinfo=UTC), choice, "DE")
    assert local_label(xmas, "en") == "Fri 11:00 in Berlin, public holiday: Christmas Day"
    early = local_time(datetime(2026, 11, 23, 6, 0, tzinfo=UTC), choice, "DE")
    assert early.state == "before_hours"


def test_zone_learned_from_date_headers_is_a_guess() -> None:
    samples = date_offsets(
        ["Fri, 20 Nov 2026 10:00:00 +0400", "Mon, 23 Nov 2026 09:00:00 +0400", "garbage"]
    )
    assert len(samples) == 2
    choice = choose_zone("", "", samples)
    assert choice == ZoneChoice("Asia/Dubai", True, "guess: 2 Date header(s) at UTC+04:00")
    lt = local_time(datetime(2026, 11, 23, 5, 0, tzinfo=UTC), choice, "AE")
    assert local_label(lt, "en").endswith("(time zone guessed)")
    # the archive wins; a country whose zone matches the headers is not a guess
    assert choose_zone("Europe/Madrid", "DE", samples).zone == "Europe/Madrid"
    de = date_offsets(["Fri, 20 Nov 2026 10:00:00 +0100", "Mon, 20 Jul 2026 10:00:00 +0200"])
    assert choose_zone("", "DE", de) == ZoneChoice(
        "Europe/Berlin", False, "country DE, matches their Date headers"
    )


@pytest.mark.parametrize(
    ("now", "zone", "country", "expected"),
    [
        # Friday evening in Munich -> Monday 09:00 CET
        (
            datetime(2026, 11, 20, 16, 40, tzinfo=UTC),
            "Europe/Berlin",
            "DE",
            datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        ),
        # before 09:00 on a working day -> the same morning
        (
            datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
            "Europe/Berlin",
            "DE",
            datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
        ),
        # Saturday 28 March 2026 -> Monday 30 March, after the switch to summer time (CEST)
        (
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            "Europe/Berlin",
            "DE",
            datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        ),
        # US: across the end of DST (1 Nov 2026) -> 09:00 EST is 14:00 UTC
        (
            datetime(2026, 10, 30, 22, 0, tzinfo=UTC),
            "America/New_York",
            "US",
            datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
        ),
        # Brazil: Friday evening in Sao Paulo (no DST) -> Monday 09:00 -03
        (
            datetime(2026, 11, 13, 23, 0, tzinfo=UTC),
            "America/Sao_Paulo",
            "BR",
            datetime(2026, 11, 16, 12, 0, tzinfo=UTC),
        ),
        # China: evening of 30 Sept -> 8 Oct after Golden Week
        (
            datetime(2026, 9, 30, 12, 0, tzinfo=UTC),
            "Asia/Shanghai",
            "CN",
            datetime(2026, 10, 8, 1, 0, tzinfo=UTC),
        ),
        # Dubai during Eid al-Fitr
        (
            datetime(2026, 3, 19, 8, 0, tzinfo=UTC),
            "Asia/Dubai",
            "AE",
            datetime(2026, 3, 23, 5, 0, tzinfo=UTC),
        ),
    ],
)
def test_next_business_morning(now: datetime, zone: str, country: str, expected: datetime) -> None:
    assert next_business_morning(now, zone, country) == expected


@pytest.mark.parametrize(
    ("country", "first", "last", "expected"),
    [
        ("US", date(2026, 11, 20), date(2026, 12, 2), [(date(2026, 11, 26), "Thanksgiving Day")]),
        (
            "AE",
            date(2026, 5, 20),
            date(2026, 6, 5),
            [(date(2026, 5, 26), "Day of Arafah; Eid al-Adha; Eid al-Adha Holiday")],
        ),
        # Republic Proclamation Day falls on Sunday 15 Nov: no closure to tell the team about
        (
            "BR",
            date(2026, 11, 9),
            date(2026, 11, 25),
            [(date(2026, 11, 20), "National Day of Zumbi and Black Awareness")],
        ),
    ],
)
def test_team_notices_of_customers_closures(
    country: str, first: date, last: date, expected: list[tuple[date, str]]
) -> None:
    assert [(a, names) for a, _b, names in closed_spans(first, last, country)] == expected
