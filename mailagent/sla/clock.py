"""Pure SLA maths: business time, due dates and the state of one SLA clock.

Everything here is a function of its arguments: ``received_at``, the policy, the calendar,
explicit :class:`SlaEvent` records and ``now``. Nothing reads the clock, the database or the
rules files (P14); ``slaservice.py`` gathers the events (replies, relays, waiting on the
customer) and stores the result. All datetimes must be aware; arithmetic is done in UTC and
working hours are placed with ``zoneinfo``, so weekends, holidays, make-up working days,
daylight-saving changes and time zones are all handled by ``workcal.py``'s intervals.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from mailagent.sla.calendar import WorkCalendar, notable_days, to_utc, working_intervals
from mailagent.sla.policies import Basis, Metric, SlaPolicy

__all__ = [
    "SlaEvent",
    "SlaEventKind",
    "SlaState",
    "SlaStatus",
    "business_add",
    "business_elapsed",
    "evaluate",
    "fmt_duration",
    "localize",
]

Interval = tuple[datetime, datetime]


class SlaState(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"
    MET = "met"
    BREACHED = "breached"


class SlaEventKind(enum.StrEnum):
    REPLY = "reply"  # a reply was sent to the customer in the thread (stops "answered")
    RELAY = "relay"  # relayed internally, e.g. to quality (stops "relayed")
    WAIT = "wait"  # we are waiting on the customer (pauses, if the policy allows)
    RESUME = "resume"  # the customer answered / waiting ended (pause ends)


@dataclass(frozen=True, slots=True)
class SlaEvent:
    at: datetime
    kind: SlaEventKind
    note: str = ""


@dataclass(frozen=True, slots=True)
class SlaStatus:
    state: SlaState
    due_at: datetime  # while paused: the due date if the clock resumed now
    warn_at: datetime
    elapsed: timedelta  # business time run (pauses excluded) until the stop or now
    remaining: timedelta  # target - elapsed; negative once breached
    stopped_at: datetime | None
    reasons: tuple[str, ...]


def _fmt(at: datetime, tz: ZoneInfo) -> str:
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M %Z}"


def fmt_duration(td: timedelta) -> str:
    """``"3h 05m"``, ``"45m"``, ``"-1h 10m"`` (business durations, no days)."""
    minutes = round(abs(td).total_seconds() / 60)
    sign = "-" if td < timedelta(0) and minutes else ""
    h, m = divmod(minutes, 60)
    return f"{sign}{h}h {m:02d}m" if h else f"{sign}{m}m"


def _active(
    start: datetime, cal: WorkCalendar, tz: ZoneInfo, pauses: Sequence[Interval]
) -> Iterator[Interval]:
    """Working intervals after ``start`` minus the (sorted, disjoint) pauses."""
    for a, b in working_intervals(start, cal, tz):
        for pa, pb in pauses:
            if pb <= a or pa >= b:
                continue
            if pa > a:
                yield a, pa
            a = max(a, pb)
            if a >= b:
                break
        if a < b:
            yield a, b


def _instant_after(
    start: datetime, amount: timedelta, cal: WorkCalendar, tz: ZoneInfo, pauses: Sequence[Interval]
) -> datetime:
    left = amount
    for a, b in _active(start, cal, tz, pauses):
        if b - a >= left:
            return a + max(left, timedelta(0))
        left -= b - a
    raise AssertionError("unreachable: working_intervals is infinite")  # pragma: no cover


def _elapsed(
    start: datetime, end: datetime, cal: WorkCalendar, tz: ZoneInfo, pauses: Sequence[Interval]
) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    for a, b in _active(start, cal, tz, pauses):
        if a >= end:
            break
        total += min(b, end) - a
    return total


def business_add(start: datetime, duration: timedelta, cal: WorkCalendar, tz: ZoneInfo) -> datetime:
    """The instant (UTC) when ``duration`` of working time has passed after ``start``."""
    return _instant_after(to_utc(start), duration, cal, tz, ())


def business_elapsed(start: datetime, end: datetime, cal: WorkCalendar, tz: ZoneInfo) -> timedelta:
    """Working time between two instants (zero if ``end`` is not after ``start``)."""
    return _elapsed(to_utc(start), to_utc(end), cal, tz, ())


def localize(
    policy: SlaPolicy,
    cal: WorkCalendar,
    *,
    team_tz: str,
    customer_tz: str = "",
    customer_country: str = "",
) -> tuple[WorkCalendar, ZoneInfo, tuple[str, ...]]:
    """The calendar and zone one message is measured in, with the reasons for the choice."""
    team = ZoneInfo(team_tz)
    if policy.timezone_basis is Basis.TEAM:
        return cal, team, (f"measured in team time ({team.key})",)
    try:
        zone = ZoneInfo(customer_tz) if customer_tz else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        why = f"customer time zone {customer_tz!r} unknown" if customer_tz else "no customer zone"
        return cal, team, (f"{why}: measured in team time ({team.key})",)
    reasons = [f"measured in the customer's time ({zone.key})"]
    code = customer_country.strip().upper()
    if cal.customer_holidays and code:
        if code in holidays.list_supported_countries():
            cal = cal.with_countries(code)
            reasons.append(f"customer's public holidays ({code}) also not counted")
        else:
            reasons.append(f"customer country {customer_country!r}: no holiday table")
    return cal, zone, tuple(reasons)


def _noted(text: str, note: str) -> str:
    return f"{text} ({note})" if note else text


def _timeline(
    start: datetime, policy: SlaPolicy, events: Iterable[SlaEvent], now: datetime, tz: ZoneInfo
) -> tuple[SlaEvent | None, list[Interval], datetime | None, list[str]]:
    """First stopping event, pauses (closed at the stop or ``now``), open pause, notes."""
    stop_kind = SlaEventKind.RELAY if policy.metric is Metric.RELAYED else SlaEventKind.REPLY
    stop: SlaEvent | None = None
    pauses: list[Interval] = []
    wait: SlaEvent | None = None
    notes: list[str] = []
    for ev in sorted((SlaEvent(to_utc(e.at), e.kind, e.note) for e in events), key=lambda e: e.at):
        if ev.at > now:
            break
        if ev.at < start:
            continue
        if ev.kind is stop_kind:
            stop = ev
            break
        if ev.kind is SlaEventKind.WAIT and wait is None:
            if policy.pause_when_waiting_on_customer:
                wait = ev
            else:
                why = _noted(f"waiting on customer from {_fmt(ev.at, tz)}", ev.note)
                notes.append(f"{why}: policy does not pause")
        elif ev.kind is SlaEventKind.RESUME and wait is not None:
            pauses.append((wait.at, ev.at))
            why = _noted("waiting on customer", wait.note)
            notes.append(_noted(f"paused {_fmt(wait.at, tz)} to {_fmt(ev.at, tz)}: {why}", ev.note))
            wait = None
    if wait is not None:
        pauses.append((wait.at, stop.at if stop else now))
        when = f"{_fmt(wait.at, tz)} until the stop" if stop else f"since {_fmt(wait.at, tz)}"
        notes.append(f"paused {when}: {_noted('waiting on customer', wait.note)}")
    return stop, pauses, (wait.at if wait and stop is None else None), notes


def evaluate(
    received_at: datetime,
    policy: SlaPolicy,
    calendar: WorkCalendar,
    events: Iterable[SlaEvent],
    now: datetime,
    tz: ZoneInfo,
) -> SlaStatus:
    """The state of ``policy``'s clock for a message received at ``received_at``, at ``now``.

    The clock runs in working time of ``calendar`` in zone ``tz``; it stops at the first
    REPLY (metric answered) or RELAY (metric relayed) event and pauses between WAIT and
    RESUME events when the policy allows it. Events after ``now`` are ignored.
    """
    start, now = to_utc(received_at), to_utc(now)
    target = policy.target.business(calendar)
    warn = min(policy.warn_before.business(calendar), target)
    stop, pauses, open_pause, notes = _timeline(start, policy, events, now, tz)
    due = _instant_after(start, target, calendar, tz, pauses)
    warn_at = _instant_after(start, target - warn, calendar, tz, pauses)
    end = stop.at if stop else now
    elapsed = _elapsed(start, end, calendar, tz, pauses)
    remaining = target - elapsed
    reasons = [f"policy {policy.id}: {policy.describe()}", f"calendar {calendar.describe()}"]
    reasons.append(f"arrived {_fmt(start, tz)}")
    first = next(working_intervals(start, calendar, tz))[0]
    if first > start:
        reasons.append(f"outside working time: clock runs from {_fmt(first, tz)}")
    reasons += notable_days(start, max(due, end), calendar, tz)
    reasons += notes
    if stop is not None:
        what = "relayed internally" if stop.kind is SlaEventKind.RELAY else "first reply sent"
        reasons.append(f"{what} {_fmt(stop.at, tz)}" + (f" ({stop.note})" if stop.note else ""))
        state = SlaState.MET if stop.at <= due else SlaState.BREACHED
        tail = "met" if state is SlaState.MET else "breached"
        verb = "to spare" if state is SlaState.MET else "late"
        reasons.append(f"{tail}: due {_fmt(due, tz)}, {fmt_duration(abs(remaining))} {verb}")
    elif now > due:
        state = SlaState.BREACHED
        reasons.append(f"breached: due {_fmt(due, tz)}, overdue by {fmt_duration(-remaining)}")
    elif open_pause is not None:
        state = SlaState.PAUSED
        reasons.append(
            f"paused with {fmt_duration(remaining)} left: due {_fmt(due, tz)} if resumed now"
        )
    else:
        state = SlaState.WARNING if now >= warn_at else SlaState.RUNNING
        reasons.append(f"due {_fmt(due, tz)} ({fmt_duration(remaining)} business time left)")
    return SlaStatus(
        state, due, warn_at, elapsed, remaining, stop.at if stop else None, tuple(reasons)
    )
