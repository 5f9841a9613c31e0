"""Supervisor report: open follow-up drafts and quotes gone silent, per salesperson.

Read-only: the same facts and pure decision as the follow-up job
(:func:`mailagent.followups.threadfacts.thread_decision`), listed for ``mailagent followups
list``, the web page and (:func:`followup_tables`, bilingual zh/en) the supervisor report
e-mail, which also shows the overdue payments by age (:func:`overdue_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.followups.rules import load_followup_rules
from mailagent.followups.threadfacts import LOOKBACK_DAYS, candidate_threads, thread_decision
from mailagent.records import DraftState
from mailagent.reports.queries import Table

__all__ = ["STATE_LABELS", "OpenFollowup", "followup_tables", "open_followups", "overdue_table"]

# the states the supervisor e-mail shows, in both languages (waiting threads are left out)
STATE_LABELS = {
    "drafted": "follow-up awaiting approval / 跟进草稿待审批",
    "silent": "gone silent, follow-up due / 客户沉默，应跟进",
    "paused": "paused: out of office / 暂停：客户休假",
    "exhausted": "no reply after every try / 多次跟进无回复",
    "waiting": "waiting for the customer / 等待客户回复",
}


@dataclass(frozen=True, slots=True)
class OpenFollowup:
    salesperson: str
    customer: str
    thread_id: int | None
    subject: str
    state: str  # drafted (follow-up waiting for approval) | silent (quote gone silent) | ...
    step: str
    due_on: str
    draft_id: int | None
    reasons: tuple[str, ...]


def open_followups(app: App, now: datetime, *, include_waiting: bool = True) -> list[OpenFollowup]:
    """Open follow-up drafts and threads waiting on the customer, per salesperson."""
    rules = load_followup_rules(app.settings.rules_dir)
    since = now - timedelta(days=LOOKBACK_DAYS)
    out: list[OpenFollowup] = []
    with app.sessions() as session:
        for thread, customer in list(candidate_threads(session, since)):
            _facts, d = thread_decision(session, thread, customer, rules, now)
            if not d.anchor:
                continue
            pending = session.execute(
                select(m.FollowupItem, m.Draft.status)
                .join(m.Draft, m.Draft.id == m.FollowupItem.draft_id)
                .where(
                    m.FollowupItem.thread_id == thread.id,
                    m.FollowupItem.kind == "silence",
                    m.FollowupItem.state == "drafted",
                )
                .order_by(m.FollowupItem.id.desc())
                .limit(1)
            ).first()
            if d.state in ("none", "stopped") or (
                d.state == "waiting" and not include_waiting and pending is None
            ):
                continue
            waiting_draft = pending is not None and pending[1] == DraftState.PENDING
            if waiting_draft and pending is not None:  # show the draft waiting for approval
                item = pending[0]
                state, step, due_on = "drafted", f"{d.pending} {item.step}", item.due_on
                reasons = tuple(item.reasons)
            else:
                state = {"due": "silent"}.get(d.state, d.state)
                step, due_on, reasons = f"{d.pending} try {d.try_no}", d.due_on, d.reasons
            out.append(
                OpenFollowup(
                    customer.salesperson or "-",
                    customer.name,
                    thread.id,
                    thread.subject,
                    state,
                    step,
                    f"{due_on:%Y-%m-%d}" if due_on else "",
                    pending[0].draft_id if waiting_draft and pending is not None else None,
                    reasons,
                )
            )
    return sorted(out, key=lambda o: (o.salesperson, o.customer, o.thread_id or 0))


def followup_tables(items: list[OpenFollowup]) -> list[Table]:
    """The supervisor report's follow-up section (zh/en): counts per salesperson, then the
    rows; nothing when there is nothing open."""
    if not items:
        return []
    states = ("drafted", "silent", "paused", "exhausted")
    counts: dict[str, dict[str, int]] = {}
    for o in items:
        per = counts.setdefault(o.salesperson, dict.fromkeys(states, 0))
        per[o.state] = per.get(o.state, 0) + 1
    summary = Table(
        "followups_by_salesperson",
        "Open follow-ups and quotes gone silent, per salesperson / 待跟进与沉默报价（按业务员）",
        (
            "salesperson / 业务员",
            "awaiting approval / 待审批",
            "gone silent / 沉默",
            "paused / 暂停",
            "no reply / 无回复",
        ),
        tuple((sp, *(per[s] for s in states)) for sp, per in sorted(counts.items())),
    )
    rows = Table(
        "followups",
        "Follow-ups / 跟进明细 (mailagent followups list --why)",
        (
            "salesperson / 业务员",
            "customer / 客户",
            "subject / 主题",
            "state / 状态",
            "step / 步骤",
            "due / 到期",
            "draft / 草稿",
        ),
        tuple(
            (
                o.salesperson,
                o.customer,
                o.subject[:80],
                STATE_LABELS.get(o.state, o.state),
                o.step,
                o.due_on,
                o.draft_id,
            )
            for o in items
        ),
    )
    return [summary, rows]


def overdue_table(rows: list[dict[str, Any]]) -> list[Table]:
    """The supervisor report's overdue payments (``ledgerview.overdue_report`` rows) by
    customer and age, in the order currency and USD (zh/en); nothing when none is overdue."""
    if not rows:
        return []
    buckets = ("0-30", "31-60", "61-90", "90+")
    return [
        Table(
            "overdue",
            "Overdue payments by customer and age (days) / 逾期款项（按客户和账龄，天）",
            (
                "customer / 客户",
                "currency / 币种",
                *(f"{b} / {b}天" for b in buckets),
                "USD / 美元",
            ),
            tuple(
                (
                    str(r["customer"]),
                    str(r["currency"]),
                    *(f"{r[b]:.2f}" for b in buckets),
                    "-" if r["usd"] is None else f"{r['usd']:.2f}",
                )
                for r in rows
            ),
        )
    ]
