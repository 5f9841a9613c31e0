"""Store side of the relevance gate: keep a person's correction, write the decision.

:func:`with_corrections` lays what people decided over a fresh triage: a junk / not-junk /
phishing correction (``relevance_manual``) wins over the gate, and an acknowledged fraud
warning no longer holds the message. :func:`store_gate` writes relevance, scores, rules,
reasons and fraud warnings onto the row. Functions take the caller's row and never commit.
"""

from __future__ import annotations

import dataclasses

from mailagent.db import models as m
from mailagent.records import FraudFlag, Relevance, RelevanceDecision, Triage, disposition_for

__all__ = ["flags_of", "store_gate", "with_corrections"]


def flags_of(row: m.Message) -> tuple[FraudFlag, ...]:
    return tuple(
        FraudFlag(str(f.get("kind", "")), str(f.get("reason", "")), bool(f.get("needs_ack")))
        for f in row.fraud_flags
        if isinstance(f, dict)
    )


def with_corrections(row: m.Message, triage: Triage) -> Triage:
    """``triage`` with the row's manual relevance and fraud acknowledgement applied."""
    relevance = triage.relevance
    if row.relevance_manual and row.relevance:
        relevance = RelevanceDecision(
            Relevance(row.relevance),
            relevance.scores if relevance else (),
            ("manual",),
            tuple(row.relevance_reasons),
            known=relevance.known if relevance else False,
        )
    if relevance is None:
        return triage
    flags = triage.fraud
    if row.fraud_ack_at is not None:
        flags = tuple(dataclasses.replace(f, needs_ack=False) for f in flags)
    disposition = disposition_for(triage.disposition, relevance.relevance, flags)
    return dataclasses.replace(triage, relevance=relevance, fraud=flags, disposition=disposition)


def store_gate(row: m.Message, triage: Triage) -> None:
    """Write the gate's decision (a manual relevance and an acknowledgement are kept)."""
    row.disposition = triage.disposition.value
    decision = triage.relevance
    if decision is not None and not row.relevance_manual:
        row.relevance = decision.relevance.value
        row.relevance_scores = [list(s) for s in decision.scores]
        row.relevance_rules = list(decision.rule_ids)
        row.relevance_reasons = list(decision.reasons)
    elif decision is not None:
        row.relevance_scores = [list(s) for s in decision.scores]
    row.fraud_flags = [
        {"kind": f.kind, "reason": f.reason, "needs_ack": f.needs_ack} for f in triage.fraud
    ]
