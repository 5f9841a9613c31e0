"""Supervisor report: open follow-up drafts and quotes gone silent, per salesperson.

Read-only: the same facts and pure decision as the follow-up job
(:func:`mailagent.followups.threadfacts.thread_decision`), listed for ``mailagent followups
list`` and the web page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.followups.rules import load_followup_rules
from mailagent.followups.threadfacts import LOOKBACK_DAYS, candidate_threads, thread_decision
from mailagent.records import DraftState

__all__ = ["OpenFollowup", "open_followups"]


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
