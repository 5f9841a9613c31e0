"""The gate stage: relevance disposition and fraud warnings for one mail.

Runs after filing (it needs the link and the thread). Auto-replies and bounces are
``notification``; our own mail is always ``customer`` correspondence. Mail the gate does
not call ``customer`` is ``filtered`` (stored, shown, never drafted, no prospect, no SLA
clock); customer mail announcing a bank change is held (``hold``) until a supervisor
acknowledges the warning (other fraud warnings are shown in red and block automatic
sending, but do not hold the mail). Machine-generated mail keeps its ``no_reply``
disposition. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailagent.context import Directory, ThreadContext
from mailagent.records import (
    AutoReplyKind,
    FraudFlag,
    InboundMail,
    Link,
    Relevance,
    RelevanceDecision,
)
from mailagent.triage.rules.relevance import GateRules
from mailagent.triage.stages import fraud, relevance
from mailagent.triage.stages.gate_view import GateView
from mailagent.triage.stages.relations import Relations, relationship

__all__ = ["GateResult", "run"]


@dataclass(frozen=True, slots=True)
class GateResult:
    decision: RelevanceDecision
    fraud: tuple[FraudFlag, ...]


def run(
    mail: InboundMail,
    rules: GateRules,
    directory: Directory,
    relations: Relations,
    link: Link | None,
    thread: ThreadContext | None,
    *,
    own_domains: tuple[str, ...],
    free_mail_domains: frozenset[str],
) -> GateResult:
    if mail.auto_reply in (AutoReplyKind.AUTO_REPLY, AutoReplyKind.BOUNCE):
        why = f"notification: machine-generated ({mail.auto_reply.value}: {mail.auto_reply_reason})"
        decision = RelevanceDecision(Relevance.NOTIFICATION, (), ("autoreply",), (why,))
        return GateResult(decision, ())
    sender = mail.from_.domain if mail.from_ else ""
    if sender and any(sender == d or sender.endswith("." + d) for d in own_domains):
        decision = RelevanceDecision(
            Relevance.CUSTOMER, (), (), (f"customer: our own mail ({sender})",), known=True
        )
        return GateResult(decision, ())
    rel = relationship(mail, link, directory, relations, thread)
    flags = fraud.run(mail, rules.fraud, directory, relations, rel, free_mail_domains)
    return GateResult(relevance.decide(GateView(mail), rules, rel, flags), flags)
