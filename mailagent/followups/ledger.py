"""Orders and payments: record payments, update orders, run the payment ladder, the ledger.

``record_payment`` adds a confirmed (or a customer-claimed) payment and keeps
``orders.paid_amount`` the sum of the confirmed ones; ``update_order`` sets amount, due date,
PI number or status. ``run_ladder`` drafts the due step of every open order's ladder (pure
decision in :mod:`.ladder`), once per (order, step), plus an escalation to the supervisors
at the last step. The ledger and the overdue report are in :mod:`.ledgerview`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts.prepare import queue_outbox
from mailagent.errors import MailagentError
from mailagent.followups import ladder
from mailagent.followups.render import render
from mailagent.followups.rules import FollowupRules
from mailagent.followups.sendlater import working_hold
from mailagent.followups.store import (
    cancel_pending,
    claim,
    contact_for,
    new_draft,
    pending_drafts,
    salesperson_name,
)
from mailagent.records import DraftState

__all__ = [
    "OrderError",
    "confirm_claims",
    "order_state",
    "record_payment",
    "run_ladder",
    "team_today",
    "update_order",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")


class OrderError(MailagentError):
    """Unknown order or invalid payment/order data; the message says which."""


def _order(session: Session, order_no: str) -> m.Order:
    o = session.scalar(select(m.Order).where(m.Order.order_no == order_no))
    if o is None:
        raise OrderError(f"no order {order_no!r}")
    return o


def _resum(session: Session, o: m.Order) -> None:
    total = session.scalar(
        select(func.coalesce(func.sum(m.Payment.amount), 0)).where(
            m.Payment.order_id == o.id, m.Payment.state == "confirmed"
        )
    )
    o.paid_amount = Decimal(str(total))


def record_payment(
    app: App,
    order_no: str,
    amount: str | Decimal,
    *,
    actor: str,
    received_on: date | None = None,
    kind: str = "payment",
    reference: str = "",
    claimed: bool = False,
    message_pk: int | None = None,
) -> Decimal:
    """Record a payment (or the customer's claim of one); returns the new outstanding balance."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise OrderError(f"amount {amount!r} is not a number") from exc
    if value <= 0:
        raise OrderError("amount must be positive")
    if kind not in ("deposit", "balance", "payment"):
        raise OrderError("kind must be deposit, balance or payment")
    now = app.clock()
    with app.sessions() as s, s.begin():
        o = _order(s, order_no)
        s.add(
            m.Payment(
                order_id=o.id,
                amount=value,
                currency=o.currency,
                received_on=received_on or now.date(),
                kind=kind,
                reference=reference,
                state="claimed" if claimed else "confirmed",
                message_pk=message_pk,
                recorded_by=actor,
                recorded_at=now,
            )
        )
        s.flush()
        _resum(s, o)
        if claimed or o.paid_amount >= o.amount:
            why = "the customer says it is paid" if claimed else "paid in full"
            cancel_pending(s, "ladder", why, now, order_id=o.id)
        q.audit(
            s,
            actor,
            "payment.claimed" if claimed else "payment.recorded",
            now,
            message_pk,
            order=o.order_no,
            amount=str(value),
            currency=o.currency,
            reference=reference,
        )
        audit_log.info(
            "order %s: payment %s %s %s by %s",
            o.order_no,
            value,
            o.currency,
            "claimed" if claimed else "recorded",
            actor,
        )
        return max(o.amount - o.paid_amount, Decimal(0))


def confirm_claims(app: App, order_no: str, *, actor: str) -> int:
    """The salesperson confirms the customer's claimed payments (remittance slip checked)."""
    now = app.clock()
    with app.sessions() as s, s.begin():
        o = _order(s, order_no)
        claims = list(
            s.scalars(
                select(m.Payment).where(m.Payment.order_id == o.id, m.Payment.state == "claimed")
            )
        )
        for p in claims:
            p.state = "confirmed"
        _resum(s, o)
        q.audit(s, actor, "payment.confirmed", now, None, order=o.order_no, payments=len(claims))
        return len(claims)


def update_order(app: App, order_no: str, *, actor: str, **changes: Any) -> None:
    """Change amount / due_date / pi_number / status / currency of an order (audited)."""
    allowed = {"amount", "due_date", "pi_number", "status", "currency"}
    bad = set(changes) - allowed
    if bad:
        raise OrderError(f"cannot change {', '.join(sorted(bad))}")
    now = app.clock()
    with app.sessions() as s, s.begin():
        o = _order(s, order_no)
        for key, value in changes.items():
            if value is None:
                continue
            if key == "amount":
                value = Decimal(str(value))
            setattr(o, key, value)
        q.audit(
            s,
            actor,
            "order.updated",
            now,
            None,
            order=o.order_no,
            **{k: str(v) for k, v in changes.items() if v is not None},
        )


def order_state(s: Session, o: m.Order) -> ladder.OrderState:
    done = tuple(
        s.scalars(
            select(m.FollowupItem.step).where(
                m.FollowupItem.kind == "ladder", m.FollowupItem.order_id == o.id
            )
        )
    )
    claimed = (
        s.scalar(
            select(m.Payment.id)
            .where(m.Payment.order_id == o.id, m.Payment.state == "claimed")
            .limit(1)
        )
        is not None
    )
    return ladder.OrderState(
        o.id, o.order_no, o.currency, o.amount, o.paid_amount, o.due_date, o.status, done, claimed
    )


def team_today(app: App, now: datetime) -> date:
    return now.astimezone(ZoneInfo(app.settings.team.timezone)).date()


def run_ladder(app: App, rules: FollowupRules, now: datetime) -> list[int]:
    """Draft the due ladder step of every open order; returns the new draft ids."""
    today, out = team_today(app, now), []
    with app.sessions() as s, s.begin():
        orders = s.scalars(
            select(m.Order).where(
                m.Order.due_date.is_not(None), m.Order.amount > m.Order.paid_amount
            )
        )
        for o in list(orders):
            decision = ladder.decide(order_state(s, o), rules.ladder, today)
            if decision.state == "due" and decision.step is not None:
                why = f"superseded by step {decision.step.id}"
                cancel_pending(s, "ladder", why, now, order_id=o.id)
                out += _draft_step(s, app, rules, o, decision, now)
            elif decision.state in ("claimed", "none"):
                cancel_pending(s, "ladder", decision.reasons[0], now, order_id=o.id)
        # orders paid in full since: their reminders still waiting for approval are void
        for item, _d in pending_drafts(s, "ladder"):
            paid = s.get(m.Order, item.order_id) if item.order_id else None
            if paid is not None and paid.amount <= paid.paid_amount:
                cancel_pending(s, "ladder", "paid in full", now, order_id=paid.id)
    return out


def _draft_step(
    s: Session,
    app: App,
    rules: FollowupRules,
    o: m.Order,
    dec: ladder.LadderDecision,
    now: datetime,
) -> list[int]:
    assert dec.step is not None
    item = claim(
        s,
        f"ladder:{o.id}:{dec.step.id}",
        "ladder",
        now,
        customer_id=o.customer_id,
        order_id=o.id,
        rule_id=dec.step.id,
        step=dec.step.id,
        due_on=o.due_date,
        reasons=list(dec.reasons),
    )
    if item is None:
        return []
    customer = s.get(m.Customer, o.customer_id)
    contact = contact_for(s, customer) if customer else None
    variables: dict[str, Any] = {
        "contact_name": contact.name.split()[0] if contact and contact.name else "",
        "order": {
            "order_no": o.order_no,
            "pi_number": o.pi_number,
            "currency": o.currency,
            "outstanding": o.amount - o.paid_amount,
            "due_date": o.due_date,
            "days_overdue": dec.days_overdue,
        },
        "step": {"id": dec.step.id, "tone": dec.step.tone},
        "salesperson": salesperson_name(app, customer),
        "company": app.settings.drafts.company_name,
        "customer": customer.name if customer else "",
        "reasons": list(dec.reasons),
    }
    lang = (contact.preferences or {}).get("language") if contact else None
    rendered = render(
        app.settings.templates_dir,
        "ladder",
        lang or (customer.language if customer else "") or "en",
        variables,
    )
    to = [{"name": contact.name, "email": contact.email}] if contact else []
    d = new_draft(
        s,
        app,
        now,
        rendered,
        intent="payment_ladder",
        to=to,
        customer_id=o.customer_id,
        order_id=o.id,
        notes=[f"payment ladder: step {dec.step.id}", *dec.reasons],
    )
    item.draft_id = d.id
    ids = [d.id]
    if dec.step.auto_send and d.to_addrs and d.from_addr:  # the rules say: no approval needed
        d.status, d.decided_at, d.decided_by = DraftState.APPROVED, now, "auto"
        ob = queue_outbox(s, d, now)
        hold = working_hold(s, customer, now, rules) if customer else None
        if hold is not None:  # never at 3 a.m. or on their holiday: their next business morning
            ob.not_before = hold[0]
        q.audit(
            s,
            "auto",
            "draft.approved",
            now,
            None,
            draft_id=d.id,
            reason=f"ladder step {dec.step.id}",
            **({"not_before": hold[0].isoformat(), "held": hold[1]} if hold else {}),
        )
    if dec.step.escalate and rules.supervisor_escalation and app.settings.team.supervisor_addresses:
        esc = render(
            app.settings.templates_dir, "escalation", app.settings.team.language, variables
        )
        e = new_draft(
            s,
            app,
            now,
            esc,
            intent="payment_escalation",
            kind="relay",
            customer_id=o.customer_id,
            order_id=o.id,
            to=[{"name": "", "email": a} for a in app.settings.team.supervisor_addresses],
            notes=list(dec.reasons),
        )
        claim(
            s,
            f"escalation:{o.id}:{dec.step.id}",
            "escalation",
            now,
            customer_id=o.customer_id,
            order_id=o.id,
            draft_id=e.id,
            step=dec.step.id,
            reasons=list(dec.reasons),
        )
        ids.append(e.id)
    return ids
