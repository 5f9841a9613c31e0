"""Draft stage: decide whether a stored message needs a reply and plan it.

Pure: facts in (the message, its customer and order, the price list, the template catalogue,
the settings and ``now``), a :class:`DraftPlan` out; ``drafting.py`` renders it and stores
the drafts. Never drafts for machine mail (NO_REPLY, auto-replies), our own outgoing mail or
intent ``other``. The plan says which template (intent and language, with the fallback
reason), the reply subject ("Re:" kept once, our reference token added), the recipients
(Reply-To else From; the other To/Cc kept in Cc minus our own addresses), In-Reply-To and
References, the quote lines for inquiries and orders, and for complaints also a relay to
the Quality address. Every choice adds a human-readable note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailagent.context import CustomerInfo
from mailagent.drafts.pricing import PriceList, QuoteLine, quote_lines
from mailagent.drafts.templating import ReplyContext, TemplateCatalog, choose_template
from mailagent.drafts.variables import (
    DraftEnv,
    MessageFacts,
    OrderFacts,
    build_variables,
    reply_subject,
)
from mailagent.errors import ConfigError
from mailagent.parse.threadkeys import extract_tokens
from mailagent.records import Address, AutoReplyKind, Disposition, Intent

__all__ = [
    "NAME",
    "DraftEnv",
    "DraftPlan",
    "MessageFacts",
    "OrderFacts",
    "PlannedDraft",
    "reply_language",
    "run",
    "skip_reason",
]

NAME = "draft"

_TOKEN = re.compile(r"^[A-Z]{2,6}(?:-[A-Z]?\d{2,6}){1,3}$")
_LETTER = {"inquiry": "Q", "order": "O", "complaint": "C", "payment": "P", "payment_overdue": "P"}
_PAID = re.compile(
    r"\b(?:paid|remitted|remittance|transferred|wired|bank ?slip|swift|mt ?103|tt copy"
    r"|payment (?:advice|confirmation)|überwiesen|überweisung|zahlungsavis|pagado|pagamos"
    r"|transferencia|comprobante|pago realizado)\b|付款|汇款|匯款|水单|水單|已付|已汇",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PlannedDraft:
    kind: str  # reply | relay
    context: ReplyContext
    from_: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    quote: tuple[QuoteLine, ...] = ()
    auto_send: bool = False


@dataclass(frozen=True, slots=True)
class DraftPlan:
    reference: str
    drafts: tuple[PlannedDraft, ...]
    reasons: tuple[str, ...]


def skip_reason(msg: MessageFacts, env: DraftEnv) -> str | None:
    """Why no draft is made for ``msg``; None when one is needed."""
    if msg.disposition is not Disposition.PROCESS:
        return f"no reply: disposition {msg.disposition.value}"
    if msg.auto_reply is not AutoReplyKind.NONE:
        return f"no reply: machine-generated ({msg.auto_reply.value})"
    if msg.direction != "inbound":
        return "no reply: our own outgoing mail"
    if msg.intent is None or msg.intent is Intent.OTHER:
        return "no reply: intent other (nothing to answer with a template)"
    to = msg.reply_to or ((msg.from_,) if msg.from_ else ())
    if not to:
        return "no reply: no From or Reply-To address"
    if all(_is_own(a, env) for a in to):
        return "no reply: the reply address is one of our own"
    return None


def _is_own(a: Address, env: DraftEnv) -> bool:
    d = a.domain
    own_domain = any(d == o or d.endswith("." + o) for o in env.own_domains)
    return own_domain or a.email.lower() in env.own_addresses


def reply_language(msg: MessageFacts, customer: CustomerInfo | None) -> tuple[str, str]:
    """The language to answer in, and why: the contact's explicit preference, else the
    language the mail is written in, else (detection abstained) the customer record."""
    if msg.contact_language:
        return msg.contact_language, f"language {msg.contact_language}: the contact's preference"
    detected = (msg.language or "").strip()
    if detected and detected != "unknown":
        return detected, f"language {detected}: the language the customer wrote in"
    if customer and customer.language:
        why = "detection abstained, so the customer record's language"
        return customer.language, f"language {customer.language}: {why}"
    return "en", "language en: detection abstained and the customer record has none"


def _token(
    msg: MessageFacts, order: OrderFacts | None, kind: str, env: DraftEnv, now: datetime
) -> tuple[str, str]:
    """Our reference token for the subject, and why it was chosen."""
    found = extract_tokens(msg.subject)
    if found:
        return found[0], f"reference {found[0]} from the subject"
    if msg.thread_token:
        return msg.thread_token, f"reference {msg.thread_token} of the thread"
    if order and _TOKEN.match(order.order_no.upper()):
        return order.order_no.upper(), f"reference: order number {order.order_no}"
    serial = msg.thread_id or msg.message_pk
    token = f"{env.settings.reference_prefix}-{_LETTER[kind]}{now.year}-{serial:04d}"
    return token, f"new reference {token}"


def _kind(msg: MessageFacts, order: OrderFacts | None, now: datetime) -> tuple[str, str]:
    assert msg.intent is not None
    kind = msg.intent.value
    if msg.intent is Intent.PAYMENT and order is not None and order.due_date is not None:
        open_amount = order.amount - order.paid_amount
        overdue = (now.date() - order.due_date).days
        if open_amount > 0 and overdue > 0 and not _PAID.search(msg.new_text):
            why = f"payment reminder: {order.order_no} open {order.currency} {open_amount}, "
            return "payment_overdue", why + f"{overdue} days past due {order.due_date}"
    return kind, f"template for intent {kind}"


def run(
    msg: MessageFacts,
    customer: CustomerInfo | None,
    order: OrderFacts | None,
    price_list: PriceList | None,
    templates: TemplateCatalog,
    env: DraftEnv,
    now: datetime,
) -> DraftPlan | None:
    """The drafts ``msg`` needs (reply, plus a Quality relay for complaints), or None.

    Raises ConfigError when the intent has no template at all (not even English).
    """
    if skip_reason(msg, env) is not None:
        return None
    kind, why_kind = _kind(msg, order, now)
    wanted, lang_why = reply_language(msg, customer)
    choice = choose_template(templates, kind, wanted)
    if choice is None:
        raise ConfigError(f"no template for {kind} (neither in {wanted} nor in en)")
    if choice.reason:
        lang_why += (
            f"; note for the approver: no {wanted} template, the draft is in English: translate "
            f"or check it / 审核提示：没有 {wanted} 模板，草稿为英文，请翻译或确认"
        )
    token, token_why = _token(msg, order, kind, env, now)
    lines = (
        tuple(quote_lines(f"{msg.subject}\n{msg.new_text}", price_list))
        if kind in ("inquiry", "order")
        else ()
    )
    variables = build_variables(
        msg, customer, order, lines, env, now, token, lang=choice.lang, kind=kind
    )
    to = msg.reply_to or ((msg.from_,) if msg.from_ else ())
    seen = {a.email.lower() for a in to}
    cc: list[Address] = []
    for a in (*msg.to, *msg.cc):
        if not _is_own(a, env) and a.email.lower() not in seen:
            seen.add(a.email.lower())
            cc.append(a)
    refs = list(msg.references)
    if msg.in_reply_to and msg.in_reply_to not in refs:
        refs.append(msg.in_reply_to)
    notes = [why_kind, lang_why, *([choice.reason] if choice.reason else []), token_why]
    notes += variables["draft_notes"]
    notes.append("reply to Reply-To" if msg.reply_to else "reply to the sender")
    notes += [f"line {i}: {ln.reason}" for i, ln in enumerate(lines, start=1) if not ln.priced]
    reply = PlannedDraft(
        kind="reply",
        context=ReplyContext(kind, choice.lang, reply_subject(msg.subject, token), variables),
        from_=env.from_address,
        to=tuple(to),
        cc=tuple(cc),
        in_reply_to=msg.message_id,
        references=(*refs[-19:], msg.message_id),
        notes=tuple(notes),
        quote=lines,
    )
    planned = [reply]
    reasons = [f"draft {kind} in {choice.lang}"]
    if msg.intent is Intent.COMPLAINT:
        relay, why = _relay(msg, variables, templates, env, token)
        planned += [relay] if relay else []
        reasons.append(why)
    return DraftPlan(token, tuple(planned), tuple(reasons))


def _relay(
    msg: MessageFacts,
    variables: dict[str, Any],
    templates: TemplateCatalog,
    env: DraftEnv,
    token: str,
) -> tuple[PlannedDraft | None, str]:
    if not env.quality_address:
        return None, "no team.quality_address: complaint not relayed"
    choice = choose_template(templates, "internal/complaint_relay", env.team_language)
    if choice is None:
        return None, "no internal/complaint_relay template: complaint not relayed"
    sp = variables["salesperson"]
    cc = (Address(sp["name"], sp["email"]),) if sp["email"] else ()
    notes = ["complaint relay to Quality", *([choice.reason] if choice.reason else [])]
    if msg.translated_text is None:
        notes.append("translation pending: the relay shows the original text")
    subject = f"[Complaint] [{token}] {msg.subject}"
    context = ReplyContext("internal/complaint_relay", choice.lang, subject, variables)
    relay = PlannedDraft(
        kind="relay",
        context=context,
        from_=env.from_address,
        to=(Address("", env.quality_address),),
        cc=tuple(a for a in cc if a.email.lower() != env.quality_address.lower()),
        notes=tuple(notes),
        auto_send=env.settings.auto_relay_complaints,
    )
    return relay, f"complaint relayed to Quality ({env.quality_address})"
