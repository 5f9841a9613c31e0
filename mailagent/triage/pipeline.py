"""The triage pipeline: the ordered stages and ``run(mail, env) -> Triage``.

The order of stages lives here and nowhere else. Every stage is pure: it receives the parsed
mail, the :class:`TriageEnv` (ports and loaded rules) and the triage so far, and returns
the triage with its own decision added. Machine-generated mail (auto-replies, bounces,
lists) is still language-tagged, classified as OTHER and filed, but marked NO_REPLY so that
no draft is ever made for it; mail received before the store's history cut-off is marked
HISTORY (classified and filed, but no drafts, SLA clocks or relays).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mailagent.context import Context, Directory, ThreadContext
from mailagent.logs import message_fields
from mailagent.records import (
    AutoReplyKind,
    Classification,
    Disposition,
    InboundMail,
    Intent,
    Triage,
    disposition_for,
)
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.relevance import GateRules
from mailagent.triage.rules.ruleset import Ruleset
from mailagent.triage.stages import classify, gate, review
from mailagent.triage.stages.language import detect as language
from mailagent.triage.stages.link import filing as link
from mailagent.triage.stages.relations import NoRelations, Relations

__all__ = ["STAGES", "TriageEnv", "run"]

log = logging.getLogger(__name__)
audit = logging.getLogger("mailagent.audit")


@dataclass(frozen=True)
class TriageEnv:
    """What the stages may use: context values, ports and the loaded rules/model."""

    ctx: Context
    directory: Directory
    ruleset: Ruleset
    model: IntentModel | None
    thread: ThreadContext | None = None
    gate: GateRules | None = None  # None: no relevance gate (every mail is customer mail)
    relations: Relations = dataclasses.field(default_factory=NoRelations)
    received_at: datetime | None = None  # when the mail arrived (INTERNALDATE, else Date)
    history_cutoff: datetime | None = None  # mail received before it is history


Stage = Callable[[InboundMail, TriageEnv, Triage], Triage]


def _autoreply(mail: InboundMail, env: TriageEnv, triage: Triage) -> Triage:
    if mail.auto_reply is AutoReplyKind.NONE:
        return triage
    return dataclasses.replace(
        triage,
        disposition=Disposition.NO_REPLY,
        reasons=(*triage.reasons, f"{mail.auto_reply.value}: {mail.auto_reply_reason}"),
    )


def _history(mail: InboundMail, env: TriageEnv, triage: Triage) -> Triage:
    cutoff, received = env.history_cutoff, env.received_at
    if cutoff is None or received is None or received >= cutoff:
        return triage
    if triage.disposition is not Disposition.PROCESS:
        return triage  # machine-generated stays NO_REPLY: that is the stronger reason
    why = f"history: received {received:%Y-%m-%d}, before the cut-off {cutoff:%Y-%m-%d %H:%M} UTC"
    return dataclasses.replace(
        triage, disposition=Disposition.HISTORY, reasons=(*triage.reasons, why)
    )


def _language(mail: InboundMail, env: TriageEnv, triage: Triage) -> Triage:
    return dataclasses.replace(triage, language=language.run(mail))


def _classify(mail: InboundMail, env: TriageEnv, triage: Triage) -> Triage:
    if mail.auto_reply is not AutoReplyKind.NONE:
        result = Classification(
            intent=Intent.OTHER,
            confidence=1.0,
            rule_id=None,
            decided_by="autoreply",
            reasons=(f"machine-generated ({mail.auto_reply.value}): {mail.auto_reply_reason}",),
        )
    else:
        result = review.run(
            classify.run(mail, env.ruleset, env.model, env.thread), env.ruleset.review
        )
    return dataclasses.replace(triage, classification=result)


def _link(mail: InboundMail, env: TriageEnv, triage: Triage) -> Triage:
    intent = triage.classification.intent if triage.classification else None
    result = link.run(
        mail,
        env.directory,
        env.thread,
        intent=intent,
        free_mail_domains=env.ctx.free_mail_domains,
        own_domains=env.ctx.own_domains,
    )
    return dataclasses.replace(triage, link=result)


def _gate(mail: InboundMail, env: TriageEnv, triage: Triage) -> Triage:
    if env.gate is None:
        return triage
    result = gate.run(
        mail,
        env.gate,
        env.directory,
        env.relations,
        triage.link,
        env.thread,
        own_domains=env.ctx.own_domains,
        free_mail_domains=env.ctx.free_mail_domains,
    )
    decision = result.decision
    disposition = disposition_for(triage.disposition, decision.relevance, result.fraud)
    reasons = list(triage.reasons)
    if disposition is not triage.disposition:
        reasons.append(f"{disposition.value}: {decision.reasons[0]}")
    return dataclasses.replace(
        triage,
        disposition=disposition,
        relevance=decision,
        fraud=result.fraud,
        reasons=tuple(reasons),
    )


STAGES: tuple[tuple[str, Stage], ...] = (
    ("autoreply", _autoreply),  # RFC 3834 / OOO / DSN / list -> NO_REPLY, never drafted
    ("history", _history),  # older than the history cut-off -> HISTORY: filed, not drafted
    ("language", _language),  # language of the new text (quoted history removed)
    ("classify", _classify),  # rules + model (+ thread prior) -> intent, secondary, review
    ("link", _link),  # customer + order filing with reasons
    ("gate", _gate),  # relevance (customer/bulk/spam/...) and fraud warnings -> disposition
)


def run(mail: InboundMail, env: TriageEnv) -> Triage:
    """Run every stage in order and return the combined decision."""
    triage = Triage(disposition=Disposition.PROCESS)
    began = time.perf_counter()
    for name, stage in STAGES:
        started = time.perf_counter()
        triage = stage(mail, env, triage)
        log.debug(
            "%s stage %s took %.1f ms", mail.message_id, name, (time.perf_counter() - started) * 1e3
        )
    c, lk = triage.classification, triage.link
    audit.info(
        "%s triaged: lang=%s intent=%s by %s (%s) customer=%s via %s relevance=%s fraud=%s",
        mail.message_id,
        triage.language.lang if triage.language else "-",
        c.intent.value if c else "-",
        c.decided_by if c else "-",
        c.rule_id if c and c.rule_id else "no rule",
        lk.customer_id if lk else None,
        lk.method.value if lk else "-",
        triage.relevance.relevance.value if triage.relevance else "-",
        ",".join(f.kind for f in triage.fraud) or "-",
        extra={
            "stage": "triage",
            "duration_s": round(time.perf_counter() - began, 4),
            **message_fields(mail.message_id),
        },
    )
    return triage
