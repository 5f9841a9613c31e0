"""Send-later: approve a draft to leave at the start of the customer's next business morning.

The outbox row is written first, in state ``held`` with ``not_before`` set, then the normal
approval (:func:`mailagent.drafts.service.approve`) queues that same row (same version, so
same Message-ID) without touching ``not_before``; the outbox picks queued rows only once
``not_before`` has passed. Everything is in the store, so the hold survives restarts, and a
second call changes nothing but the time. If the approval is refused (a placeholder left, no
recipient) the held row is removed again. :func:`working_hold` holds mail approved by the
rules (auto-sent ladder steps) the same way when the customer is not at work.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts import service as drafting
from mailagent.drafts.prepare import queue_outbox
from mailagent.followups.localtime import local_time, next_business_morning
from mailagent.followups.rules import FollowupRules, load_followup_rules
from mailagent.followups.threadfacts import customer_zone
from mailagent.followups.workdays import country_code
from mailagent.records import DraftState, OutboxState

__all__ = ["approve_send_later", "send_time", "working_hold"]

audit_log = logging.getLogger("mailagent.audit")


def send_time(app: App, draft_id: int, now: datetime) -> tuple[datetime, str]:
    """When the customer's next business morning starts (UTC), and their zone (why)."""
    rules = load_followup_rules(app.settings.rules_dir)
    with app.sessions() as s:
        d = s.get(m.Draft, draft_id)
        if d is None:
            raise drafting.DraftStateError(f"no draft {draft_id}")
        c = s.get(m.Customer, d.customer_id) if d.customer_id else None
        if c is None:
            raise drafting.DraftStateError(f"draft {draft_id} has no customer: no local time known")
        zone = customer_zone(s, c)
        code = country_code(c.country)
    when = next_business_morning(now, zone.zone, code, rules.business_morning)
    return when, f"{zone.zone} ({zone.reason})"


def working_hold(
    session: Session, customer: m.Customer, now: datetime, rules: FollowupRules
) -> tuple[datetime, str] | None:
    """For mail that leaves without a person (``auto_send`` ladder steps): None during the
    customer's working hours, else the start of their next business morning (UTC) and why
    (weekend, their public holiday, before or after hours, in their zone and its DST)."""
    zone = customer_zone(session, customer)
    code = country_code(customer.country)
    lt = local_time(now, zone, code, rules.working_hours)
    if lt.state == "working":
        return None
    when = next_business_morning(now, zone.zone, code, rules.business_morning)
    why = f"{lt.local:%a %H:%M} in {lt.city}: {lt.state.replace('_', ' ')}"
    return when, why + (f" ({lt.why})" if lt.why and lt.why != "weekend" else "")


def approve_send_later(app: App, draft_id: int, actor: str) -> datetime:
    """Approve ``draft_id`` to be sent at the customer's next business morning; returns when."""
    now = app.clock()
    when, why = send_time(app, draft_id, now)
    with app.sessions() as s, s.begin():
        d = s.get(m.Draft, draft_id)
        assert d is not None
        if d.status not in DraftState.editable():
            raise drafting.DraftStateError(f"draft {draft_id} is {d.status}: cannot schedule it")
        ob = queue_outbox(s, d, now)
        ob.not_before = when
        if d.status != DraftState.APPROVED:
            ob.state = OutboxState.HELD
        q.audit(
            s,
            actor,
            "draft.scheduled",
            now,
            d.message_pk,
            draft_id=d.id,
            not_before=when.isoformat(),
            zone=why,
        )
    if d.status != DraftState.APPROVED:
        try:
            drafting.approve(app, draft_id, actor)
        except drafting.DraftStateError:
            with app.sessions() as s, s.begin():
                held = s.scalar(
                    select(m.Outbox).where(
                        m.Outbox.draft_id == draft_id, m.Outbox.state == OutboxState.HELD
                    )
                )
                if held is not None:
                    s.delete(held)
            raise
    audit_log.info("draft %d: held until %s (%s)", draft_id, when.isoformat(), why)
    return when
