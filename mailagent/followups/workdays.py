"""The customer's calendar: country codes, weekends, public holidays, business-day arithmetic.

A customer's country (``"DE"``, ``"Germany"``, ``"Deutschland"``, ``"德国"``) is turned into an
ISO code; the ``holidays`` package gives that country's public holidays *and* its weekend
(Friday-Saturday in Saudi Arabia, Friday in Iran) and China's make-up working days. Pure:
the package computes its tables in memory; no clock, no I/O.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import holidays

__all__ = [
    "CountryInfo",
    "DayKind",
    "add_business_days",
    "business_days_between",
    "closed_spans",
    "country_code",
    "country_info",
    "day_kind",
]

MAX_SCAN_DAYS = 400


@dataclass(frozen=True, slots=True)
class CountryInfo:
    code: str
    name: str
    timezone: str
    language: str
    zh_name: str


# code: (English name, main time zone, main business language, Chinese name, other spellings)
_COUNTRIES: dict[str, tuple[str, str, str, str, tuple[str, ...]]] = {
    "CN": ("China", "Asia/Shanghai", "zh", "中国", ("prc", "中华人民共和国")),
    "HK": ("Hong Kong", "Asia/Hong_Kong", "zh", "香港", ()),
    "TW": ("Taiwan", "Asia/Taipei", "zh", "台湾", ()),
    "SG": ("Singapore", "Asia/Singapore", "en", "新加坡", ()),
    "DE": ("Germany", "Europe/Berlin", "de", "德国", ("deutschland",)),
    "AT": ("Austria", "Europe/Vienna", "de", "奥地利", ("österreich",)),
    "CH": ("Switzerland", "Europe/Zurich", "de", "瑞士", ("schweiz",)),
    "US": ("United States", "America/New_York", "en", "美国", ("usa", "united states of america")),
    "CA": ("Canada", "America/Toronto", "en", "加拿大", ()),
    "GB": ("United Kingdom", "Europe/London", "en", "英国", ("uk", "great britain", "england")),
    "IE": ("Ireland", "Europe/Dublin", "en", "爱尔兰", ()),
    "AU": ("Australia", "Australia/Sydney", "en", "澳大利亚", ()),
    "FR": ("France", "Europe/Paris", "fr", "法国", ()),
    "IT": ("Italy", "Europe/Rome", "it", "意大利", ("italia",)),
    "ES": ("Spain", "Europe/Madrid", "es", "西班牙", ("españa", "espana")),
    "PT": ("Portugal", "Europe/Lisbon", "pt", "葡萄牙", ()),
    "NL": ("Netherlands", "Europe/Amsterdam", "en", "荷兰", ("holland",)),
    "PL": ("Poland", "Europe/Warsaw", "en", "波兰", ("polska",)),
    "BR": ("Brazil", "America/Sao_Paulo", "pt", "巴西", ("brasil",)),
    "MX": ("Mexico", "America/Mexico_City", "es", "墨西哥", ("méxico",)),
    "AR": ("Argentina", "America/Argentina/Buenos_Aires", "es", "阿根廷", ()),
    "CL": ("Chile", "America/Santiago", "es", "智利", ()),
    "CO": ("Colombia", "America/Bogota", "es", "哥伦比亚", ()),
    "AE": ("United Arab Emirates", "Asia/Dubai", "en", "阿联酋", ("uae", "dubai")),
    "SA": ("Saudi Arabia", "Asia/Riyadh", "en", "沙特阿拉伯", ("ksa",)),
    "TR": ("Turkey", "Europe/Istanbul", "en", "土耳其", ("türkiye", "turkiye")),
    "IR": ("Iran", "Asia/Tehran", "en", "伊朗", ()),
    "IN": ("India", "Asia/Kolkata", "en", "印度", ()),
    "TH": ("Thailand", "Asia/Bangkok", "en", "泰国", ()),
    "VN": ("Vietnam", "Asia/Ho_Chi_Minh", "en", "越南", ("viet nam",)),
    "MY": ("Malaysia", "Asia/Kuala_Lumpur", "en", "马来西亚", ()),
    "ID": ("Indonesia", "Asia/Jakarta", "en", "印度尼西亚", ()),
    "JP": ("Japan", "Asia/Tokyo", "ja", "日本", ()),
    "KR": ("South Korea", "Asia/Seoul", "en", "韩国", ("korea",)),
    "RU": ("Russia", "Europe/Moscow", "ru", "俄罗斯", ("russian federation",)),
    "EG": ("Egypt", "Africa/Cairo", "en", "埃及", ()),
    "ZA": ("South Africa", "Africa/Johannesburg", "en", "南非", ()),
}
_BY_NAME = {
    spelling: code
    for code, (name, _tz, _lang, zh, others) in _COUNTRIES.items()
    for spelling in (name.lower(), zh, *others)
}


def country_code(value: str) -> str:
    """ISO 3166 alpha-2 code for a country as the archive spells it; "" when unknown."""
    v = (value or "").strip()
    if len(v) == 2 and v.isascii() and v.isalpha():
        return v.upper()
    return _BY_NAME.get(v.lower(), "")


def country_info(code: str) -> CountryInfo | None:
    row = _COUNTRIES.get(code)
    if row is None:
        return None
    return CountryInfo(code, row[0], row[1], row[2], row[3])


@functools.lru_cache(maxsize=64)
def _table(code: str) -> Any:
    try:
        return holidays.country_holidays(code)
    except NotImplementedError:  # a country the package does not know: weekend only
        return None


@dataclass(frozen=True, slots=True)
class DayKind:
    working: bool
    why: str  # "" for an ordinary weekday; "weekend", or the holiday's name (country)


def day_kind(day: date, country: str) -> DayKind:
    """Whether ``day`` is a working day in ``country`` (ISO code; "" = Mon-Fri only), and why."""
    table = _table(country) if country else None
    if table is not None:
        name = table.get(day)
        if name:
            return DayKind(False, f"{name} ({country})")
        if day in getattr(table, "weekend_workdays", ()):
            return DayKind(True, f"make-up working day ({country})")
        weekend = set(getattr(table, "weekend", {5, 6}))
    else:
        weekend = {5, 6}
    if day.weekday() in weekend:
        return DayKind(False, "weekend")
    return DayKind(True, "")


def add_business_days(start: date, n: int, country: str) -> date:
    """The ``n``-th working day of ``country`` after ``start`` (``n`` >= 1)."""
    day, left = start, n
    for _ in range(MAX_SCAN_DAYS + n * 7):
        day += timedelta(days=1)
        if day_kind(day, country).working:
            left -= 1
            if left == 0:
                return day
    raise ValueError(f"{country}: no {n} working days after {start}")


def business_days_between(start: date, end: date, country: str) -> int:
    """Working days of ``country`` in ``(start, end]``."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += day_kind(day, country).working
    return count


def closed_spans(first: date, last: date, country: str) -> list[tuple[date, date, str]]:
    """Runs of non-working days in ``[first, last]`` that contain a public holiday.

    Each run is ``(from, to, names)``, weekends adjacent to a holiday included (so "Germany
    is closed 24-27 Dec"); a plain weekend is not a closure, nor is a weekend with a holiday
    that falls on it and is not made up on a weekday (Brazil's Sunday 15 Nov 2026).
    """
    spans: list[tuple[date, date, str]] = []
    table = _table(country) if country else None
    weekend = set(getattr(table, "weekend", {5, 6})) if table is not None else {5, 6}
    day = first - timedelta(days=3)
    run: list[tuple[date, str, bool]] = []
    while day <= last + timedelta(days=3):
        kind = day_kind(day, country)
        if not kind.working:
            run.append((day, kind.why, day.weekday() in weekend))
        else:
            _close(run, spans, first, last)
            run = []
        day += timedelta(days=1)
    _close(run, spans, first, last)
    return spans


def _close(
    run: list[tuple[date, str, bool]],
    spans: list[tuple[date, date, str]],
    first: date,
    last: date,
) -> None:
    names = [why for _, why, _ in run if why != "weekend" and not why.startswith("Day off")]
    weekday_off = any(not on_weekend and why != "weekend" for _, why, on_weekend in run)
    if run and names and weekday_off and run[-1][0] >= first and run[0][0] <= last:
        unique = list(dict.fromkeys(n.rsplit(" (", 1)[0] for n in names))
        spans.append((run[0][0], run[-1][0], "; ".join(unique)))
