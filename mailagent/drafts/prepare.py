"""Preparing drafts for a freshly stored message (the effects around the draft stage).

:func:`prepare_drafts` runs inside the ingest transaction, right after the message row is
stored: it gathers the facts (message, customer, order, thread token), runs the pure
:mod:`mailagent.stages.draft`, renders every planned draft and stores it as ``pending`` with
version 1 and an audit row. A complaint relay with ``drafts.auto_relay_complaints`` is
stored already approved (actor ``auto``) and queued for :func:`mailagent.smtp.deliver`.
Drafting never costs us the message: any failure here is logged and audited, and the
message is stored without drafts (``mailagent drafts prepare ID`` retries).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import datetime
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.config import Settings
from mailagent.context import Directory
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.db.directory import SqlDirectory
from mailagent.drafts import plan as stage
from mailagent.drafts import thread_drafts
from mailagent.drafts.asks import load_ask_rules
from mailagent.drafts.pricing import PriceList, QuoteLine, load_price_list
from mailagent.drafts.promises import Calendars, calendars_from
from mailagent.drafts.templating import Templates, render_reply
from mailagent.drafts.thread_drafts import contact_language
from mailagent.drafts.variables import DraftEnv, MessageFacts, OrderFacts
from mailagent.errors import NotFound
from mailagent.logs import message_fields
from mailagent.records import Address, AutoReplyKind, Disposition, DraftState, Intent, OutboxState
from mailagent.send.notices import from_address
from mailagent.sla.policies import load_sla_rules

__all__ = [
    "draft_env",
    "from_address",
    "message_facts",
    "prepare_drafts",
    "prepare_for_message",
    "price_list_for",
    "queue_outbox",
    "refresh_auto_relay",
    "refresh_auto_relays",
    "templates_for",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")


@functools.lru_cache(maxsize=8)
def _price_list_cached(path: str, mtime_ns: int, size: int) -> PriceList:
    return load_price_list(path)


def price_list_for(settings: Settings) -> PriceList | None:
    """The configured price list (re-read when the file changes); None if none is set."""
    path = settings.drafts.pricelist_path
    if not path:
        return None
    st = Path(path).stat()
    return _price_list_cached(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _templates_cached(directory: str) -> Templates:
    return Templates(directory)


def templates_for(settings: Settings) -> Templates:
    return _templates_cached(str(Path(settings.templates_dir).resolve()))


@functools.lru_cache(maxsize=4)
def _calendars(rules_dir: str) -> Calendars:
    return calendars_from(load_sla_rules(rules_dir))  # checked at start-up already


def draft_env(settings: Settings) -> DraftEnv:
    team = settings.team
    own = {from_address(settings), settings.smtp.username.lower()}
    own |= {mb.username.lower() for mb in settings.imap.mailboxes}
    own |= {sp.email.lower() for sp in settings.drafts.salespeople}
    sender = from_address(settings)
    return DraftEnv(
        settings=settings.drafts,
        from_address=Address("", sender) if sender else None,
        own_domains=tuple(d.lower() for d in team.own_domains),
        own_addresses=frozenset(a for a in own if "@" in a),
        quality_address=team.quality_address,
        team_language=team.language,
        team_timezone=team.timezone,
        calendars=_calendars(str(Path(settings.rules_dir).resolve())),
        asks=load_ask_rules(str(Path(settings.rules_dir).resolve())),
    )


def _addresses(items: list[Any]) -> tuple[Address, ...]:
    return tuple(Address(a.get("name", ""), a["email"]) for a in items if a.get("email"))


def message_facts(session: Session, row: m.Message, *, contact: bool = True) -> MessageFacts:
    """The stage's view of a stored message; with ``contact`` False its sender contact's
    reply language is not looked up (an earlier message merged into a reply: the merged
    facts keep the newest message's)."""
    thread = session.get(m.Thread, row.thread_id) if row.thread_id else None
    intent = Intent(row.intent) if row.intent in set(Intent) else None
    return MessageFacts(
        message_pk=row.id,
        message_id=row.message_id,
        subject=row.subject,
        from_=Address(row.from_name, row.from_email) if row.from_email else None,
        received_at=row.received_at,
        new_text=row.new_text or row.text,
        reply_to=_addresses(row.reply_to),
        to=_addresses(row.to_addrs),
        cc=_addresses(row.cc_addrs),
        references=tuple(row.references),
        in_reply_to=row.in_reply_to,
        language=row.language,
        intent=intent,
        disposition=Disposition(row.disposition),
        auto_reply=AutoReplyKind(row.auto_reply),
        direction=row.direction,
        translated_text=row.translated_text,
        attachments=tuple(a.filename for a in row.attachments),
        thread_id=row.thread_id,
        thread_token=thread.token if thread else None,
        contact_language=contact_language(session, row) if contact else "",
    )


def _earlier_facts(session: Session, row: m.Message) -> MessageFacts:
    return message_facts(session, row, contact=False)


def _order(session: Session, order_id: int | None) -> OrderFacts | None:
    o = session.get(m.Order, order_id) if order_id else None
    if o is None:
        return None
    return OrderFacts(
        order_no=o.order_no,
        customer_po=o.customer_po,
        pi_number=o.pi_number,
        status=o.status,
        currency=o.currency,
        amount=o.amount,
        paid_amount=o.paid_amount,
        order_date=o.order_date,
        due_date=o.due_date,
    )


def _line_dict(line: QuoteLine) -> dict[str, Any]:
    return {
        "code": line.code,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "currency": line.currency,
        "unit_price": str(line.unit_price) if line.unit_price is not None else None,
        "total": str(line.total) if line.total is not None else None,
        "break_qty": line.break_qty,
        "reason": line.reason,
    }


def _addr_dicts(addrs: tuple[Address, ...]) -> list[dict[str, str]]:
    return [{"name": a.name, "email": a.email} for a in addrs]


def queue_outbox(session: Session, d: m.Draft, now: datetime) -> m.Outbox:
    """Put an approved draft in the outbox with a stable Message-ID (new per version)."""
    ob = session.scalar(select(m.Outbox).where(m.Outbox.draft_id == d.id))
    if ob is None or ob.version != d.version:
        if ob is not None:
            session.delete(ob)
            session.flush()
        domain = d.from_addr.rpartition("@")[2] or "mailagent.invalid"
        mid = make_msgid(idstring=f"draft{d.id}.{d.version}", domain=domain).strip("<>")
        ob = m.Outbox(draft_id=d.id, message_id=mid, version=d.version, queued_at=now)
        session.add(ob)
    ob.state, ob.attempts, ob.next_attempt_at, ob.last_error = OutboxState.QUEUED, 0, None, None
    session.flush()
    return ob


def prepare_drafts(
    session: Session,
    app: App,
    row: m.Message,
    *,
    isolate: bool = True,
    has_drafts: bool | None = None,
    directory: Directory | None = None,
) -> list[int]:
    """Prepare the drafts ``row`` needs (none, a reply, or a reply and a Quality relay).

    Idempotent: a message that already has drafts gets no new ones. Never raises: a failure
    is logged and audited (``draft.error``) and the message stays stored without drafts.

    The triage of a claim passes what it already knows: ``has_drafts`` (from one query for
    the claim), its memoised ``directory``, and ``isolate=False`` when the whole claim runs
    inside one savepoint and is redone message by message (with ``isolate``) if anything
    raises: then a failure here propagates instead of being audited.
    """
    if has_drafts is None or has_drafts:
        existing = list(session.scalars(select(m.Draft.id).where(m.Draft.message_pk == row.id)))
        if existing:
            return existing
    now = app.clock()
    if not isolate:
        return _prepare(session, app, row, now, directory)
    try:
        with session.begin_nested():
            return _prepare(session, app, row, now, directory)
    except Exception as exc:  # drafting must never lose or quarantine the message
        log.exception("%s: drafting failed", row.message_id, extra=message_fields(row.message_id))
        with session.begin_nested():
            q.audit(session, "mailagent", "draft.error", now, row.id, error=str(exc)[:1000])
        return []


def prepare_for_message(app: App, message_pk: int) -> list[int]:
    """Prepare (or return the existing) drafts of a stored message, in its own transaction."""
    with app.sessions() as session, session.begin():
        row = session.get(m.Message, message_pk)
        if row is None:
            raise NotFound(f"no message with id {message_pk}")
        return prepare_drafts(session, app, row)


def refresh_auto_relay(session: Session, app: App, d: m.Draft, ob: m.Outbox) -> bool:
    """Re-render an untouched auto-approved relay once the translation is there.

    Only version 1 of a relay approved by ``auto`` and not yet built for sending; the new
    body is saved as version 2 ("translation added") and the outbox follows the version.
    """
    row = session.get(m.Message, d.message_pk) if d.message_pk else None
    untouched = d.kind == "relay" and d.version == 1 and d.decided_by == "auto"
    if row is None or not row.translated_text or not untouched or ob.raw_sha256 is not None:
        return False
    customer = SqlDirectory(session).customer(row.customer_id) if row.customer_id else None
    templates = templates_for(app.settings)
    plan = stage.run(
        message_facts(session, row),
        customer,
        _order(session, row.order_id),
        None,
        templates.catalog,
        draft_env(app.settings),
        d.created_at,
    )
    relay = next((p for p in plan.drafts if p.kind == "relay"), None) if plan else None
    if relay is None:
        return False
    rendered = render_reply(templates, relay.context)
    now = app.clock()
    d.version, d.body, d.subject, d.updated_at = 2, rendered.body, rendered.subject, now
    ob.version = 2
    q.add_version(session, d, now, "mailagent", "translation added")
    q.audit(
        session,
        "mailagent",
        "draft.edited",
        now,
        row.id,
        draft_id=d.id,
        version=2,
        reason="translation added",
    )
    return True


def refresh_auto_relays(app: App, draft_id: int | None = None) -> int:
    """Before sending: add the translation to untouched auto-approved relays not yet built.

    Runs :func:`refresh_auto_relay` on every such relay waiting in the outbox (or only on
    ``draft_id``), one transaction each; a relay another worker refreshed (or built) at the
    same moment is skipped. Returns how many were re-rendered.
    """
    query = (
        select(m.Outbox.id)
        .join(m.Draft, m.Draft.id == m.Outbox.draft_id)
        .where(
            m.Outbox.state.in_((OutboxState.QUEUED, OutboxState.SENDING)),
            m.Outbox.raw_sha256.is_(None),
            m.Draft.kind == "relay",
            m.Draft.version == 1,
            m.Draft.decided_by == "auto",
        )
    )
    if draft_id is not None:
        query = query.where(m.Outbox.draft_id == draft_id)
    with app.sessions() as session:
        ids = list(session.scalars(query))
    done = 0
    for outbox_id in ids:
        try:
            with app.sessions() as session, session.begin():
                ob = session.get(m.Outbox, outbox_id, with_for_update=True)
                d = session.get(m.Draft, ob.draft_id) if ob is not None else None
                if ob is not None and d is not None:
                    done += refresh_auto_relay(session, app, d, ob)
        except IntegrityError:  # another worker saved version 2 first
            log.info("relay of outbox item %d refreshed by another worker", outbox_id)
    return done


def _prepare(
    session: Session, app: App, row: m.Message, now: datetime, directory: Directory | None = None
) -> list[int]:
    env = draft_env(app.settings)
    facts = message_facts(session, row)
    reason = stage.skip_reason(facts, env)
    if reason is not None:
        log.debug("%s: %s", row.message_id, reason)
        thread_drafts.after_outbound_message(session, row, now)
        return []
    facts, answers, thread_notes, live_before = thread_drafts.unanswered(
        session, row, facts, _earlier_facts
    )
    lookup = directory if directory is not None else SqlDirectory(session)
    customer = lookup.customer(row.customer_id) if row.customer_id else None
    templates = templates_for(app.settings)
    plan = stage.run(
        facts,
        customer,
        _order(session, row.order_id),
        price_list_for(app.settings),
        templates.catalog,
        env,
        now,
    )
    if plan is None:
        return []
    thread = session.get(m.Thread, row.thread_id) if row.thread_id else None
    if thread is not None and not thread.token:
        thread.token = plan.reference  # customers' replies with the token join this thread
    ids = [  # the reply (first) is stored with what it answers: no UPDATE after the INSERT
        _store(
            session,
            app,
            row,
            planned,
            templates,
            plan.reference,
            now,
            answers=answers if i == 0 else None,
            notes=thread_notes if i == 0 else (),
        )
        for i, planned in enumerate(plan.drafts)
    ]
    thread_drafts.after_new_draft(
        session, row, ids[0], answers, thread_notes, now, preset=True, live_before=live_before
    )
    audit_log.info(
        "%s: drafts %s (%s)",
        row.message_id,
        ids,
        "; ".join(plan.reasons),
        extra={"stage": "drafts", **message_fields(row.message_id)},
    )
    return ids


def _store(
    session: Session,
    app: App,
    row: m.Message,
    planned: stage.PlannedDraft,
    templates: Templates,
    reference: str,
    now: datetime,
    *,
    answers: Sequence[int] | None = None,
    notes: Sequence[str] = (),
) -> int:
    rendered = render_reply(templates, planned.context)
    sp = planned.context.variables["salesperson"]
    company = app.settings.drafts.company_name
    name = f"{sp['name']} ({company})" if sp["name"] and company else sp["name"] or company
    d = m.Draft(
        message_pk=row.id,
        thread_id=row.thread_id,
        customer_id=row.customer_id,
        order_id=row.order_id,
        kind=planned.kind,
        intent=planned.context.kind.removeprefix("internal/"),
        language=rendered.language,
        template=rendered.template,
        status=DraftState.PENDING,
        version=1,
        subject=rendered.subject,
        body=rendered.body,
        from_addr=planned.from_.email if planned.from_ else "",
        from_name=name,
        to_addrs=_addr_dicts(planned.to),
        cc_addrs=_addr_dicts(planned.cc),
        in_reply_to=planned.in_reply_to,
        references=list(planned.references),
        reference=reference,
        notes=[*planned.notes, *rendered.reasons, *notes],
        answers=list(answers or []),
        quote=[_line_dict(ln) for ln in planned.quote],
        created_at=now,
        updated_at=now,
    )
    q.add_draft(
        session,
        d,
        now,
        "mailagent",
        "generated",
        kind=d.kind,
        intent=d.intent,
        language=d.language,
        template=d.template,
    )
    if planned.auto_send and d.from_addr and not row.fraud_flags:  # fraud: never automatic
        d.status, d.decided_at, d.decided_by = DraftState.APPROVED, now, "auto"
        ob = queue_outbox(session, d, now)
        q.audit(
            session,
            "auto",
            "draft.approved",
            now,
            row.id,
            draft_id=d.id,
            version=1,
            message_id=ob.message_id,
            reason="drafts.auto_relay_complaints",
        )
    return d.id
