"""The customer's local time for display beside a message or draft of theirs.

``customer_clock(app, customer_id, now, lang)`` -> "Fri 17:40 in Berlin, after hours" (or
Chinese), or None when the message is not filed to a customer. The zone comes from the
archive, else from the Date headers of their mail, marked as a guess.
"""

from __future__ import annotations

from datetime import datetime

from mailagent.app import App
from mailagent.db import models as m
from mailagent.followups.localtime import local_label, local_time
from mailagent.followups.rules import load_followup_rules
from mailagent.followups.threadfacts import customer_zone
from mailagent.followups.workdays import country_code

__all__ = ["customer_clock", "draft_clock", "message_clock"]


def customer_clock(
    app: App, customer_id: int | None, now: datetime, lang: str = "en"
) -> str | None:
    if customer_id is None:
        return None
    hours = load_followup_rules(app.settings.rules_dir).working_hours
    with app.sessions() as s:
        c = s.get(m.Customer, customer_id)
        if c is None:
            return None
        zone = customer_zone(s, c)
        code = country_code(c.country)
    return local_label(local_time(now, zone, code, hours), lang)


def message_clock(app: App, message_pk: int, now: datetime, lang: str = "en") -> str | None:
    with app.sessions() as s:
        row = s.get(m.Message, message_pk)
        cid = row.customer_id if row is not None else None
    return customer_clock(app, cid, now, lang)


def draft_clock(app: App, draft_id: int, now: datetime, lang: str = "en") -> str | None:
    with app.sessions() as s:
        d = s.get(m.Draft, draft_id)
        cid = d.customer_id if d is not None and d.kind == "reply" else None
    return customer_clock(app, cid, now, lang)
