"""The customer's local time: which zone, what time it is there, and the next business morning.

The zone is the archive's (``customers.timezone``); else the country's main zone; else a
guess learned from the UTC offsets of the ``Date:`` headers of their mail (shown as a
guess). :func:`local_label` says "Fri 17:40 in Berlin, after hours" / "柏林 周五 17:40，
已下班"; :func:`next_business_morning` is when a send-later mail leaves. Pure: ``now`` is
always passed in; time zones come from the zone database, so DST changes are exact.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import parsedate_tz
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailagent.followups.workdays import add_business_days, country_info, day_kind

__all__ = [
    "LocalTime",
    "ZoneChoice",
    "choose_zone",
    "date_offsets",
    "local_label",
    "local_time",
    "next_business_morning",
]

_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_STATES = {
    "working": ("working hours", "工作时间"),
    "before_hours": ("before hours", "未上班"),
    "after_hours": ("after hours", "已下班"),
    "weekend": ("weekend", "周末"),
    "holiday": ("public holiday", "公共假日"),
}
# UTC offset (minutes) -> a representative zone, for customers we know nothing else about
_OFFSET_ZONES = {
    -480: "America/Los_Angeles",
    -420: "America/Denver",
    -360: "America/Chicago",
    -300: "America/New_York",
    -240: "America/Halifax",
    -180: "America/Sao_Paulo",
    0: "Europe/London",
    60: "Europe/Berlin",
    120: "Europe/Athens",
    180: "Europe/Moscow",
    210: "Asia/Tehran",
    240: "Asia/Dubai",
    300: "Asia/Karachi",
    330: "Asia/Kolkata",
    420: "Asia/Bangkok",
    480: "Asia/Shanghai",
    540: "Asia/Tokyo",
    600: "Australia/Sydney",
    660: "Australia/Sydney",
    720: "Pacific/Auckland",
    780: "Pacific/Auckland",
}


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    zone: str
    guessed: bool
    reason: str


def _valid(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def date_offsets(date_headers: Iterable[str]) -> list[tuple[datetime, int]]:
    """``(instant, UTC offset in minutes)`` of each parseable ``Date:`` header value."""
    out = []
    for value in date_headers:
        parsed = parsedate_tz(value or "")
        if parsed is None or parsed[9] is None:
            continue
        try:
            local = datetime(*parsed[:6])
        except ValueError:
            continue
        offset = parsed[9]
        out.append(((local - timedelta(seconds=offset)).replace(tzinfo=UTC), offset // 60))
    return out


def _fits(zone: str, samples: list[tuple[datetime, int]]) -> bool:
    tz = ZoneInfo(zone)
    return all(
        (at.astimezone(tz).utcoffset() or timedelta()) == timedelta(minutes=off)
        for at, off in samples
    )


def choose_zone(archive_zone: str, country: str, samples: list[tuple[datetime, int]]) -> ZoneChoice:
    """The customer's zone: the archive's, else the country's, else learned from Date headers."""
    if archive_zone and _valid(archive_zone):
        return ZoneChoice(archive_zone, False, "customer archive")
    info = country_info(country) if country else None
    if info is not None:  # webmail often stamps UTC: for a known country headers only confirm
        fits = bool(samples) and _fits(info.timezone, samples)
        why = f"country {country}" + (", matches their Date headers" if fits else "")
        return ZoneChoice(info.timezone, False, why)
    if samples:
        common, n = Counter(off for _, off in samples).most_common(1)[0]
        if common in _OFFSET_ZONES:
            zone = _OFFSET_ZONES[common]
            sign = "+" if common >= 0 else "-"
            hh, mm = divmod(abs(common), 60)
            why = f"guess: {n} Date header(s) at UTC{sign}{hh:02d}:{mm:02d}"
            return ZoneChoice(zone, True, why)
    return ZoneChoice("UTC", True, "guess: nothing known")


@dataclass(frozen=True, slots=True)
class LocalTime:
    local: datetime
    city: str
    state: str  # working | before_hours | after_hours | weekend | holiday
    why: str
    guessed: bool


def local_time(
    now: datetime, choice: ZoneChoice, country: str, hours: tuple[int, int] = (540, 1080)
) -> LocalTime:
    local = now.astimezone(ZoneInfo(choice.zone))
    kind = day_kind(local.date(), country)
    minute = local.hour * 60 + local.minute
    if not kind.working:
        state = "weekend" if kind.why == "weekend" else "holiday"
    elif minute < hours[0]:
        state = "before_hours"
    elif minute >= hours[1]:
        state = "after_hours"
    else:
        state = "working"
    city = choice.zone.rsplit("/", 1)[-1].replace("_", " ")
    return LocalTime(local, city, state, kind.why, choice.guessed)


def local_label(lt: LocalTime, lang: str) -> str:
    """ "Fri 17:40 in Berlin, after hours" (en) / "柏林 周五 17:40，已下班" (zh)."""
    zh = lang.startswith("zh")
    day = _WEEKDAYS["zh" if zh else "en"][lt.local.weekday()]
    state = _STATES[lt.state][1 if zh else 0]
    if lt.state == "holiday" and lt.why:
        state = f"{state}: {re.sub(r' [(][A-Z]{2}[)]$', '', lt.why)}"
    guess = ("（推测时区）" if zh else " (time zone guessed)") if lt.guessed else ""
    if zh:
        return f"{lt.city} {day} {lt.local:%H:%M}，{state}{guess}"
    return f"{day} {lt.local:%H:%M} in {lt.city}, {state}{guess}"


def next_business_morning(
    now: datetime, zone: str, country: str, morning: tuple[int, int] = (9, 0)
) -> datetime:
    """The start of the customer's next business morning (today's if it is still ahead), in UTC."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    day = local.date()
    start = time(*morning)
    if not (day_kind(day, country).working and local.time() < start):
        day = add_business_days(day, 1, country)
    return datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
