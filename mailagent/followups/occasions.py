"""Greeting occasions and closures in a date window (pure).

An occasion's date in a year is its fixed month-day or the first day of a holiday of the
``holidays`` package whose name contains ``holiday_name`` (Eid, Diwali, the Lunar New Year
move every year; the package computes them). :func:`upcoming_occasions` lists the occasions
a customer's country greets within a window; :func:`own_closures` the spans our team is
closed (from our own country's calendar) for a closure notice. No clock, no I/O.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import holidays

from mailagent.followups.rules import Closure, Occasion
from mailagent.followups.workdays import closed_spans

__all__ = ["ClosureSpan", "Upcoming", "occasion_date", "own_closures", "upcoming_occasions"]


@functools.lru_cache(maxsize=256)
def _year_table(country: str, year: int) -> Any:
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return {}


def _holiday_date(country: str, name: str, year: int) -> date | None:
    days = sorted(d for d, n in _year_table(country, year).items() if name.lower() in n.lower())
    return days[0] if days else None


def occasion_date(occ: Occasion, year: int) -> date | None:
    if occ.fixed is not None:
        return date(year, *occ.fixed)
    return _holiday_date(occ.holiday_country, occ.holiday_name, year)


@dataclass(frozen=True, slots=True)
class Upcoming:
    occasion: Occasion
    on: date


def upcoming_occasions(
    occasions: tuple[Occasion, ...], country: str, first: date, last: date
) -> list[Upcoming]:
    """Occasions greeted in ``country`` whose date falls in ``[first, last]``."""
    out = []
    for occ in occasions:
        if not occ.greeted_in(country):
            continue
        for year in range(first.year, last.year + 1):
            on = occasion_date(occ, year)
            if on is not None and first <= on <= last:
                out.append(Upcoming(occ, on))
    return sorted(out, key=lambda u: (u.on, u.occasion.id))


@dataclass(frozen=True, slots=True)
class ClosureSpan:
    closure: Closure
    first: date
    last: date


def own_closures(
    closures: tuple[Closure, ...], country: str, first: date, last: date
) -> list[ClosureSpan]:
    """Our closures (``[[closure]]`` holidays of our ``country``) starting in ``[first, last]``."""
    out = []
    for span_first, span_last, names in closed_spans(first, last + timedelta(days=10), country):
        if not first <= span_first <= last:
            continue
        for c in closures:
            if c.holiday_name.lower() in names.lower():
                out.append(ClosureSpan(c, span_first, span_last))
    return out
