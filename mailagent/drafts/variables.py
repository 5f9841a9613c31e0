"""Draft stage helpers: the facts records and the variables every template receives.

Pure. :class:`MessageFacts`, :class:`OrderFacts` and :class:`DraftEnv` are what
:mod:`mailagent.stages.draft` decides on; :func:`build_variables` turns them into the dict a
reply or relay template renders (all keys always present, because templates are rendered
with ``StrictUndefined``); :func:`reply_subject` and :func:`contact_names` are the small text
rules for the subject line and the greeting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailagent.config import DraftSettings, SalespersonSettings
from mailagent.context import CustomerInfo
from mailagent.drafts.asks import AskRules, describe, extract
from mailagent.drafts.pricing import QuoteLine, summarize
from mailagent.drafts.promises import Calendars, promises
from mailagent.drafts.templating import base_language
from mailagent.drafts.terms import payment_terms
from mailagent.records import Address, AutoReplyKind, Disposition, Intent

__all__ = [
    "DraftEnv",
    "MessageFacts",
    "OrderFacts",
    "build_variables",
    "contact_names",
    "reply_subject",
]

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|antw|odp|r|res|回复|答复|回覆)\s*(?:\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE
)
_TITLES = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|herr|frau|sr|sra|srta|don|doña|ing|dipl\.?-ing)\.?\s+", re.I
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def reply_subject(original: str, token: str) -> str:
    """``Re: [TOKEN] subject``: one reply prefix, the token once, the rest unchanged."""
    rest = _REPLY_PREFIX.sub("", original or "").strip()
    lead = re.match(rf"\[\s*{re.escape(token)}\s*\]\s*", rest) if token else None
    if lead:  # "[TOKEN] RE: subject" -> "[TOKEN] subject"
        rest = f"{lead.group(0).strip()} {_REPLY_PREFIX.sub('', rest[lead.end() :])}".strip()
    if token and f"[{token}]" not in rest.replace(" ", ""):
        rest = f"[{token}] {rest}".strip()
    return f"Re: {rest}" if rest else f"Re: [{token}]"


def contact_names(display: str) -> tuple[str, str]:
    """(full name, first name) for the greeting from a From display name; "" if unusable."""
    name = re.sub(r"\s*[(\[].*?[)\]]\s*", " ", display or "").strip().strip("'\"")
    if not name or "@" in name:
        return "", ""
    if "," in name:  # "Becker, Thomas"
        last, _, given = name.partition(",")
        name = f"{given.strip()} {last.strip()}".strip()
    name = _TITLES.sub("", name).strip()
    if _CJK.search(name):
        return name, name
    return name, name.split()[0] if name.split() else ""


@dataclass(frozen=True, slots=True)
class MessageFacts:
    message_pk: int
    message_id: str  # without angle brackets
    subject: str
    from_: Address | None
    received_at: datetime
    new_text: str
    reply_to: tuple[Address, ...] = ()
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    references: tuple[str, ...] = ()
    in_reply_to: str | None = None
    language: str | None = None
    intent: Intent | None = None
    disposition: Disposition = Disposition.PROCESS
    auto_reply: AutoReplyKind = AutoReplyKind.NONE
    direction: str = "inbound"
    translated_text: str | None = None
    attachments: tuple[str, ...] = ()
    thread_id: int | None = None
    thread_token: str | None = None
    contact_language: str = ""  # the sender contact's explicit preference, if recorded


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_no: str
    customer_po: str = ""
    pi_number: str = ""
    status: str = ""
    currency: str = "USD"
    amount: Decimal = Decimal(0)
    paid_amount: Decimal = Decimal(0)
    order_date: date | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class DraftEnv:
    """Settings the stage needs, as values."""

    settings: DraftSettings = field(default_factory=DraftSettings)
    from_address: Address | None = None
    own_domains: tuple[str, ...] = ()
    own_addresses: frozenset[str] = frozenset()
    quality_address: str = ""
    team_language: str = "zh"
    team_timezone: str = "Asia/Shanghai"
    calendars: Calendars = field(default_factory=Calendars)
    asks: AskRules | None = None


def _salesperson(customer: CustomerInfo | None, env: DraftEnv) -> SalespersonSettings:
    key = (customer.salesperson if customer else "").strip().lower()
    for sp in env.settings.salespeople:
        if key and key in (sp.email.lower(), sp.name.lower(), sp.name_local.lower()):
            return sp
    if len(env.settings.salespeople) == 1 and not key:
        return env.settings.salespeople[0]
    return SalespersonSettings(email=key if "@" in key else "", name="", title="")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def build_variables(
    msg: MessageFacts,
    customer: CustomerInfo | None,
    order: OrderFacts | None,
    lines: Sequence[QuoteLine],
    env: DraftEnv,
    now: datetime,
    token: str,
    *,
    lang: str = "en",
    kind: str = "",
) -> dict[str, Any]:
    """Everything a reply or relay template may use (all keys always present).

    ``draft_notes`` holds the reasons found on the way (asks, promised dates, terms).
    """
    s = env.settings
    sender = msg.from_ or (msg.reply_to[0] if msg.reply_to else Address("", ""))
    name, first = contact_names(sender.name)
    summary = summarize(lines)
    validity = summary.validity_days or s.quote_validity_days
    customer_zone = _zone(customer.timezone if customer else "")
    promised = promises(
        now,
        env.calendars,
        intent=kind or (msg.intent.value if msg.intent else ""),
        team_tz=env.team_timezone,
        customer_tz=customer.timezone if customer else "",
        complaint_hours=s.complaint_response_hours,
        lead_time_days=summary.lead_time_days,
    )
    asks = extract(msg.new_text, env.asks)
    terms, terms_note = payment_terms(s.payment_terms, lang)
    sp = _salesperson(customer, env)
    return {
        "reference": token,
        "now": now,
        "draft_notes": (*describe(asks), *promised.reasons, *([terms_note] if terms_note else ())),
        "asks": [
            {"kind": a.kind, "label": a.label, "sentence": a.sentence, "detail": a.detail}
            for a in asks
        ],
        "promise": promised.as_vars(),
        "customer": {
            "name": customer.name if customer else "",
            "code": customer.code if customer else "",
            "country": customer.country if customer else "",
        },
        "contact": {"name": name, "first_name": first, "email": sender.email},
        "original": {
            "subject": msg.subject,
            "date": msg.received_at.astimezone(customer_zone),
            "sender": str(sender),
            "text": msg.new_text.strip(),
            "language": msg.language or "unknown",
            "attachments": list(msg.attachments),
            "message_pk": msg.message_pk,
        },
        "translation": msg.translated_text,
        "order": _order_vars(order, now),
        "quote": {
            "lines": list(lines),
            "priced": [ln for ln in lines if ln.priced],
            "unpriced": [ln for ln in lines if not ln.priced],
            "totals": list(summary.totals),
            "lead_time_days": summary.lead_time_days,
            "validity_days": validity,
            "valid_until": now.date() + timedelta(days=validity),
            "incoterm": f"{s.default_incoterm.upper()} {s.incoterm_place}".strip(),
            "payment_terms": terms,
        },
        "complaint": {
            "hours": s.complaint_response_hours,
            "respond_by": promised.complaint_by,
            "respond_by_team": promised.complaint_by_team,
            "received_team": msg.received_at.astimezone(_zone(env.team_timezone)),
        },
        "payment": {"bank_details": s.bank_details.strip()},
        "salesperson": {
            "name": sp.name,
            "name_local": sp.name_local,
            "title": sp.title,
            "email": sp.email,
            "phone": sp.phone,
        },
        "company": {
            "name": s.company_name,
            "address": s.company_address,
            "phone": s.company_phone,
            "website": s.company_website,
        },
        "team_language": base_language(env.team_language),
    }


def _order_vars(order: OrderFacts | None, now: datetime) -> dict[str, Any] | None:
    if order is None:
        return None
    overdue = (now.date() - order.due_date).days if order.due_date else 0
    return {
        "order_no": order.order_no,
        "customer_po": order.customer_po,
        "pi_number": order.pi_number,
        "status": order.status,
        "currency": order.currency,
        "amount": order.amount,
        "paid_amount": order.paid_amount,
        "outstanding": max(Decimal(0), order.amount - order.paid_amount),
        "order_date": order.order_date,
        "due_date": order.due_date,
        "days_overdue": max(0, overdue),
    }
