"""Compose like a mail client: reply, reply-all, forward (with its files), or new mail.

Each creates a ``pending`` draft the salesperson writes and approves like any other. The body
starts with a ``[[...]]`` placeholder for the salesperson's own text (so an empty reply can
never be approved), then the signature of the salesperson who composes it (their
``[drafts.salespeople]`` entry; else the customer's salesperson) in the draft's language,
then the quoted original (reply) or the forwarded message. Replies keep threading
(In-Reply-To / References) and join the one-live-draft rule of the thread: an untouched
generated reply is superseded by the one a person starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.config import SalespersonSettings
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts import thread_drafts
from mailagent.drafts.prepare import draft_env, from_address, templates_for
from mailagent.drafts.recipients import parse_addresses
from mailagent.drafts.templating import base_language, choose_template
from mailagent.drafts.variables import reply_subject
from mailagent.errors import NotFound
from mailagent.records import DraftState

__all__ = ["MODES", "compose"]

MODES = ("reply", "reply_all", "forward", "new")
PLACEHOLDER = "[[YOUR TEXT / 正文]]"


@dataclass(frozen=True, slots=True)
class _Who:
    salesperson: SalespersonSettings
    lang: str


def _who(app: App, actor: str, customer: m.Customer | None, lang: str) -> _Who:
    people = app.settings.drafts.salespeople
    key = actor.strip().lower()
    own = customer.salesperson.strip().lower() if customer and customer.salesperson else ""
    sp = next((p for p in people if p.email.lower() == key), None)
    sp = sp or next((p for p in people if p.email.lower() == own), None)
    return _Who(sp or SalespersonSettings(email=key if "@" in key else "", name=""), lang)


def _signature(app: App, who: _Who) -> str:
    templates = templates_for(app.settings)
    choice = choose_template(templates.catalog, "_base/signature", who.lang)
    if choice is None:
        return ""
    s = app.settings.drafts
    sp = who.salesperson
    return templates.env.get_template(choice.name).render(
        salesperson={
            "name": sp.name,
            "name_local": sp.name_local,
            "title": sp.title,
            "email": sp.email,
            "phone": sp.phone,
        },
        company={
            "name": s.company_name,
            "address": s.company_address,
            "phone": s.company_phone,
            "website": s.company_website,
        },
        lang=who.lang,
    )


def _quoted(row: m.Message) -> str:
    when = f"{row.received_at:%Y-%m-%d %H:%M}"
    who = f"{row.from_name} <{row.from_email}>" if row.from_name else row.from_email
    lines = (row.new_text or row.text or "").strip().splitlines()[:200]
    return f"{when}, {who}:\n" + "\n".join(f"> {ln}".rstrip() for ln in lines)


def _forwarded(row: m.Message) -> str:
    to = ", ".join(a.get("email", "") for a in row.to_addrs)
    head = [
        "-------- Forwarded message / 转发的邮件 --------",
        f"From: {row.from_name} <{row.from_email}>",
        f"Date: {row.received_at:%Y-%m-%d %H:%M}",
        f"Subject: {row.subject}",
        f"To: {to}",
        "",
    ]
    return "\n".join(head) + (row.text or "").strip()


def _recipients(
    session: Session, app: App, row: m.Message, mode: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    env = draft_env(app.settings)
    own = set(env.own_addresses)

    def is_own(addr: str) -> bool:
        domain = addr.rpartition("@")[2].lower()
        return addr.lower() in own or any(domain == d for d in env.own_domains)

    first = row.reply_to or [{"name": row.from_name, "email": row.from_email}]
    to = [a for a in first if a.get("email")]
    if mode != "reply_all":
        return to, []
    seen = {a["email"].lower() for a in to}
    cc = []
    for a in (*row.to_addrs, *row.cc_addrs):
        addr = a.get("email", "")
        if addr and addr.lower() not in seen and not is_own(addr):
            seen.add(addr.lower())
            cc.append({"name": a.get("name", ""), "email": addr})
    return to, cc


def compose(app: App, mode: str, actor: str, *, message_pk: int | None = None, to: str = "") -> int:
    """Create a draft for ``mode`` (reply, reply_all, forward on ``message_pk``; new to ``to``)."""
    if mode not in MODES:
        raise ValueError(f"unknown compose mode {mode!r}: {', '.join(MODES)}")
    now = app.clock()
    with app.sessions() as session, session.begin():
        row = session.get(m.Message, message_pk) if message_pk is not None else None
        if mode != "new" and row is None:
            raise NotFound(f"no message with id {message_pk}")
        customer_id = row.customer_id if row is not None else None
        recipients = parse_addresses(to, "To") if to else []
        if mode == "new" and recipients:
            addr = recipients[0]["email"].lower()
            contact = session.query(m.Contact).filter_by(email=addr).first()
            domain = session.query(m.CustomerDomain).filter_by(domain=addr.rpartition("@")[2])
            by_domain = domain.first()
            customer_id = (
                contact.customer_id if contact else by_domain.customer_id if by_domain else None
            )
        customer = session.get(m.Customer, customer_id) if customer_id else None
        lang = base_language(
            (row.language if row else "") or (customer.language if customer else "") or "en"
        )
        lang = lang if lang != "unknown" else "en"
        who = _who(app, actor, customer, lang)
        signature = _signature(app, who)
        d = m.Draft(
            message_pk=row.id if row is not None and mode != "new" else None,
            thread_id=row.thread_id if row is not None and mode != "forward" else None,
            customer_id=customer_id,
            order_id=row.order_id if row is not None else None,
            kind="reply" if mode in ("reply", "reply_all") else "compose",
            intent=(row.intent or "other") if row is not None else "other",
            language=lang,
            template=f"compose/{mode}",
            status=DraftState.PENDING,
            version=1,
            from_addr=from_address(app.settings),
            from_name=who.salesperson.name or app.settings.drafts.company_name,
            references=[],
            notes=[f"composed by {actor} ({mode.replace('_', '-')})"],
            created_at=now,
            created_by=actor,
            updated_at=now,
        )
        body = [PLACEHOLDER, "", signature.rstrip()]
        if mode in ("reply", "reply_all") and row is not None:
            d.to_addrs, d.cc_addrs = _recipients(session, app, row, mode)
            thread = session.get(m.Thread, row.thread_id) if row.thread_id else None
            d.subject = reply_subject(row.subject, thread.token if thread and thread.token else "")
            d.in_reply_to = row.message_id
            d.references = [*list(row.references or [])[-19:], row.message_id]
            body += ["", _quoted(row)]
        elif mode == "forward" and row is not None:
            d.to_addrs, d.subject = recipients, f"Fwd: {row.subject}"
            body += ["", _forwarded(row)]
        else:
            d.to_addrs, d.subject = recipients, ""
        d.body = "\n".join(body).strip() + "\n"
        q.add_draft(session, d, now, actor, f"composed ({mode})", mode=mode)
        if mode == "forward" and row is not None:
            for a in row.attachments:
                if a.stored:
                    session.add(
                        m.DraftAttachment(
                            draft_id=d.id, filename=a.filename, content_type=a.content_type,
                            size=a.size, sha256=a.sha256, source=f"thread:{row.id}",
                            created_at=now, created_by=actor,
                        )
                    )  # fmt: skip
        if d.kind == "reply" and row is not None:
            thread_drafts.after_new_draft(session, row, d.id, [row.id], (), now)
        return d.id
