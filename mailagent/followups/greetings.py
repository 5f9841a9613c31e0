"""Holiday and occasion greetings, closure notices, and team notices of customers' holidays.

:func:`plan` is read-only: for each customer it lists the occasions their country greets in
the next ``greetings.days_ahead`` days (never prospects that never replied, never a contact
who opted out, never twice a year for the same occasion), our own closures within
``notice_days_ahead`` (a notice to every active customer), and team notices of customers'
public holidays ("Germany is closed 25-27 Dec: expect no reply"). :func:`run_greetings`
turns the planned greetings and notices into pending drafts, once each (``followups`` key
``greeting:<customer>:<occasion>:<year>``), batched for one approval screen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.followups.occasions import own_closures, upcoming_occasions
from mailagent.followups.render import render
from mailagent.followups.rules import FollowupRules, load_followup_rules
from mailagent.followups.store import claim, new_draft, salesperson_name
from mailagent.followups.workdays import add_business_days, closed_spans, country_code, country_info

__all__ = [
    "GreetingPlan",
    "PlannedGreeting",
    "TeamNotice",
    "occasion_choices",
    "plan",
    "run_greetings",
    "set_preferences",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlannedGreeting:
    key: str
    kind: str  # greeting | closure
    customer_id: int
    customer: str
    contact: str
    email: str
    language: str
    occasion: str  # occasion / closure id
    name: str  # in the customer's language
    on: date
    last: date  # == on for a greeting; the closure's last day
    done: bool  # already drafted this year


@dataclass(frozen=True, slots=True)
class TeamNotice:
    country: str
    first: date
    last: date
    names: str
    customers: tuple[str, ...]

    def text(self, lang: str) -> str:
        info = country_info(self.country)
        one_day = self.first == self.last
        if lang.startswith("zh"):
            where = info.zh_name if info else self.country
            span = f"{self.first:%m-%d}" if one_day else f"{self.first:%m-%d}至{self.last:%m-%d}"
            return (
                f"{where} {span}放假（{self.names}）："
                f"期间客户可能不回复（{', '.join(self.customers)}）"
            )
        where = info.name if info else self.country
        span = f"on {self.first:%d %b}" if one_day else f"{self.first:%d %b}-{self.last:%d %b}"
        return (
            f"{where} is closed {span} ({self.names}): "
            f"expect no reply from {', '.join(self.customers)}"
        )


@dataclass(frozen=True, slots=True)
class GreetingPlan:
    greetings: tuple[PlannedGreeting, ...]
    notices: tuple[TeamNotice, ...]


def _replied(s: Session, customer_id: int) -> bool:
    return (
        s.scalar(
            select(m.Message.id)
            .where(
                m.Message.customer_id == customer_id,
                m.Message.direction == "inbound",
                m.Message.auto_reply == "none",
            )
            .limit(1)
        )
        is not None
    )


def _active(s: Session, customer_id: int, since: datetime) -> bool:
    return (
        s.scalar(
            select(m.Message.id)
            .where(
                m.Message.customer_id == customer_id,
                m.Message.direction == "inbound",
                m.Message.auto_reply == "none",
                m.Message.received_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def _done(s: Session, key: str) -> bool:
    return s.scalar(select(m.FollowupItem.id).where(m.FollowupItem.key == key)) is not None


def plan(app: App, now: datetime, rules: FollowupRules | None = None) -> GreetingPlan:
    rules = rules or load_followup_rules(app.settings.rules_dir)
    g = rules.greetings
    today = now.astimezone(ZoneInfo(app.settings.team.timezone)).date()
    greet_until, notice_until = (
        today + timedelta(days=g.days_ahead),
        today + timedelta(days=g.notice_days_ahead),
    )
    ours = own_closures(rules.closures, g.team_country, today, notice_until)
    out: list[PlannedGreeting] = []
    by_country: dict[str, list[str]] = {}
    with app.sessions() as s:
        for c in s.scalars(select(m.Customer).order_by(m.Customer.code)):
            code = country_code(c.country)
            replied = _replied(s, c.id)
            if c.status == "prospect" and not replied:
                continue  # never greet a prospect that never answered
            contact = s.scalar(
                select(m.Contact)
                .where(m.Contact.customer_id == c.id)
                .order_by(m.Contact.id)
                .limit(1)
            )
            if contact is None:
                continue
            prefs = contact.preferences or {}
            lang = str(prefs.get("language") or c.language or "en")
            if code and _active(s, c.id, now - timedelta(days=g.active_days)):
                by_country.setdefault(code, []).append(c.name)
            wanted = [
                o
                for o in rules.occasions
                if o.greeted_in(code) or o.id in prefs.get("occasions", [])
            ]
            if prefs.get("greetings", True) is not False:
                for u in upcoming_occasions(tuple(wanted), code or "*", today, greet_until):
                    if u.occasion.id in prefs.get("skip", []):
                        continue
                    key = f"greeting:{c.id}:{u.occasion.id}:{u.on.year}"
                    out.append(
                        PlannedGreeting(
                            key,
                            "greeting",
                            c.id,
                            c.name,
                            contact.name,
                            contact.email,
                            lang,
                            u.occasion.id,
                            u.occasion.name(lang),
                            u.on,
                            u.on,
                            _done(s, key),
                        )
                    )
            if ours and _active(s, c.id, now - timedelta(days=g.active_days)):
                for span in ours:
                    key = f"closure:{c.id}:{span.closure.id}:{span.first.year}"
                    name = span.closure.names.get(lang) or span.closure.names["en"]
                    out.append(
                        PlannedGreeting(
                            key,
                            "closure",
                            c.id,
                            c.name,
                            contact.name,
                            contact.email,
                            lang,
                            span.closure.id,
                            name,
                            span.first,
                            span.last,
                            _done(s, key),
                        )
                    )
    notices = []
    for code, names in sorted(by_country.items()):
        for first, last, hol in closed_spans(today, notice_until, code):
            notices.append(TeamNotice(code, first, last, hol, tuple(sorted(names))))
    return GreetingPlan(tuple(sorted(out, key=lambda p: (p.on, p.customer))), tuple(notices))


def run_greetings(app: App, rules: FollowupRules, now: datetime) -> list[int]:
    """Draft every planned greeting and closure notice not drafted yet; returns draft ids."""
    planned = [p for p in plan(app, now, rules).greetings if not p.done]
    out = []
    with app.sessions() as s, s.begin():
        for p in planned:
            item = claim(
                s,
                p.key,
                p.kind,
                now,
                customer_id=p.customer_id,
                rule_id=p.occasion,
                step=str(p.on.year),
                due_on=p.on,
                reasons=[f"{p.kind} {p.occasion} on {p.on:%Y-%m-%d}"],
            )
            if item is None:
                continue
            customer = s.get(m.Customer, p.customer_id)
            variables: dict[str, Any] = {
                "contact_name": p.contact.split()[0] if p.contact else "",
                "occasion": p.name,
                "closure": p.name,
                "first": p.on,
                "last": p.last,
                "back": add_business_days(p.last, 1, rules.greetings.team_country),
                "salesperson": salesperson_name(app, customer),
                "company": app.settings.drafts.company_name,
            }
            rendered = render(app.settings.templates_dir, p.kind, p.language, variables)
            d = new_draft(
                s,
                app,
                now,
                rendered,
                intent=p.kind,
                to=[{"name": p.contact, "email": p.email}],
                customer_id=p.customer_id,
                notes=list(item.reasons),
            )
            item.draft_id = d.id
            out.append(d.id)
    return out


def occasion_choices(app: App, lang: str) -> list[tuple[str, str]]:
    """(id, name in ``lang``) of every occasion of ``rules/followup.toml``, for a form."""
    rules = load_followup_rules(app.settings.rules_dir)
    return sorted(((o.id, o.name(lang)) for o in rules.occasions), key=lambda c: c[1])


def set_preferences(
    app: App,
    email: str,
    *,
    actor: str,
    greetings: bool | None = None,
    language: str | None = None,
    skip: list[str] | None = None,
    extra: list[str] | None = None,
    customer_id: int | None = None,
) -> dict[str, Any]:
    """Set a contact's greeting preferences (audited); returns the new preferences.

    None leaves a preference as it is; ``language=""`` goes back to the customer's language.
    ``customer_id`` limits the change to that customer's contact (the web form)."""
    from mailagent.db import queries as q
    from mailagent.followups.store import PreferenceError

    rules = load_followup_rules(app.settings.rules_dir)
    known = {o.id for o in rules.occasions}
    unknown = sorted((set(skip or []) | set(extra or [])) - known)
    if unknown:
        raise PreferenceError(
            f"unknown occasion(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    now = app.clock()
    with app.sessions() as s, s.begin():
        stmt = select(m.Contact).where(m.Contact.email == email.strip().lower())
        if customer_id is not None:
            stmt = stmt.where(m.Contact.customer_id == customer_id)
        contacts = list(s.scalars(stmt))
        if not contacts:
            raise PreferenceError(f"no contact {email!r}")
        for c in contacts:
            prefs = dict(c.preferences or {})
            if greetings is not None:
                prefs["greetings"] = greetings
            if language:
                prefs["language"] = language
            elif language is not None:
                prefs.pop("language", None)
            if skip is not None:
                prefs["skip"] = sorted(set(skip))
            if extra is not None:
                prefs["occasions"] = sorted(set(extra))
            c.preferences = prefs
            q.audit(s, actor, "contact.preferences", now, None, contact=c.email, preferences=prefs)
        return prefs
