"""Keeping one live reply draft per thread: the effects around :mod:`.threadlive`.

Called from draft preparation (new customer mail, our own mail found in the Sent folder),
from delivery (a draft was sent) and by the salesperson's choice after "new mail arrived
since you edited". Reads the thread's drafts, asks the pure decisions, writes the statuses
with an audit row each. No network, no rendering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.drafts import threadlive as live
from mailagent.drafts.threadfacts import merge
from mailagent.drafts.variables import MessageFacts
from mailagent.errors import MailagentError, NotFound
from mailagent.records import DraftState, OutboxState

__all__ = [
    "MERGED_AT_MOST",
    "ChoiceError",
    "after_new_draft",
    "after_outbound_message",
    "after_sent",
    "choose",
    "contact_language",
    "unanswered",
    "unanswered_facts",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")

MERGED_AT_MOST = 10
"""How many earlier unanswered messages a new reply merges (the most recent ones).

One reply can answer a follow-up or a handful of mails the customer wrote before we
answered; past ten it is no longer one readable answer (the salesperson reads the thread),
and merging every earlier message made drafting each new mail cost as much as the whole
thread (the asks, quote lines and intent of all their texts, again for every message).
Older unanswered messages stay in the draft's ``answers`` (sending still closes them) and
the draft's note says how many were not merged.
"""


class ChoiceError(MailagentError):
    """There is nothing to choose (no held draft against this one); the message says why."""


def _open(session: Session, thread_id: int) -> list[tuple[m.Draft, live.OpenDraft]]:
    rows = session.execute(  # one query: the drafts and when their messages arrived
        select(m.Draft, m.Message.received_at)
        .outerjoin(m.Message, m.Message.id == m.Draft.message_pk)
        .where(
            m.Draft.thread_id == thread_id, m.Draft.status.in_((*live.LIVE, DraftState.APPROVED))
        )
        .order_by(m.Draft.id)
    )
    out = []
    for d, received_at in rows.tuples():
        by_person = d.created_by != "mailagent"  # composed by a salesperson
        touched = (
            by_person or d.version > 1 or (d.decided_at is not None and d.decided_by != "auto")
        )
        received = q.aware(received_at) if received_at is not None else None
        out.append((d, live.OpenDraft(d.id, d.status, d.kind, touched, received)))
    return out


def _apply(session: Session, decisions: Sequence[live.Decision], now: datetime, actor: str) -> None:
    for dec in decisions:
        d = session.get(m.Draft, dec.draft_id)
        if d is None:
            continue
        state = dec.action.state
        if state is None:  # a notice: the draft keeps its state
            d.conflict_draft_id = dec.other
        else:
            d.status = state
            if dec.action is live.Action.HOLD:
                d.conflict_draft_id = dec.other
            else:
                d.superseded_by, d.conflict_draft_id = dec.other, None
            ob = session.scalar(select(m.Outbox).where(m.Outbox.draft_id == d.id))
            if ob is not None and ob.state != OutboxState.SENDING:
                session.delete(ob)
        d.thread_note, d.updated_at = dec.reason, now
        q.audit(
            session,
            actor,
            f"draft.{dec.action.value}",
            now,
            d.message_pk,
            draft_id=d.id,
            other=dec.other,
            reason=dec.reason,
        )
        audit_log.info("draft %d %s: %s", d.id, dec.action.value, dec.reason)


def unanswered_facts(
    session: Session,
    row: m.Message,
    facts: MessageFacts,
    facts_of: Callable[[Session, m.Message], MessageFacts],
) -> tuple[MessageFacts, tuple[int, ...], tuple[str, ...]]:
    """``facts`` extended by the earlier customer mail the thread's live drafts answer.

    Returns the merged facts, the message ids the new reply answers, and its notes (none
    when the reply answers ``row`` alone). ``facts_of`` builds facts from a message row;
    it is called for at most :data:`MERGED_AT_MOST` earlier messages.
    """
    merged, answers, notes, _live = unanswered(session, row, facts, facts_of)
    return merged, answers, notes


def unanswered(
    session: Session,
    row: m.Message,
    facts: MessageFacts,
    facts_of: Callable[[Session, m.Message], MessageFacts],
) -> tuple[MessageFacts, tuple[int, ...], tuple[str, ...], bool]:
    """:func:`unanswered_facts`, and whether the thread had any open draft before (when it
    had none, :func:`after_new_draft` has nothing to decide and need not read them again).

    The cost does not grow with the thread: the earlier messages are known by id from the
    live reply drafts' ``answers``; only the :data:`MERGED_AT_MOST` most recent are read
    (one query, with their attachments) and merged, the older ones are checked to exist
    (ids only) and kept in ``answers``, and a note says how many were not merged.
    """
    if row.thread_id is None:
        return facts, (row.id,), (), False
    wanted: set[int] = set()
    opened = _open(session, row.thread_id)
    for d, od in opened:
        if od.kind == "reply" and od.status in live.LIVE:
            wanted.update(int(pk) for pk in d.answers or ([d.message_pk] if d.message_pk else []))
    wanted.discard(row.id)
    earlier = sorted(wanted)
    recent, older = earlier[-MERGED_AT_MOST:], earlier[:-MERGED_AT_MOST]
    rows: list[m.Message] = []
    for chunk in q.in_chunks(recent):
        rows += session.scalars(
            select(m.Message)
            .where(m.Message.id.in_(chunk))
            .options(selectinload(m.Message.attachments))
        )
    rows.sort(key=lambda r: r.id)
    kept: list[int] = []  # older messages still stored (a purge may have removed some)
    for chunk in q.in_chunks(older):
        kept += session.scalars(select(m.Message.id).where(m.Message.id.in_(chunk)))
    kept.sort()
    merged, note = merge(facts, [facts_of(session, r) for r in rows])
    notes = tuple(n for n in (note, _not_merged(kept)) if n)
    return merged, (*kept, *(r.id for r in rows), row.id), notes, bool(opened)


def _not_merged(older: Sequence[int]) -> str:
    """The note on a reply that answers ``older`` messages without merging their text."""
    if not older:
        return ""
    k, first, last = len(older), older[0], older[-1]
    return (
        f"{k} older unanswered messages of the thread were not merged into this reply "
        f"(only the {MERGED_AT_MOST} most recent are): #{first} to #{last}; sending it "
        f"marks them answered too / 此会话中 {k} 封较早的未回复邮件未合并到此回复"
        f"（只合并最近 {MERGED_AT_MOST} 封）：#{first} 至 #{last}；发送此回复也会将它们标记为已回复"
    )


def contact_language(session: Session, row: m.Message) -> str:
    """The sender contact's explicit reply language ("" when none is recorded)."""
    if not row.from_email:
        return ""
    stmt = select(m.Contact.language).where(m.Contact.email == row.from_email.lower())
    if row.customer_id is not None:
        stmt = stmt.where(m.Contact.customer_id == row.customer_id)
    return next((lang for lang in session.scalars(stmt) if lang), "")


def after_new_draft(
    session: Session,
    row: m.Message,
    reply_id: int,
    answers: Sequence[int],
    notes: Sequence[str],
    now: datetime,
    *,
    preset: bool = False,
    live_before: bool = True,
) -> None:
    """A reply draft was made for ``row``: supersede, or hold against an edited draft.

    ``preset``: the draft was stored with its answers and note already. ``live_before``
    False: the thread had no open draft before this one, so there is nothing to decide (the
    new drafts are never decided against themselves) and the drafts are not read again.
    """
    d = None if preset else session.get(m.Draft, reply_id)  # (a get reloads a new draft)
    if d is not None:
        d.answers = list(answers)
        d.notes = [*d.notes, *notes] if notes else d.notes
    if row.thread_id is None or not live_before:
        return
    session.flush()
    others = [od for _, od in _open(session, row.thread_id)]
    received = q.aware(row.received_at)
    _apply(session, live.on_new_draft(reply_id, row.id, received, others), now, "mailagent")


def after_sent(session: Session, d: m.Draft, message_id: str, now: datetime) -> None:
    """Draft ``d`` was sent: close the thread's other live drafts for older mail."""
    if d.thread_id is None or d.kind != "reply":
        return
    written = q.aware(d.decided_at) if d.decided_at else now
    others = [od for _, od in _open(session, d.thread_id)]
    by = f"draft #{d.id} <{message_id}>"
    _apply(session, live.on_reply_sent(written, by, others, d.id), now, "mailagent")
    answered = sorted({int(pk) for pk in d.answers or []} - {d.message_pk or 0})
    for chunk in q.in_chunks(answered):  # one query per chunk, not one per message
        for msg in session.scalars(select(m.Message).where(m.Message.id.in_(chunk))):
            msg.status = "answered"


def after_outbound_message(session: Session, row: m.Message, now: datetime) -> None:
    """Our own mail found in the thread (Sent folder, Bcc copy): it answers older mail."""
    if row.thread_id is None or row.direction != "outbound":
        return
    if session.scalar(select(m.Outbox.id).where(m.Outbox.message_id == row.message_id)):
        return  # mailagent's own reply: handled when it was sent
    written = q.aware(row.sent_at or row.received_at)
    others = [od for _, od in _open(session, row.thread_id)]
    by = f"<{row.message_id}> (found in {row.origin or 'the mailbox'})"
    _apply(session, live.on_reply_sent(written, by, others), now, "mailagent")


def choose(app: App, draft_id: int, choice: live.Choice, actor: str) -> int:
    """The salesperson's choice on an edited draft with newer mail; returns the live draft."""
    now = app.clock()
    with app.sessions() as session, session.begin():
        d = session.get(m.Draft, draft_id)
        if d is None:
            raise NotFound(f"no draft with id {draft_id}")
        if d.status == DraftState.HELD and d.conflict_draft_id:  # chosen from the held draft's page
            touched, held = d.conflict_draft_id, d.id
        elif d.conflict_draft_id:
            touched, held = d.id, d.conflict_draft_id
        else:
            raise ChoiceError(f"draft {draft_id} has no newer mail to choose against")
        _apply(session, live.choose(choice, touched, held, actor), now, actor)
        keep = touched if choice is live.Choice.KEEP else held
        kept = session.get(m.Draft, keep)
        assert kept is not None
        kept.status, kept.conflict_draft_id, kept.thread_note = DraftState.PENDING, None, None
        kept.updated_at = now
        q.audit(
            session, actor, "draft.chosen", now, kept.message_pk, draft_id=keep, choice=choice.value
        )
        return keep
