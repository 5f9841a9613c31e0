"""The facts of a thread for the silence decision, read from the store (no writes).

Our messages (sent drafts and outbound copies from the Sent folder), every message from
anyone at the customer since (contacts, domains, or filed to the customer; in any thread),
auto-replies with their text (for the return date of an out-of-office), the follow-ups
already drafted for the current anchor and whether one was rejected, and whether the
customer placed an order since. Also the customer's time zone (archive, country, or learned
from the ``Date:`` headers of their mail).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.followups import silence
from mailagent.followups.localtime import ZoneChoice, choose_zone, date_offsets
from mailagent.followups.rules import FollowupRules
from mailagent.followups.workdays import country_code
from mailagent.records import DraftState

__all__ = ["LOOKBACK_DAYS", "candidate_threads", "customer_zone", "thread_decision"]

LOOKBACK_DAYS = 90


def _customer_matcher(session: Session, customer: m.Customer) -> tuple[set[str], set[str]]:
    domains = {d.domain.lower() for d in customer.domains}
    contacts = {c.email.lower() for c in customer.contacts}
    return domains, contacts


def _from_customer(
    row: m.Message, customer: m.Customer, domains: set[str], contacts: set[str]
) -> bool:
    email = row.from_email.lower()
    return (
        row.customer_id == customer.id or email in contacts or email.rpartition("@")[2] in domains
    )


def customer_zone(session: Session, customer: m.Customer) -> ZoneChoice:
    """The customer's zone: archive, else learned from the Date headers of their mail."""
    rows = session.scalars(
        select(m.Message.headers)
        .where(m.Message.customer_id == customer.id, m.Message.direction == "inbound")
        .order_by(m.Message.received_at.desc())
        .limit(20)
    )
    dates = [v for headers in rows for n, v in headers if str(n).lower() == "date"]
    return choose_zone(customer.timezone, country_code(customer.country), date_offsets(dates))


def _strip_quoted(body: str) -> str:
    return "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith(">"))


def _thread_facts(
    session: Session, thread: m.Thread, customer: m.Customer, since: datetime
) -> silence.ThreadFacts:
    domains, contacts = _customer_matcher(session, customer)
    followup_ids = set(
        session.scalars(
            select(m.Outbox.message_id)
            .join(m.Draft, m.Draft.id == m.Outbox.draft_id)
            .where(m.Draft.created_by == "followups", m.Draft.thread_id == thread.id)
        )
    )
    msgs: dict[str, silence.ThreadMessage] = {}
    for d, mid in session.execute(
        select(m.Draft, m.Outbox.message_id)
        .join(m.Outbox, m.Outbox.draft_id == m.Draft.id)
        .where(
            m.Draft.thread_id == thread.id,
            m.Draft.status == DraftState.SENT,
            m.Draft.kind == "reply",
        )
    ):
        items = tuple(
            f"{ln.get('code', '')} x {ln.get('quantity', '')}".strip()
            for ln in d.quote
            if isinstance(ln, dict)
        )
        msgs[mid] = silence.ThreadMessage(
            key=mid,
            at=q.aware(d.sent_at or d.updated_at),
            outbound=True,
            from_customer=False,
            text=_strip_quoted(d.body),
            draft_intent=d.intent,
            quote_items=items,
            is_followup=d.created_by == "followups",
        )
    rows = session.scalars(
        select(m.Message).where(
            or_(m.Message.thread_id == thread.id, m.Message.customer_id == customer.id),
            m.Message.received_at >= since,
        )
    )
    for row in rows:
        if row.message_id in msgs:
            continue
        outbound = row.direction == "outbound"
        if outbound and row.thread_id != thread.id:
            continue
        msgs[row.message_id] = silence.ThreadMessage(
            key=row.message_id,
            at=q.aware(row.received_at),
            outbound=outbound,
            from_customer=not outbound and _from_customer(row, customer, domains, contacts),
            auto_reply=row.auto_reply,
            text=(row.new_text or row.text) if outbound or row.auto_reply != "none" else "",
            is_followup=row.message_id in followup_ids,
            intent=row.intent or "",
        )
    zone = customer_zone(session, customer)
    return silence.ThreadFacts(
        thread_id=thread.id,
        customer_id=customer.id,
        country=country_code(customer.country),
        zone=zone.zone,
        messages=tuple(msgs.values()),
    )


def _with_history(
    session: Session, facts: silence.ThreadFacts, anchor: str, since: datetime
) -> silence.ThreadFacts:
    items = session.execute(
        select(m.FollowupItem, m.Draft.status)
        .outerjoin(m.Draft, m.Draft.id == m.FollowupItem.draft_id)
        .where(
            m.FollowupItem.kind == "silence",
            m.FollowupItem.thread_id == facts.thread_id,
            m.FollowupItem.anchor == anchor,
        )
    ).all()
    tries = tuple(q.aware(i.created_at) for i, _ in items)
    rejected = any(status == DraftState.REJECTED and i.state != "cancelled" for i, status in items)
    anchor_at = next((mm.at for mm in facts.messages if mm.key == anchor), since)
    order_since = (
        session.scalar(
            select(m.Order.id)
            .where(m.Order.customer_id == facts.customer_id, m.Order.order_date >= anchor_at.date())
            .limit(1)
        )
        is not None
    )
    return replace(facts, tries=tries, rejected=rejected, order_since=order_since)


def thread_decision(
    session: Session, thread: m.Thread, customer: m.Customer, rules: FollowupRules, now: datetime
) -> tuple[silence.ThreadFacts, silence.SilenceDecision]:
    """The facts of one thread (with its follow-up history) and the silence decision."""
    since = now - timedelta(days=LOOKBACK_DAYS)
    facts = _thread_facts(session, thread, customer, since)
    first = silence.decide(facts, rules, now)
    if first.anchor:
        facts = _with_history(session, facts, first.anchor, since)
    return facts, silence.decide(facts, rules, now)


def candidate_threads(session: Session, since: datetime) -> Iterable[tuple[m.Thread, m.Customer]]:
    ids = set(
        session.scalars(
            select(m.Message.thread_id).where(
                m.Message.direction == "outbound", m.Message.received_at >= since
            )
        )
    ) | set(
        session.scalars(
            select(m.Draft.thread_id).where(
                m.Draft.status == DraftState.SENT, m.Draft.sent_at >= since
            )
        )
    )
    ids |= set(
        session.scalars(
            select(m.FollowupItem.thread_id).where(
                m.FollowupItem.kind == "silence", m.FollowupItem.state == "drafted"
            )
        )
    )
    for tid in sorted(i for i in ids if i is not None):
        thread = session.get(m.Thread, tid)
        cid = thread.customer_id if thread else None
        if cid is None and thread is not None:
            cid = session.scalar(
                select(m.Message.customer_id)
                .where(m.Message.thread_id == tid, m.Message.customer_id.is_not(None))
                .limit(1)
            )
        customer = session.get(m.Customer, cid) if cid else None
        if thread is not None and customer is not None:
            yield thread, customer
