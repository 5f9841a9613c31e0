"""Classify stage: combine rule hits, the intent model and the thread into one intent.

Scores are log-linear: per intent, ln(model probability) + the weights of the rules that
hit for it + a small prior when the thread's last message had that intent; a softmax gives
the final ``scores``. Without a model the rules decide alone (highest priority first). A
rule with priority >= :data:`DECISIVE_PRIORITY` decides outright. A winner without any rule
support and below :data:`MIN_CONFIDENCE` becomes OTHER ("fallback"). Machine-generated mail
(auto-replies, bounces, lists) is OTHER, decided by "autoreply", and never evaluated.
The thread prior only breaks near-ties: it is not applied against a mail's own strong
evidence (a rule of weight >= :data:`STRONG_EVIDENCE` for another intent while no rule
supports the thread's intent), so a bank slip in an order thread stays a payment.
The model reads Chinese text with traditional characters mapped to simplified, as the rules
do (its corpus is simplified); Japanese text (with kana) is left as written.
Rules and model read the new text without its greeting and sign-off
(:func:`~mailagent.triage.courtesy.strip_courtesy`): "Dear Customer Support," is not a
request to talk to a person. Every decision carries ``decided_by``, the deciding
``rule_id`` and readable ``reasons``.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

from mailagent.context import ThreadContext
from mailagent.records import AutoReplyKind, Classification, InboundMail, Intent
from mailagent.triage.courtesy import strip_courtesy
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.match import to_simplified
from mailagent.triage.rules.ruleset import RuleHit, Ruleset

__all__ = [
    "DECISIVE_PRIORITY",
    "MIN_CONFIDENCE",
    "NAME",
    "STRONG_EVIDENCE",
    "THREAD_PRIOR",
    "combine",
    "run",
]

NAME = "classify"
MIN_CONFIDENCE = 0.45  # a model-only winner below this becomes OTHER
THREAD_PRIOR = 0.7  # nats added to the thread's last intent (odds x2)
DECISIVE_PRIORITY = 100  # rules at or above this priority override the model
STRONG_EVIDENCE = 2.0  # a rule hit this heavy is the mail's own evidence, beyond a thread prior
_FLOOR = 1e-6  # smallest model probability used in ln()
_INTENTS = tuple(Intent)
_KANA = re.compile(r"[\u3040-\u30ff]")


def run(
    mail: InboundMail,
    ruleset: Ruleset,
    model: IntentModel | None,
    thread: ThreadContext | None = None,
) -> Classification:
    """Classify ``mail``: rules + model + thread prior, with the reasons."""
    if mail.auto_reply is not AutoReplyKind.NONE:
        why = mail.auto_reply_reason or "machine-generated"
        return Classification(
            Intent.OTHER, 1.0, None, "autoreply", (f"{mail.auto_reply.value}: {why}",)
        )
    core = strip_courtesy(mail.new_text)
    hits = ruleset.evaluate(mail if core == mail.new_text else replace(mail, new_text=core))
    probabilities = (
        model.predict_text(_chinese_simplified(mail.subject), _chinese_simplified(core))
        if model is not None
        else None
    )
    return combine(hits, probabilities, thread)


def combine(
    hits: Sequence[RuleHit],
    probabilities: Sequence[tuple[Intent, float]] | None,
    thread: ThreadContext | None = None,
) -> Classification:
    """The decision from rule hits, model probabilities (or None) and the thread."""
    reasons = [f"rule {h.rule_id}: {h.reason}" for h in hits]
    decisive = [h for h in hits if h.priority >= DECISIVE_PRIORITY]
    if decisive:
        top = decisive[0]
        return Classification(top.intent, 1.0, top.rule_id, "rule", tuple(reasons))
    prior = _thread_prior(thread)
    if prior is not None:
        reasons.append(f"thread: previous message was {prior.value}")
        strong = _strong_other_evidence(hits, prior)
        if strong is not None:
            reasons.append(
                f"thread prior not applied: rule {strong.rule_id} is strong evidence for "
                f"{strong.intent.value}"
            )
            prior = None
    if probabilities is None:
        return _rules_only(hits, prior, reasons)
    model = dict(probabilities)
    best_model = max(model, key=lambda i: model[i])
    reasons.append(f"model: {best_model.value} {model[best_model]:.2f}")
    rule_weight = {i: sum(h.weight for h in hits if h.intent is i) for i in _INTENTS}
    base = {i: math.log(max(model.get(i, 0.0), _FLOOR)) + rule_weight[i] for i in _INTENTS}
    final = dict(base)
    if prior is not None:
        final[prior] += THREAD_PRIOR
    scores = _softmax(final)
    winner = max(scores, key=lambda i: scores[i])
    confidence = scores[winner]
    supporting = [h for h in hits if h.intent is winner]
    if not supporting and confidence < MIN_CONFIDENCE:
        reasons.append(
            f"no rule matched and model confidence {confidence:.2f} < {MIN_CONFIDENCE:.2f}"
        )
        return Classification(
            Intent.OTHER, round(confidence, 4), None, "fallback", tuple(reasons), _ranked(scores)
        )
    if winner is not max(base, key=lambda i: base[i]):
        decided_by = "thread"
    elif not supporting:
        decided_by = "model"
    elif winner is best_model:
        decided_by = "rule+model"
    else:
        decided_by = "rule"
    rule_id = supporting[0].rule_id if supporting else None
    return Classification(
        winner, round(confidence, 4), rule_id, decided_by, tuple(reasons), _ranked(scores)
    )


def _rules_only(
    hits: Sequence[RuleHit], prior: Intent | None, reasons: list[str]
) -> Classification:
    """No model loaded: the highest-priority hit decides; otherwise thread, else OTHER."""
    if not hits:
        if prior is not None:
            return Classification(prior, 0.5, None, "thread", tuple(reasons))
        reasons.append("no rule matched and no model loaded")
        return Classification(Intent.OTHER, 0.0, None, "fallback", tuple(reasons))
    weight = {i: sum(h.weight for h in hits if h.intent is i) for i in _INTENTS}
    if prior is not None:
        weight[prior] += THREAD_PRIOR
    top_priority = hits[0].priority
    contenders = {h.intent for h in hits if h.priority == top_priority}
    winner = max(contenders, key=lambda i: weight[i])
    scores = _softmax(weight)
    deciding = next(h for h in hits if h.intent is winner)
    return Classification(
        winner, round(scores[winner], 4), deciding.rule_id, "rule", tuple(reasons), _ranked(scores)
    )


def _chinese_simplified(text: str) -> str:
    """Traditional Chinese as simplified for the model; Japanese (kana) text is left as is."""
    return text if _KANA.search(text) else to_simplified(text)


def _strong_other_evidence(hits: Sequence[RuleHit], prior: Intent) -> RuleHit | None:
    """The heaviest strong hit for another intent, if no rule supports ``prior``."""
    if any(h.intent is prior for h in hits):
        return None
    strong = [h for h in hits if h.intent is not prior and h.weight >= STRONG_EVIDENCE]
    return max(strong, key=lambda h: h.weight) if strong else None


def _thread_prior(thread: ThreadContext | None) -> Intent | None:
    if thread is None:
        return None
    last = thread.last_intent or (thread.intents[-1] if thread.intents else None)
    return last if last is not None and last is not Intent.OTHER else None


def _softmax(values: dict[Intent, float]) -> dict[Intent, float]:
    top = max(values.values())
    exp = {i: math.exp(v - top) for i, v in values.items()}
    total = sum(exp.values())
    return {i: e / total for i, e in exp.items()}


def _ranked(scores: dict[Intent, float]) -> tuple[tuple[str, float], ...]:
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])
    return tuple((i.value, round(s, 4)) for i, s in ordered)
