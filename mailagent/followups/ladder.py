"""The overdue-payment ladder (pure): which reminder step an order is on and which is due.

Steps come from ``[[ladder]]`` in ``rules/followup.toml`` (offsets in calendar days from the
due date: before, on the day, +7/+15/+30 with firmer tones, the last escalating). The ladder
stops for good when the outstanding balance is zero, and holds while the customer says they
paid (a remittance slip waiting for the salesperson's confirmation). When several steps fell
due at once (the order was imported late, the daemon was down), only the latest is drafted and
the skipped ones are named in the reasons. Also the age buckets of the overdue report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from mailagent.followups.rules import LadderStep

__all__ = ["BUCKETS", "LadderDecision", "OrderState", "age_bucket", "decide"]

BUCKETS = ("0-30", "31-60", "61-90", "90+")


@dataclass(frozen=True, slots=True)
class OrderState:
    order_id: int
    order_no: str
    currency: str
    amount: Decimal
    paid: Decimal
    due_date: date | None
    status: str = "confirmed"
    steps_done: tuple[str, ...] = ()
    paid_claimed: bool = False  # the customer's mail says paid; waiting for confirmation

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, Decimal(0))


@dataclass(frozen=True, slots=True)
class LadderDecision:
    state: str  # none | paid | claimed | waiting | due | done
    step: LadderStep | None
    next_on: date | None
    days_overdue: int
    reasons: tuple[str, ...]


def age_bucket(days_overdue: int) -> str:
    if days_overdue <= 30:
        return BUCKETS[0]
    if days_overdue <= 60:
        return BUCKETS[1]
    return BUCKETS[2] if days_overdue <= 90 else BUCKETS[3]


def decide(order: OrderState, steps: tuple[LadderStep, ...], today: date) -> LadderDecision:
    """The ladder state of ``order`` on ``today`` (the team's date), with reasons."""
    if order.status in ("cancelled", "closed"):
        return LadderDecision("none", None, None, 0, (f"order is {order.status}",))
    if order.amount <= 0:
        return LadderDecision("none", None, None, 0, ("no amount on the order",))
    if order.outstanding <= 0:
        return LadderDecision(
            "paid", None, None, 0, (f"paid in full ({order.paid} {order.currency})",)
        )
    if order.due_date is None:
        return LadderDecision("none", None, None, 0, ("no due date on the order",))
    overdue = max((today - order.due_date).days, 0)
    if order.paid_claimed:
        why = "the customer says it is paid: waiting for the salesperson to confirm the payment"
        return LadderDecision("claimed", None, None, overdue, (why,))
    # a ladder only moves forward: steps before the last one drafted are never drafted later
    reached = max((i for i, s in enumerate(steps) if s.id in order.steps_done), default=-1)
    open_steps = list(steps[reached + 1 :])
    fallen = [s for s in open_steps if order.due_date + timedelta(days=s.offset_days) <= today]
    ahead = [s for s in open_steps if s not in fallen]
    next_on = order.due_date + timedelta(days=ahead[0].offset_days) if ahead else None
    reasons = [
        f"{order.outstanding} {order.currency} outstanding, due {order.due_date:%Y-%m-%d}"
        + (f", {overdue} day(s) overdue" if overdue else "")
    ]
    if order.steps_done:
        reasons.append("steps already drafted: " + ", ".join(order.steps_done))
    if not fallen:
        if not ahead:
            return LadderDecision("done", None, None, overdue, (*reasons, "every step was drafted"))
        reasons.append(f"next step {ahead[0].id} on {next_on:%Y-%m-%d}")
        return LadderDecision("waiting", None, next_on, overdue, tuple(reasons))
    step = fallen[-1]
    if len(fallen) > 1:
        reasons.append("skipped (fell due together): " + ", ".join(s.id for s in fallen[:-1]))
    reasons.append(
        f"step {step.id} ({step.tone}) due since "
        f"{order.due_date + timedelta(days=step.offset_days):%Y-%m-%d}"
    )
    if step.escalate:
        reasons.append("last step: escalated to the supervisors")
    return LadderDecision("due", step, next_on, overdue, tuple(reasons))
