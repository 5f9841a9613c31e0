"""Dates a draft promises, computed from *now* in the team's business time.

Pure. A reply is sent after it was drafted, so every promise counts from ``now`` (the
drafting time), never from when the customer's mail arrived, and in working time of the
team calendar (weekends, Chinese public holidays and make-up working days excluded, via
:mod:`mailagent.sla.calendar`): "within 24 hours" drafted on a Friday evening before a
holiday week lands after the holiday, not in the past. The instants are shown to the
customer in their own time zone (team time for internal mail). The calendars come from
``rules/sla.toml``: a promise for an intent uses the calendar of that intent's "answered"
SLA policy, otherwise the team calendar (the first ``[calendar.*]``); without SLA rules,
plain elapsed time from now is used and a note says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mailagent.sla.calendar import WorkCalendar
from mailagent.sla.clock import business_add
from mailagent.sla.policies import Metric, SlaRules

__all__ = ["Calendars", "Promises", "calendars_from", "promises"]

TEAM = "team"


@dataclass(frozen=True, slots=True)
class Calendars:
    """Work calendars by intent (``team`` for the default); empty without SLA rules."""

    by_intent: Mapping[str, WorkCalendar] = field(default_factory=dict)

    def get(self, intent: str) -> WorkCalendar | None:
        return self.by_intent.get(intent) or self.by_intent.get(TEAM)


def calendars_from(rules: SlaRules | None) -> Calendars:
    if rules is None or not rules.calendars:
        return Calendars()
    found: dict[str, WorkCalendar] = {TEAM: next(iter(rules.calendars.values()))}
    for p in rules.policies:
        if p.metric is Metric.ANSWERED and p.intent not in found:
            found[p.intent] = rules.calendar(p)
    return Calendars(found)


@dataclass(frozen=True, slots=True)
class Promises:
    documents_by: datetime  # documents we prepare ourselves: 1 working day
    answer_by: datetime  # an open point we must check: 1 working day
    complaint_by: datetime  # first analysis of a complaint: complaint hours of working time
    complaint_by_team: datetime
    ship_by: datetime | None  # lead time in working days from now (deposit + files today)
    reasons: tuple[str, ...]

    def as_vars(self) -> dict[str, object]:
        return {
            "documents_by": self.documents_by,
            "answer_by": self.answer_by,
            "complaint_by": self.complaint_by,
            "complaint_by_team": self.complaint_by_team,
            "ship_by": self.ship_by,
        }


def _zone(name: str, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ValueError, KeyError):
        return fallback


def _add(now: datetime, amount: timedelta, cal: WorkCalendar | None, tz: ZoneInfo) -> datetime:
    return business_add(now, amount, cal, tz) if cal is not None else now + amount


def promises(
    now: datetime,
    calendars: Calendars,
    *,
    intent: str,
    team_tz: str,
    customer_tz: str,
    complaint_hours: int,
    lead_time_days: int | None,
) -> Promises:
    """Every date a reply may promise, from ``now``, in the customer's zone."""
    if now.tzinfo is None:  # a stored timestamp read back from SQLite is UTC without a zone
        now = now.replace(tzinfo=UTC)
    team = _zone(team_tz, ZoneInfo("UTC"))
    shown = _zone(customer_tz, team)
    cal = calendars.get(intent)
    office = calendars.get(TEAM)
    reasons = []
    if cal is None or office is None:
        reasons.append("no work calendar (rules/sla.toml): promised dates count plain time")
    else:
        reasons.append(f"promised dates count working time from now in {cal.describe()}")
    day = office.day_length if office is not None else timedelta(days=1)
    complaint_cal = calendars.get("complaint")
    complaint = _add(now, timedelta(hours=complaint_hours), complaint_cal, team)
    ship = None
    if lead_time_days:
        ship = _add(now, day * lead_time_days, office, team).astimezone(shown)
    if shown is not team:
        reasons.append(f"dates shown in the customer's time zone ({shown.key})")
    return Promises(
        documents_by=_add(now, day, office, team).astimezone(shown),
        answer_by=_add(now, day, office, team).astimezone(shown),
        complaint_by=complaint.astimezone(shown),
        complaint_by_team=complaint.astimezone(team),
        ship_by=ship,
        reasons=tuple(reasons),
    )
