"""Business calendars: working weekdays, working hours, public holidays and make-up days.

A :class:`WorkCalendar` is plain data (built by ``slarules.py`` from ``rules/sla.toml``) plus
pure functions over it: which local dates are working days and why, and the working
intervals after an instant in a given time zone. Local working hours are turned into UTC
instants with ``zoneinfo``, so daylight-saving changes are handled by the zone database;
all arithmetic is done on UTC datetimes. Nothing here reads a clock, a file or a database
(the ``holidays`` package computes its tables in memory). The module is not named
``calendar`` so that it can never shadow the standard library module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import holidays

__all__ = ["WEEKDAYS", "WorkCalendar", "notable_days", "to_utc", "working_intervals"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_IDLE_DAYS = 400  # a calendar without working time for this long is an error, not a loop


@dataclass(frozen=True)
class WorkCalendar:
    """Working time of a team: weekdays, daily hours (minutes after local midnight), holidays.

    ``hours`` holds half-open periods ``(start, end)`` in minutes, e.g. ``(540, 720)`` for
    09:00-12:00; ``end`` may be 1440 (24:00). ``working_days`` are make-up working days
    (China's adjusted weekends) and win over weekends and package holidays;
    ``extra_holidays`` (company holidays) win over everything.
    """

    name: str
    weekdays: frozenset[int]
    hours: tuple[tuple[int, int], ...]
    holiday_countries: tuple[str, ...] = ()
    extra_holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    package_working_days: bool = True
    customer_holidays: bool = False
    description: str = ""
    _tables: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def day_length(self) -> timedelta:
        """Nominal working time of one working day (what "1 working day" means)."""
        return timedelta(minutes=sum(b - a for a, b in self.hours))

    def with_countries(self, *codes: str) -> WorkCalendar:
        """The same calendar also observing the public holidays of ``codes``."""
        extra = tuple(c for c in codes if c and c not in self.holiday_countries)
        if not extra:
            return self
        return dataclasses.replace(
            self, holiday_countries=self.holiday_countries + extra, _tables={}
        )

    def _table(self, code: str) -> Any:
        if code not in self._tables:
            self._tables[code] = holidays.country_holidays(code)
        return self._tables[code]

    def day_kind(self, day: date) -> tuple[bool, str]:
        """``(is_working_day, why)``; ``why`` is empty for an ordinary weekday or weekend."""
        if day in self.extra_holidays:
            return False, "company holiday (calendar data)"
        if day in self.working_days:
            return True, "make-up working day (calendar data)"
        for code in self.holiday_countries:
            name = self._table(code).get(day)
            if name:
                return False, f"{name} ({code})"
        if self.package_working_days:
            for code in self.holiday_countries:
                if day in getattr(self._table(code), "weekend_workdays", ()):
                    return True, f"make-up working day ({code})"
        return day.weekday() in self.weekdays, ""

    def is_working_day(self, day: date) -> bool:
        return self.day_kind(day)[0]

    def describe(self) -> str:
        days = ",".join(WEEKDAYS[d] for d in sorted(self.weekdays))
        hours = ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in self.hours)
        hol = "+".join(self.holiday_countries) or "none"
        return f"{self.name} ({days} {hours}; holidays {hol})"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def to_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; naive datetimes are refused (time is explicit)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: pass an aware datetime")
    return value.astimezone(UTC)


def _instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    return local.replace(tzinfo=tz).astimezone(UTC)


def working_intervals(
    start: datetime, cal: WorkCalendar, tz: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals ``[a, b)`` in UTC that end after ``start``, clipped to ``start``.

    Infinite; stops with ``ValueError`` after ``MAX_IDLE_DAYS`` days without working time.
    """
    start = to_utc(start)
    day = start.astimezone(tz).date()
    idle = 0
    while True:
        found = False
        if cal.is_working_day(day):
            for a, b in cal.hours:
                lo, hi = _instant(day, a, tz), _instant(day, b, tz)
                if hi > start and hi > lo:
                    found = True
                    yield max(lo, start), hi
        idle = 0 if found else idle + 1
        if idle > MAX_IDLE_DAYS:
            raise ValueError(f"calendar {cal.name!r}: no working time for {MAX_IDLE_DAYS} days")
        day += timedelta(days=1)


def notable_days(
    start: datetime, end: datetime, cal: WorkCalendar, tz: ZoneInfo, limit: int = 12
) -> list[str]:
    """Holidays and make-up working days between two instants, for ``reasons``."""
    first, last = to_utc(start).astimezone(tz).date(), to_utc(end).astimezone(tz).date()
    out: list[str] = []
    day = first
    while day <= last and len(out) < limit:
        working, why = cal.day_kind(day)
        if why:
            out.append(f"{day:%Y-%m-%d} {'counted' if working else 'not counted'}: {why}")
        day += timedelta(days=1)
    return out
