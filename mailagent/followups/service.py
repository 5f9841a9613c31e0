"""Follow-ups on silence: the effects around :mod:`mailagent.followups.silence`, and the job.

:func:`run_followups` is the periodic job (registered in ``daemon/scheduler.py``): silence
follow-ups, the payment ladder (:mod:`.ledger`), greetings and closure notices
(:mod:`.greetings`), ``\\Answered`` flags (:mod:`.imapflags`) and the queue of junk /
archive moves mirrored on the IMAP server (:mod:`.imapmoves`). For each recent thread it
gathers the facts (:mod:`.threadfacts`), asks the pure ``silence.decide`` and then
drafts a follow-up (``due``) or cancels pending follow-up drafts (``stopped``: the customer
replied). Each step is recorded once in ``followups`` with its reasons and audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.followups import silence
from mailagent.followups.render import render
from mailagent.followups.rules import FollowupRules, load_followup_rules
from mailagent.followups.store import (
    cancel_pending,
    claim,
    new_draft,
    pending_drafts,
    salesperson_name,
)
from mailagent.followups.threadfacts import LOOKBACK_DAYS, candidate_threads, thread_decision

__all__ = ["RunSummary", "run_followups", "run_silence"]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")


@dataclass
class RunSummary:
    drafted: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    ladder: list[int] = field(default_factory=list)
    greetings: list[int] = field(default_factory=list)
    flagged: int = 0
    moves: list[str] = field(default_factory=list)  # state of each server move carried out
    claims: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{len(self.drafted)} follow-up(s) drafted, {len(self.cancelled)} cancelled, "
            f"{len(self.claims)} payment claim(s) from mail, "
            f"{len(self.ladder)} payment reminder(s), {len(self.greetings)} greeting/notice(s), "
            f"{self.flagged} original(s) flagged answered"
            + (
                f", {self.moves.count('done')} of {len(self.moves)} move(s) done on the server"
                if self.moves
                else ""
            )
        )


def run_followups(app: App, now: datetime) -> RunSummary:
    """The periodic job: every part of the engine once, each idempotent."""
    from mailagent.followups import claims, greetings, imapflags, imapmoves, ledger

    rules = load_followup_rules(app.settings.rules_dir)
    summary = RunSummary()
    run_silence(app, rules, now, summary)
    summary.claims = claims.detect_claims(app, rules, now)
    summary.ladder = ledger.run_ladder(app, rules, now)
    summary.greetings = greetings.run_greetings(app, rules, now)
    if app.settings.followups.mark_answered:
        summary.flagged = imapflags.mark_answered(app, now)
    summary.moves = [o.state for o in imapmoves.drain_moves(app, now)]
    log.info("followups: %s", summary.describe())
    return summary


# -- the silence pass --------------------------------------------------------------------------


def run_silence(app: App, rules: FollowupRules, now: datetime, summary: RunSummary) -> None:
    since = now - timedelta(days=LOOKBACK_DAYS)
    with app.sessions() as session, session.begin():
        for thread, customer in list(candidate_threads(session, since)):
            facts, decision = thread_decision(session, thread, customer, rules, now)
            if decision.state == "stopped":
                why = "; ".join(decision.reasons)
                summary.cancelled += cancel_pending(
                    session, "silence", why, now, thread_id=thread.id
                )
            elif decision.state == "due":
                draft_id = _draft_followup(session, app, thread, customer, facts, decision, now)
                if draft_id is not None:
                    summary.drafted.append(draft_id)


def _draft_followup(
    session: Session,
    app: App,
    thread: m.Thread,
    customer: m.Customer,
    facts: silence.ThreadFacts,
    decision: silence.SilenceDecision,
    now: datetime,
) -> int | None:
    if pending_drafts(session, "silence", thread_id=thread.id):
        return None  # the previous follow-up still waits for approval: never stack them
    key = f"silence:{thread.id}:{decision.anchor}:{decision.try_no}"[:300]
    item = claim(
        session,
        key,
        "silence",
        now,
        customer_id=customer.id,
        thread_id=thread.id,
        rule_id=decision.rule_id,
        step=f"try {decision.try_no}",
        anchor=decision.anchor,
        due_on=decision.due_on,
        reasons=list(decision.reasons),
    )
    if item is None:
        return None
    anchor = next(mm for mm in facts.messages if mm.key == decision.anchor)
    recipients = _recipients(session, thread, customer)
    contact = session.scalar(
        select(m.Contact)
        .where(
            m.Contact.customer_id == customer.id,
            m.Contact.email.in_([r["email"] for r in recipients]),
        )
        .limit(1)
    )
    variables: dict[str, Any] = {
        "subject": _bare_subject(thread.subject),
        "contact_name": contact.name.split()[0] if contact and contact.name else "",
        "pending": {
            "kind": decision.pending,
            "lines": list(decision.items),
            "sent_on": anchor.at.date(),
        },
        "try_no": decision.try_no,
        "salesperson": salesperson_name(app, customer),
        "company": app.settings.drafts.company_name,
    }
    rendered = render(app.settings.templates_dir, "silence", customer.language or "en", variables)
    d = new_draft(
        session,
        app,
        now,
        rendered,
        intent="followup",
        to=recipients,
        customer_id=customer.id,
        notes=[f"follow-up: rule {decision.rule_id}", *decision.reasons],
        thread_id=thread.id,
        in_reply_to=decision.anchor,
        references=[decision.anchor],
    )
    item.draft_id = d.id
    audit_log.info(
        "thread %d: follow-up %d drafted (%s)", thread.id, d.id, "; ".join(decision.reasons)
    )
    return d.id


def _bare_subject(subject: str) -> str:
    import re

    return re.sub(
        r"^\s*((re|aw|wg|fw|fwd|回复|答复)\s*[:：]\s*)+", "", subject or "", flags=re.I
    ).strip()


def _recipients(session: Session, thread: m.Thread, customer: m.Customer) -> list[dict[str, str]]:
    """Who last wrote to us in the thread, else the customer's first contact."""
    row = session.scalar(
        select(m.Message)
        .where(
            m.Message.thread_id == thread.id,
            m.Message.direction == "inbound",
            m.Message.auto_reply == "none",
        )
        .order_by(m.Message.received_at.desc())
        .limit(1)
    )
    if row is not None and row.from_email:
        return [{"name": row.from_name, "email": row.from_email}]
    c = session.scalar(
        select(m.Contact)
        .where(m.Contact.customer_id == customer.id)
        .order_by(m.Contact.id)
        .limit(1)
    )
    return [{"name": c.name, "email": c.email}] if c else []
