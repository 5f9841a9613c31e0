"""The payment ledger and the overdue report (read-only views over :mod:`.ledger`).

``ledger`` lists every order with its balance, the ladder state and the last step drafted
(with the reasons); ``overdue_report`` groups overdue balances by customer and age bucket
(0-30 / 31-60 / 61-90 / 90+ days) in the order currency and in USD at the rates of
``followups.usd_rates`` (a currency without a rate shows "no rate", never a guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.followups import ladder
from mailagent.followups.ledger import OrderError, order_state, team_today
from mailagent.followups.rules import load_followup_rules

__all__ = ["LedgerRow", "ledger", "overdue_report", "usd_rates"]


def usd_rates(app: App) -> dict[str, Decimal]:
    rates = {"USD": Decimal(1)}
    for item in app.settings.followups.usd_rates:
        code, _, value = item.partition("=")
        try:
            rates[code.strip().upper()] = Decimal(value.strip())
        except InvalidOperation as exc:
            raise OrderError(f"followups.usd_rates: {item!r}: expected CODE=rate") from exc
    return rates


@dataclass(frozen=True, slots=True)
class LedgerRow:
    order_no: str
    customer: str
    currency: str
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    due_date: date | None
    days_overdue: int
    state: str
    step: str  # last step drafted ("" none)
    salesperson: str
    next_on: date | None
    reasons: tuple[str, ...]


def ledger(app: App, now: datetime, *, open_only: bool = False) -> list[LedgerRow]:
    rules = load_followup_rules(app.settings.rules_dir)
    today, rows = team_today(app, now), []
    with app.sessions() as s:
        for o, cname, owner in s.execute(
            select(m.Order, m.Customer.name, m.Customer.salesperson)
            .join(m.Customer)
            .order_by(m.Order.due_date, m.Order.order_no)
        ):
            st = order_state(s, o)
            dec = ladder.decide(st, rules.ladder, today)
            if open_only and st.outstanding <= 0:
                continue
            last = next((x.id for x in reversed(rules.ladder) if x.id in st.steps_done), "")
            rows.append(
                LedgerRow(
                    o.order_no,
                    cname,
                    o.currency,
                    o.amount,
                    o.paid_amount,
                    st.outstanding,
                    o.due_date,
                    dec.days_overdue,
                    dec.state,
                    last,
                    owner or "",
                    dec.next_on,
                    dec.reasons,
                )
            )
    return rows


def overdue_report(app: App, now: datetime) -> list[dict[str, Any]]:
    """Overdue outstanding per customer and age bucket, in the order currency and in USD."""
    rates = usd_rates(app)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in ledger(app, now, open_only=True):
        if r.days_overdue <= 0:
            continue
        row = out.setdefault(
            (r.customer, r.currency),
            {
                "customer": r.customer,
                "currency": r.currency,
                **{b: Decimal(0) for b in ladder.BUCKETS},
                "usd": Decimal(0),
            },
        )
        row[ladder.age_bucket(r.days_overdue)] += r.outstanding
        rate = rates.get(r.currency)
        row["usd"] = (
            None
            if rate is None or row["usd"] is None
            else row["usd"] + (r.outstanding * rate).quantize(Decimal("0.01"))
        )
    return list(out.values())
