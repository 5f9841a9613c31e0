"""What ``mailagent demo`` prints about the follow-up engine (demo-only; offline).

The demo mailbox is a few weeks of autumn mail, so the engine runs "as of" a week after the
last demo message: quotes gone silent get follow-up drafts, the demo orders walk their
payment ladder, upcoming greetings (next 60 days) and customers' holidays are listed, and a
customer message shows its sender's local time. Re-running the demo changes nothing (every
step is keyed in ``followups``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.followups import greetings, ledgerview
from mailagent.followups.localview import message_clock
from mailagent.followups.report import open_followups
from mailagent.followups.rules import load_followup_rules
from mailagent.followups.service import run_followups

__all__ = ["demo_lines"]

GREETING_DAYS = 60


def _as_of(app: App) -> datetime | None:
    with app.sessions() as s:
        last = s.scalar(select(func.max(m.Message.received_at)))
    if last is None:
        return None
    day = (q.aware(last) + timedelta(days=7)).date()
    return datetime.combine(day, time(2, 0), tzinfo=q.aware(last).tzinfo)


def demo_lines(app: App) -> list[str]:
    if _as_of(app) is None:
        return []
    now = app.clock()  # the demo's one clock (demo/clock.py), which starts at _as_of
    out = ["", f"follow-up engine, as of {now:%a %Y-%m-%d} (rules/followup.toml):"]
    summary = run_followups(app, now)
    out.append("  run: " + summary.describe())
    for o in open_followups(app, now):
        draft = f" draft #{o.draft_id}" if o.draft_id else ""
        out.append(
            f"  {o.salesperson:<26} {o.customer[:24]:<24} {o.state:<9} {o.step:<13}"
            f" due {o.due_on or '-'}{draft}  {o.subject[:40]}"
        )
        out.append(f"      why: {'; '.join(o.reasons[-2:])}")
    out.append("")
    out.append("payment ladder (mailagent payments ledger):")
    for r in ledgerview.ledger(app, now, open_only=True):
        out.append(
            f"  {r.order_no:<13} {r.customer[:24]:<24} {r.outstanding:>10} {r.currency}"
            f"  due {r.due_date or '-'}  {r.state:<8} step {r.step or '-':<11}"
            f" next {r.next_on or '-'}"
        )
    for row in ledgerview.overdue_report(app, now):
        buckets = "  ".join(f"{b}: {row[b]}" for b in ("0-30", "31-60", "61-90", "90+"))
        out.append(
            f"  overdue {row['customer'][:24]:<24} {row['currency']}  {buckets}  USD {row['usd']}"
        )
    rules = load_followup_rules(app.settings.rules_dir)
    wide = dataclasses.replace(
        rules, greetings=dataclasses.replace(rules.greetings, days_ahead=GREETING_DAYS)
    )
    plan = greetings.plan(app, now, wide)
    out.append("")
    out.append(f"upcoming greetings and notices (next {GREETING_DAYS} days; batched for approval):")
    out += [
        f"  {p.on}  {p.kind:<8} {p.customer[:28]:<28} {p.language}  {p.name}"
        for p in plan.greetings
    ] or ["  -"]
    out += [f"  team notice: {n.text('en')}" for n in plan.notices]
    with app.sessions() as s:
        sample = s.scalar(
            select(m.Message.id)
            .join(m.Customer, m.Customer.id == m.Message.customer_id)
            .where(m.Message.direction == "inbound", m.Customer.timezone != "")
            .order_by(m.Message.id)
            .limit(1)
        )
    if sample is not None:
        out.append("")
        out.append(f"customer local time (message #{sample}), at {now:%H:%M} UTC:")
        out.append(
            f"  {message_clock(app, sample, now, 'en')} / {message_clock(app, sample, now, 'zh')}"
        )
    return out
