"""Load and validate ``rules/sla.toml`` into typed SLA policies and business calendars.

The file is data (P4): ``[calendar.<name>]`` tables describe working time and
``[[policy]]`` entries say which intent must be answered (or relayed internally) within
which business time. Everything is checked at load time; any problem raises
:class:`~mailagent.errors.RulesError` naming ``file: policy "id": field: problem`` (or
``calendar "name"``). This module only reads the one file it is given; the maths lives in
``sla.py`` and the calendars in ``workcal.py``.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays

from mailagent.errors import RulesError
from mailagent.records import Intent
from mailagent.sla.calendar import WEEKDAYS, WorkCalendar

__all__ = [
    "FILENAME",
    "Basis",
    "Duration",
    "Metric",
    "SlaPolicy",
    "SlaRules",
    "check",
    "load_sla_rules",
    "parse_sla_rules",
]

FILENAME = "sla.toml"


class Metric(enum.StrEnum):
    ANSWERED = "answered"  # first reply sent to the customer in the thread
    RELAYED = "relayed"  # internal relay (e.g. complaint forwarded to quality)


class Basis(enum.StrEnum):
    TEAM = "team"  # our time zone ([team] timezone)
    CUSTOMER = "customer"  # the customer's time zone (and holidays, if the calendar says so)


@dataclass(frozen=True, slots=True)
class Duration:
    """A business duration as written in the rules: minutes, hours or working days."""

    amount: float
    unit: str  # "minutes" | "hours" | "working_days"
    text: str

    def business(self, cal: WorkCalendar) -> timedelta:
        """Business time; a working day is one day's working time of ``cal``."""
        if self.unit == "working_days":
            return cal.day_length * self.amount
        return timedelta(minutes=self.amount * (60 if self.unit == "hours" else 1))


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    id: str
    intent: str
    metric: Metric
    target: Duration
    warn_before: Duration
    calendar: str
    timezone_basis: Basis
    pause_when_waiting_on_customer: bool
    description: str = ""

    def describe(self) -> str:
        what = "relayed internally" if self.metric is Metric.RELAYED else "answered"
        return f"{self.intent} {what} within {self.target.text} ({self.calendar} calendar)"


@dataclass(frozen=True)
class SlaRules:
    path: str
    policies: tuple[SlaPolicy, ...]
    calendars: Mapping[str, WorkCalendar]

    def for_intent(self, intent: str | None) -> tuple[SlaPolicy, ...]:
        return tuple(p for p in self.policies if p.intent == intent)

    def policy(self, policy_id: str) -> SlaPolicy | None:
        return next((p for p in self.policies if p.id == policy_id), None)

    def calendar(self, policy: SlaPolicy) -> WorkCalendar:
        return self.calendars[policy.calendar]


_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|wd|working\s+days?)\s*$", re.I
)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "wd": "working_days"}
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_HOURS = re.compile(r"^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$")
_DAY_NAMES = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{
        d: i
        for i, d in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
_INTENTS = tuple(i.value for i in Intent if i is not Intent.OTHER)
_POLICY_KEYS = {
    "id",
    "intent",
    "metric",
    "target",
    "warn_before",
    "calendar",
    "timezone_basis",
    "pause_when_waiting_on_customer",
    "description",
}
_CALENDAR_KEYS = {
    "description",
    "weekdays",
    "hours",
    "holidays",
    "customer_holidays",
    "package_working_days",
    "working_days",
    "extra_holidays",
}


class _Where:
    """Builds ``file: what: field: problem`` errors."""

    def __init__(self, path: str, what: str) -> None:
        self.path, self.what = path, what

    def error(self, fld: str, problem: str) -> RulesError:
        return RulesError(f"{self.path}: {self.what}: {fld}: {problem}")

    def get(self, data: Mapping[str, Any], key: str, kind: type, default: Any = ...) -> Any:
        if key not in data:
            if default is ...:
                raise self.error(key, "required")
            return default
        value = data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.error(key, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def unknown(self, data: Mapping[str, Any], known: set[str]) -> None:
        extra = sorted(set(data) - known)
        if extra:
            raise self.error(extra[0], f"unknown field (known: {', '.join(sorted(known))})")


def parse_duration(text: str) -> Duration:
    """``"2h"``, ``"30m"``, ``"1.5 hours"``, ``"1wd"``, ``"2 working days"``."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f"cannot read {text!r}: write a number and a unit, e.g. '2h', '30m', '1 working day'"
        )
    unit = match.group(2).lower()
    unit = _UNITS.get(unit) or (
        "working_days" if unit.startswith("working") else "hours" if unit[0] == "h" else "minutes"
    )
    return Duration(float(match.group(1)), unit, text.strip())


def _dates(where: _Where, data: Mapping[str, Any], key: str) -> frozenset[date]:
    out: set[date] = set()
    for i, value in enumerate(where.get(data, key, list, [])):
        if isinstance(value, date):
            out.add(value)
            continue
        try:
            out.add(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise where.error(f"{key}[{i}]", f"not a date (YYYY-MM-DD): {value!r}") from exc
    return frozenset(out)


def _hours(where: _Where, data: Mapping[str, Any]) -> tuple[tuple[int, int], ...]:
    periods: list[tuple[int, int]] = []
    for i, text in enumerate(where.get(data, "hours", list)):
        match = _HOURS.match(str(text).strip())
        if not match:
            raise where.error(f"hours[{i}]", f"expected 'HH:MM-HH:MM', got {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        a, b = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or a >= 1440 or b > 1440 or a >= b:
            raise where.error(f"hours[{i}]", f"{text!r} is not a period within one day")
        if periods and a < periods[-1][1]:
            raise where.error(f"hours[{i}]", f"{text!r} overlaps or precedes the previous period")
        periods.append((a, b))
    if not periods:
        raise where.error("hours", "at least one working period is required")
    return tuple(periods)


def _calendar(path: str, name: str, data: Any) -> WorkCalendar:
    where = _Where(path, f'calendar "{name}"')
    if not isinstance(data, dict):
        raise RulesError(f"{path}: calendar {name!r}: expected a table")
    where.unknown(data, _CALENDAR_KEYS)
    weekdays: set[int] = set()
    for i, day in enumerate(where.get(data, "weekdays", list)):
        if str(day).lower() not in _DAY_NAMES:
            raise where.error(f"weekdays[{i}]", f"unknown day {day!r} (use {', '.join(WEEKDAYS)})")
        weekdays.add(_DAY_NAMES[str(day).lower()])
    if not weekdays:
        raise where.error("weekdays", "at least one working weekday is required")
    supported = holidays.list_supported_countries()
    codes = tuple(str(c).upper() for c in where.get(data, "holidays", list, []))
    for i, code in enumerate(codes):
        if code not in supported:
            raise where.error(f"holidays[{i}]", f"unknown country code {code!r}")
    working, extra = _dates(where, data, "working_days"), _dates(where, data, "extra_holidays")
    both = sorted(working & extra)
    if both:
        raise where.error("working_days", f"{both[0]} is also listed in extra_holidays")
    return WorkCalendar(
        name=name,
        weekdays=frozenset(weekdays),
        hours=_hours(where, data),
        holiday_countries=codes,
        extra_holidays=extra,
        working_days=working,
        package_working_days=where.get(data, "package_working_days", bool, True),
        customer_holidays=where.get(data, "customer_holidays", bool, False),
        description=where.get(data, "description", str, ""),
    )


def _choice(where: _Where, data: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value: str = where.get(data, key, str, choices[0])
    if value not in choices:
        raise where.error(key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _duration(where: _Where, data: Mapping[str, Any], key: str, default: Any = ...) -> Duration:
    try:
        return parse_duration(where.get(data, key, str, default))
    except ValueError as exc:
        raise where.error(key, str(exc)) from exc


def _policy(path: str, index: int, data: Any, calendars: Mapping[str, WorkCalendar]) -> SlaPolicy:
    if not isinstance(data, dict):
        raise RulesError(f"{path}: policy[{index}]: expected a table")
    where = _Where(path, f"policy[{index}]")
    pid = where.get(data, "id", str)
    if not _ID.match(pid):
        raise where.error("id", f"{pid!r}: use lower-case letters, digits, '.', '-', '_'")
    where = _Where(path, f'policy "{pid}"')
    where.unknown(data, _POLICY_KEYS)
    intent = where.get(data, "intent", str)
    if intent not in _INTENTS:
        raise where.error("intent", f"{intent!r} is not one of {', '.join(_INTENTS)}")
    cal_name = where.get(data, "calendar", str)
    if cal_name not in calendars:
        known = ", ".join(sorted(calendars)) or "none defined"
        raise where.error("calendar", f"unknown calendar {cal_name!r} (known: {known})")
    policy = SlaPolicy(
        id=pid,
        intent=intent,
        metric=Metric(_choice(where, data, "metric", tuple(m.value for m in Metric))),
        target=_duration(where, data, "target"),
        warn_before=_duration(where, data, "warn_before", "0m"),
        calendar=cal_name,
        timezone_basis=Basis(_choice(where, data, "timezone_basis", ("team", "customer"))),
        pause_when_waiting_on_customer=where.get(
            data, "pause_when_waiting_on_customer", bool, False
        ),
        description=where.get(data, "description", str, ""),
    )
    cal = calendars[cal_name]
    if policy.target.business(cal) <= timedelta(0):
        raise where.error("target", f"{policy.target.text!r} must be more than zero")
    if policy.warn_before.business(cal) >= policy.target.business(cal):
        raise where.error(
            "warn_before", f"{policy.warn_before.text!r} must be shorter than the target"
        )
    return policy


def parse_sla_rules(text: str, path: str = f"rules/{FILENAME}") -> SlaRules:
    """Parse and validate the text of an ``sla.toml``; ``path`` is used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"calendar", "policy"})
    if unknown:
        raise RulesError(f"{path}: {unknown[0]}: unknown table (expected calendar, policy)")
    raw_cals = data.get("calendar", {})
    if not isinstance(raw_cals, dict):
        raise RulesError(f"{path}: calendar: expected [calendar.<name>] tables")
    calendars = {name: _calendar(path, name, c) for name, c in raw_cals.items()}
    raw_policies = data.get("policy", [])
    if not isinstance(raw_policies, list):
        raise RulesError(f"{path}: policy: expected [[policy]] entries")
    policies: list[SlaPolicy] = []
    seen: dict[tuple[str, Metric], str] = {}
    for i, raw in enumerate(raw_policies):
        policy = _policy(path, i, raw, calendars)
        if any(p.id == policy.id for p in policies):
            raise RulesError(f'{path}: policy "{policy.id}": id: duplicate policy id')
        key = (policy.intent, policy.metric)
        if key in seen:
            raise RulesError(
                f'{path}: policy "{policy.id}": metric: {policy.intent} is already '
                f'{policy.metric.value} by policy "{seen[key]}"'
            )
        seen[key] = policy.id
        policies.append(policy)
    return SlaRules(path=path, policies=tuple(policies), calendars=calendars)


def load_sla_rules(rules_dir: str | Path) -> SlaRules:
    """Load ``<rules_dir>/sla.toml``; a missing file means no SLA policies."""
    path = Path(rules_dir) / FILENAME
    if not path.exists():
        return SlaRules(path=str(path), policies=(), calendars={})
    return parse_sla_rules(path.read_text(encoding="utf-8"), str(path))


def check(rules_dir: str | Path) -> list[str]:
    """What ``mailagent rules check`` prints for the SLA rules (raises RulesError)."""
    rules = load_sla_rules(rules_dir)
    lines = [f"{rules.path}: {len(rules.policies)} SLA policies, {len(rules.calendars)} calendars"]
    lines += [f"  calendar {c.describe()}" for c in rules.calendars.values()]
    lines += [f"  policy {p.id}: {p.describe()}" for p in rules.policies]
    return lines
