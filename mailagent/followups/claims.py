""" "We have paid": a customer's mail that says an order is paid holds its payment ladder.

An inbound, human-written message from the customer that matches ``[settings] paid_claim``
(remittance, bank slip, TT copy, 水单, Überweisungsbeleg, comprovante ...) in its subject or
new text, filed to an order with a balance (or, failing that, from a customer with exactly
one open order), is recorded as a *claimed* payment of the outstanding amount. The ladder
then holds ("waiting for the salesperson to confirm") until ``mailagent payments confirm``
turns the claim into a confirmed payment. Each message is looked at once (``followups`` key
``claim:<message>``); the reasons name the matched words and the attachments.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.followups.rules import FollowupRules
from mailagent.followups.store import claim

__all__ = ["detect_claims"]

audit_log = logging.getLogger("mailagent.audit")

LOOKBACK = timedelta(days=60)


def _order_for(s: Session, row: m.Message) -> tuple[m.Order | None, str]:
    if row.order_id is not None:
        return s.get(m.Order, row.order_id), "filed to the order"
    if row.customer_id is None:
        return None, ""
    open_orders = [
        o
        for o in s.scalars(select(m.Order).where(m.Order.customer_id == row.customer_id))
        if o.amount > o.paid_amount and o.status not in ("cancelled", "closed")
    ]
    if len(open_orders) == 1:
        return open_orders[0], "the customer's only open order"
    return None, ""


def detect_claims(app: App, rules: FollowupRules, now: datetime) -> list[int]:
    """Record claimed payments from new payment mail; returns the message ids used."""
    if rules.paid_claim is None:
        return []
    done = select(m.FollowupItem.key).where(m.FollowupItem.kind == "claim")
    used = []
    with app.sessions() as s, s.begin():
        seen = set(s.scalars(done))
        rows = s.scalars(
            select(m.Message).where(
                m.Message.direction == "inbound",
                m.Message.auto_reply == "none",
                m.Message.customer_id.is_not(None),
                m.Message.received_at >= now - LOOKBACK,
            )
        )
        for row in list(rows):
            if f"claim:{row.id}" in seen:
                continue
            hit = rules.paid_claim.search(f"{row.subject}\n{row.new_text or row.text}")
            if hit is None:
                continue
            order, how = _order_for(s, row)
            if order is None or order.amount <= order.paid_amount:
                continue
            slips = [a.filename for a in row.attachments]
            reasons = [
                f"<{row.message_id}> says {hit.group(0)!r} ({how} {order.order_no})",
                *([f"attached: {', '.join(slips)}"] if slips else []),
            ]
            if (
                claim(
                    s,
                    f"claim:{row.id}",
                    "claim",
                    now,
                    customer_id=row.customer_id,
                    order_id=order.id,
                    anchor=row.message_id,
                    reasons=reasons,
                )
                is None
            ):
                continue
            s.add(
                m.Payment(
                    order_id=order.id,
                    amount=order.amount - order.paid_amount,
                    currency=order.currency,
                    received_on=q.aware(row.received_at).date(),
                    kind="payment",
                    reference=f"mail #{row.id}",
                    state="claimed",
                    message_pk=row.id,
                    recorded_by="followups",
                    recorded_at=now,
                )
            )
            q.audit(
                s,
                "followups",
                "payment.claimed",
                now,
                row.id,
                order=order.order_no,
                reasons=reasons,
            )
            audit_log.info(
                "%s: payment claimed for %s: %s", row.message_id, order.order_no, "; ".join(reasons)
            )
            used.append(row.id)
    return used
