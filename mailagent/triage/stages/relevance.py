"""The relevance gate: customer, notification, bulk, solicitation, spam or phishing.

Score-based, in the manner of SpamAssassin and rspamd: every rule of
``rules/relevance.toml`` that hits adds its score to its category, fraud warnings from a
sender we do not know add to ``phishing``, and relationship credits (a customer's contact or
domain, our own mail in the thread, an address we wrote to, one of our order numbers) are
subtracted from every category. For a known correspondent only header evidence counts (the
upstream filter's verdict, failed authentication, bulk/list headers): content and structure
never junk a customer. The first category at or over its threshold in the order phishing,
spam, then the highest of notification/bulk/solicitation decides (relative to its threshold);
junk evidence of several kinds that together reach the ``junk`` threshold goes to the
strongest of spam/bulk/solicitation/notification/phishing; otherwise the mail is ``customer``.
Every hit is a recorded reason. Pure.
"""

from __future__ import annotations

from mailagent.records import FraudFlag, Relevance, RelevanceDecision
from mailagent.triage.rules.relevance import CATEGORIES, GateRule, GateRules
from mailagent.triage.stages.fraud import PHISHING_KINDS
from mailagent.triage.stages.gate_view import GateView, structure
from mailagent.triage.stages.relations import Relationship

__all__ = ["FRAUD_SCORE", "FRAUD_SCORES", "decide", "evaluate"]

FRAUD_SCORE = 6.0  # a phishing-kind fraud flag (impersonation) is phishing on its own
FRAUD_SCORES = {"dangerous_attachment": 3.0, "reply_to_domain": 1.0}  # evidence, not proof
_HEADER_EVIDENCE = ("verdict", "auth", "header")


def _hit(rule: GateRule, view: GateView) -> str | None:
    parts: list[str] = []
    if rule.header is not None:
        values = view.headers.get(rule.header.lower())
        if not values:
            return None
        if rule.matches is not None:
            found = next((m for v in values if (m := rule.matches.search(v))), None)
            if found is None:
                return None
            parts.append(f"{rule.header}: {found.group(0)[:60]!r}")
        else:
            parts.append(f"has {rule.header}")
    for pattern, value, label in (
        (rule.subject, view.mail.subject, "subject"),
        (rule.from_, view.sender, "sender"),
        (rule.from_name, view.sender_name, "sender name"),
    ):
        if pattern is not None:
            found = pattern.search(value)
            if found is None:
                return None
            parts.append(f"{label} {found.group(0)[:60]!r}")
    if rule.body is not None:
        found_all = view.distinct(rule.body, rule.body_lower)
        if len(found_all) < rule.min_hits:
            return None
        parts.append("text " + ", ".join(repr(x) for x in sorted(found_all)[:4]))
    if rule.check is not None:
        reason = structure(view, rule.check)
        if reason is None:
            return None
        parts.append(reason)
    return "; ".join(parts)


def evaluate(view: GateView, rules: GateRules, known: bool) -> list[tuple[GateRule, str]]:
    """The rules that hit (content and structure rules are skipped for a known sender)."""
    out = []
    for rule in rules.rules:
        if known and rule.evidence not in _HEADER_EVIDENCE:
            continue
        reason = _hit(rule, view)
        if reason is not None:
            out.append((rule, reason))
    return out


def decide(
    view: GateView,
    rules: GateRules,
    rel: Relationship,
    fraud: tuple[FraudFlag, ...],
) -> RelevanceDecision:
    """The gate's decision for one mail, with every reason that led to it."""
    scores = dict.fromkeys(CATEGORIES, 0.0)
    rule_ids: list[str] = []
    reasons: list[str] = []
    if rel.known and any(f.kind in PHISHING_KINDS for f in fraud):
        reasons.append("relationship ignored: the sender impersonates a customer or contact")
        rel = Relationship(())  # a forged identity earns no credit (not even an order number)
    for rule, why in evaluate(view, rules, rel.known):
        scores[rule.category] += rule.score
        rule_ids.append(rule.id)
        reasons.append(f"{rule.category} {rule.score:+.1f} {rule.id}: {why}")
    for kind in dict.fromkeys(f.kind for f in fraud):
        score = FRAUD_SCORE if kind in PHISHING_KINDS else FRAUD_SCORES.get(kind, 0.0)
        if score:
            why = next(f.reason for f in fraud if f.kind == kind)
            scores["phishing"] += score
            reasons.append(f"phishing {score:+.1f} fraud.{kind}: {why}")
            rule_ids.append(f"fraud.{kind}")
    credit = 0.0
    for name, why in rel.credits:
        value = rules.relationship[name]
        credit += value
        rule_ids.append(f"relationship.{name}")
        reasons.append(f"relationship -{value:.1f} {name}: {why}")
    if credit:
        scores = {k: v - credit for k, v in scores.items()}
    relevance = _choose(scores, rules.thresholds)
    summary = (
        "customer: no junk category reached its threshold"
        if relevance is Relevance.CUSTOMER
        else f"{relevance.value}: score {scores[relevance.value]:.1f} "
        f">= {rules.thresholds[relevance.value]:.1f}"
    )
    return RelevanceDecision(
        relevance=relevance,
        scores=tuple((k, round(v, 2)) for k, v in scores.items()),
        rule_ids=tuple(rule_ids),
        reasons=(summary, *reasons),
        known=rel.known,
    )


def _choose(scores: dict[str, float], thresholds: dict[str, float]) -> Relevance:
    for category in ("phishing", "spam"):
        if scores[category] >= thresholds[category]:
            return Relevance(category)
    over = [
        (scores[c] / thresholds[c], c)
        for c in ("notification", "bulk", "solicitation")
        if scores[c] >= thresholds[c]
    ]
    if over:
        return Relevance(max(over)[1])
    junk = ("spam", "bulk", "solicitation", "notification", "phishing")
    if sum(max(scores[c], 0.0) for c in junk) >= thresholds["junk"]:
        return Relevance(max(junk, key=lambda c: scores[c]))  # evidence of several kinds
    return Relevance.CUSTOMER
