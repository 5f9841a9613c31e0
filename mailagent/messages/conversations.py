"""Conversations: the inbox as threads, and one thread with everything that happened in it.

Shared by the web UI (``/inbox``, ``/conversations/ID``) and the CLI (``mailagent threads``).
Threads are the ones the ingest spine builds (``db/threadindex.py``: References,
In-Reply-To, subject tokens).
:func:`list_threads` returns one :class:`ThreadRow` per thread: latest message, count,
participants, intents, customer, order, owner, the most urgent SLA clock as time left, a
preview line of the latest customer text and the subject (both translated for a reader who
needs it, when the translation exists; the original subject stays on the row) and whether
the reader has seen the latest customer message.
:func:`thread_detail` returns every message in order with its attachments, the drafts, the
SLA clocks and the audit trail. Work state (owner, snooze, done, read) is written by
``messages.threadwork``. Every time left is computed against the one ``now`` passed in.

A snooze ends at its time, or when the customer writes again (whichever comes first); a
done thread opens again when the customer writes after it was closed. A thread whose every
message the relevance gate filtered out is "junk" and leaves the open inbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db.queries import aware
from mailagent.errors import NotFound
from mailagent.messages.listing import MessageFilter, message_conditions, unanswered_ids
from mailagent.messages.threadrecords import (
    AuditLine,
    ClockView,
    Person,
    ThreadAttachment,
    ThreadDetail,
    ThreadDraft,
    ThreadFilter,
    ThreadMessage,
    ThreadRow,
    TimeLeft,
    Translated,
    preview_kind,
    time_left,
)
from mailagent.records import DraftState
from mailagent.translation.shown import shown_translations

__all__ = ["VIEWS", "list_threads", "thread_detail", "visible_threads"]

VIEWS = ("open", "mine", "unassigned", "snoozed", "done", "junk", "all")
_OPEN_CLOCKS = ("running", "warning", "breached", "paused")
_PREVIEW_CHARS = 160


class Scope(Protocol):
    """Who is looking: a SQL condition on a customer id column (all rows: ``true()``)."""

    def customers(self, column: Any) -> Any: ...


# -- the shared SQL --------------------------------------------------------------------------


def _stats(scope: Scope | None, among: Any = None) -> Any:
    """Per thread: message count, latest message time and id, latest customer message time,
    and how many messages the relevance gate filtered (visible messages only); for the
    threads ``among`` (ids or a subquery of them) only, when given."""
    inbound = m.Message.direction == "inbound"
    stmt = select(
        m.Message.thread_id.label("tid"),
        func.count(m.Message.id).label("n"),
        func.max(m.Message.received_at).label("last_at"),
        func.max(m.Message.id).label("last_pk"),
        func.max(case((inbound, m.Message.received_at))).label("last_in"),
        func.sum(case((m.Message.disposition == "filtered", 1), else_=0)).label("junk"),
    ).where(m.Message.thread_id.is_not(None))
    if scope is not None:
        stmt = stmt.where(scope.customers(m.Message.customer_id))
    if among is not None:
        stmt = stmt.where(m.Message.thread_id.in_(among))
    return stmt.group_by(m.Message.thread_id).subquery()


def _state_columns(stats: Any, now: datetime) -> tuple[Any, Any, Any]:
    st = m.ThreadState

    def quiet_since(col: Any) -> Any:  # no customer message since ``col``
        return or_(stats.c.last_in.is_(None), stats.c.last_in <= col)

    snoozed = and_(
        st.snoozed_at.is_not(None),
        quiet_since(st.snoozed_at),
        or_(st.snooze_until_reply.is_(True), st.snoozed_until > now),
    )
    done = and_(st.done_at.is_not(None), quiet_since(st.done_at))
    junk = stats.c.junk >= stats.c.n
    return snoozed, done, junk


def _view_condition(view: str, stats: Any, now: datetime, reader: str) -> Any:
    snoozed, done, junk = _state_columns(stats, now)
    is_open = and_(~junk, or_(m.ThreadState.thread_id.is_(None), and_(~snoozed, ~done)))
    owner = func.coalesce(m.ThreadState.owner, "")
    return {
        "open": is_open,
        "mine": and_(is_open, func.lower(owner) == reader.lower()),
        "unassigned": and_(is_open, owner == ""),
        "snoozed": and_(~junk, m.ThreadState.thread_id.is_not(None), snoozed),
        "done": and_(~junk, m.ThreadState.thread_id.is_not(None), done, ~snoozed),
        "junk": junk,
    }.get(view)


def _state_of(
    row: m.ThreadState | None, last_in: datetime | None, junk: bool, now: datetime
) -> str:
    if junk:
        return "junk"
    if row is None:
        return "open"

    def quiet(since: datetime) -> bool:
        return last_in is None or aware(last_in) <= aware(since)

    if row.snoozed_at is not None and quiet(row.snoozed_at):
        until = row.snoozed_until
        if row.snooze_until_reply or (until is not None and aware(until) > now):
            return "snoozed"
    if row.done_at is not None and quiet(row.done_at):
        return "done"
    return "open"


def visible_threads(app: App, scope: Scope | None, thread_ids: Iterable[int]) -> list[int]:
    """Those of ``thread_ids`` with at least one message the scope may see (in order)."""
    wanted = list(dict.fromkeys(thread_ids))
    if not wanted:
        return []
    stmt = select(m.Message.thread_id).where(m.Message.thread_id.in_(wanted)).distinct()
    if scope is not None:
        stmt = stmt.where(scope.customers(m.Message.customer_id))
    with app.sessions() as session:
        found = set(session.scalars(stmt))
    return [t for t in wanted if t in found]


def _people(session: Session) -> dict[str, str]:
    """Display names of the team's users by lower-case e-mail."""
    return {
        email.lower(): name
        for email, name in session.execute(select(m.User.email, m.User.display_name))
    }


def _one_line(text: str) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= _PREVIEW_CHARS else line[: _PREVIEW_CHARS - 1] + "…"


def _clocks(session: Session, message_pks: Sequence[int]) -> list[m.SlaClock]:
    if not message_pks:
        return []
    return list(
        session.scalars(
            select(m.SlaClock)
            .where(m.SlaClock.message_pk.in_(message_pks), m.SlaClock.state.in_(_OPEN_CLOCKS))
            .order_by(m.SlaClock.due_at, m.SlaClock.id)
        )
    )


def _most_urgent(lefts: Iterable[TimeLeft]) -> TimeLeft | None:
    items = list(lefts)
    running = [t for t in items if t.urgency != "paused"]
    pool = running or items
    return min(pool, key=lambda t: t.minutes) if pool else None


# -- the inbox -------------------------------------------------------------------------------


def _matching_threads(app: App, flt: ThreadFilter, scope: Scope | None) -> Any:
    """The ids of threads with a visible message matching every message filter of ``flt``
    (the single-message list's conditions, ``messages.listing``)."""
    mflt = MessageFilter(
        intent=flt.intent,
        customer_code=flt.customer_code,
        sla=flt.sla,
        disposition=flt.disposition,
        needs_review=flt.needs_review,
        unanswered=flt.unanswered,
    )
    where = message_conditions(mflt, unanswered_ids(app) if flt.unanswered else None)
    if scope is not None:
        where.append(scope.customers(m.Message.customer_id))
    return (
        select(m.Message.thread_id)
        .outerjoin(m.Customer, m.Customer.id == m.Message.customer_id)
        .where(m.Message.thread_id.is_not(None), *where)
    )


# Finding one page of threads without summing up the whole mailbox: threads are listed by
# their latest visible message, so reading the visible messages newest first (the
# received_at index) meets every thread at that message, in the page's order. The figures
# and the view's rules are then computed for those threads only, a batch at a time, until
# the page is full; a view or filter that keeps few threads starts from the threads it can
# keep instead (its work state, its owner, its filtered or matching messages).
_FIRST_BATCH = 200  # messages read for the first batch (at least four per thread wanted)
_LAST_BATCH = 20_000  # past this many messages in one batch, sum up the candidates at once


def _threads_stmt(
    flt: ThreadFilter,
    scope: Scope | None,
    matching: Any,
    now: datetime,
    reader: str,
    among: Any = None,
) -> Any:
    """Threads with their figures and work state, most recently active first: every thread
    the view and filters keep, or those of ``among`` only."""
    stats = _stats(scope, among)
    stmt = (
        select(m.Thread, stats.c.n, stats.c.last_at, stats.c.last_pk, stats.c.last_in,
               stats.c.junk, m.ThreadState)
        .join(stats, stats.c.tid == m.Thread.id)
        .outerjoin(m.ThreadState, m.ThreadState.thread_id == m.Thread.id)
        .order_by(stats.c.last_at.desc(), m.Thread.id.desc())
    )  # fmt: skip
    condition = _view_condition(flt.view, stats, now, reader)
    if condition is not None:
        stmt = stmt.where(condition)
    if matching is not None:
        stmt = stmt.where(m.Thread.id.in_(matching))
    return stmt


def _candidates(flt: ThreadFilter, scope: Scope | None, matching: Any, reader: str) -> Any:
    """For a view or filter that keeps few threads: a subquery of the only threads it can
    keep (a superset), or None when it may keep any thread."""
    st = m.ThreadState
    if matching is not None:
        return matching
    if flt.view in ("snoozed", "done"):  # only threads with a work state
        return select(st.thread_id)
    if flt.view == "mine" and reader:
        return select(st.thread_id).where(func.lower(st.owner) == reader.lower())
    if flt.view == "junk":  # every visible message filtered: at least one is
        stmt = select(m.Message.thread_id).where(
            m.Message.thread_id.is_not(None), m.Message.disposition == "filtered"
        )
        if scope is not None:
            stmt = stmt.where(scope.customers(m.Message.customer_id))
        return stmt
    return None


def _page(
    session: Session,
    flt: ThreadFilter,
    scope: Scope | None,
    matching: Any,
    now: datetime,
    reader: str,
) -> list[Any]:
    """The rows of threads of page ``flt.page``: (thread, count, latest time, latest id,
    latest customer time, filtered count, work state)."""
    skip = (max(flt.page, 1) - 1) * flt.per_page
    want = skip + flt.per_page
    among = _candidates(flt, scope, matching, reader)
    if among is not None or want * 4 > _LAST_BATCH:
        stmt = _threads_stmt(flt, scope, matching, now, reader, among)
        return list(session.execute(stmt.limit(flt.per_page).offset(skip)).all())
    msg = m.Message
    newest = select(msg.thread_id).where(msg.thread_id.is_not(None))
    if scope is not None:
        newest = newest.where(scope.customers(msg.customer_id))
    newest = newest.order_by(msg.received_at.desc(), msg.thread_id.desc(), msg.id.desc())
    seen: set[int] = set()
    found: list[Any] = []
    done = 0  # messages read so far
    batch = max(_FIRST_BATCH, want * 4)
    while batch <= _LAST_BATCH:
        read = [int(tid or 0) for tid in session.scalars(newest.offset(done).limit(batch))]
        fresh = list(dict.fromkeys(tid for tid in read if tid not in seen))
        seen.update(fresh)
        if fresh:  # these threads come after every thread met before, in this order
            stmt = _threads_stmt(flt, scope, matching, now, reader, fresh)
            found += session.execute(stmt).all()
        if len(found) >= want or len(read) < batch:
            return found[skip:want]
        done += batch
        batch *= 4
    stmt = _threads_stmt(flt, scope, matching, now, reader)  # sum up the rest at once
    return list(session.execute(stmt.limit(flt.per_page).offset(skip)).all())


def list_threads(
    app: App,
    flt: ThreadFilter | None = None,
    scope: Scope | None = None,
    *,
    reader: str = "",
    reads: Sequence[str] = (),
    now: datetime | None = None,
) -> list[ThreadRow]:
    """One page of threads, the most recently active first.

    ``reader``: the user's e-mail (unread state, the "mine" view); ``reads``: the languages
    they read, in order (a preview in another language is shown translated when a finished
    translation exists); ``now``: the one instant every time left is computed against.
    """
    flt = flt or ThreadFilter()
    now = (now or app.clock()).astimezone(UTC)
    matching = _matching_threads(app, flt, scope) if flt.customer_code or flt.by_message else None
    with app.sessions() as session:
        found = _page(session, flt, scope, matching, now, reader)
        ids = [t.id for t, *_ in found]
        msg_stmt = (
            select(m.Message)
            .where(m.Message.thread_id.in_(ids))
            .order_by(m.Message.received_at, m.Message.id)
        )
        if scope is not None:
            msg_stmt = msg_stmt.where(scope.customers(m.Message.customer_id))
        msgs = list(session.scalars(msg_stmt)) if ids else []
        by_thread: dict[int, list[m.Message]] = {}
        for msg in msgs:
            by_thread.setdefault(int(msg.thread_id or 0), []).append(msg)
        customers = {
            c.id: c
            for c in session.scalars(
                select(m.Customer).where(
                    m.Customer.id.in_({x.customer_id for x in msgs if x.customer_id})
                )
            )
        }
        orders = dict(
            session.execute(
                select(m.Order.id, m.Order.order_no).where(
                    m.Order.id.in_({x.order_id for x in msgs if x.order_id})
                )
            ).all()
        )
        reads_at = dict(
            session.execute(
                select(m.ThreadRead.thread_id, m.ThreadRead.read_at).where(
                    m.ThreadRead.thread_id.in_(ids), m.ThreadRead.user_email == reader.lower()
                )
            ).all()
        )
        latest_in = {
            tid: next((x for x in reversed(items) if x.direction == "inbound"), items[-1])
            for tid, items in by_thread.items()
        }
        translated = shown_translations(
            session, [(x.id, x.language) for x in latest_in.values()], reads
        )
        clocks = _clocks(session, [x.id for x in msgs])
        drafts = session.execute(
            select(m.Draft.id, m.Draft.thread_id, m.Draft.message_pk).where(
                m.Draft.status.in_((DraftState.PENDING, DraftState.FAILED)),
                or_(m.Draft.thread_id.in_(ids), m.Draft.message_pk.in_([x.id for x in msgs])),
            )
        ).all()
        people = _people(session)
    thread_of = {x.id: int(x.thread_id or 0) for x in msgs}
    pending: dict[int, int] = {}
    for draft_id, tid, message_pk in drafts:
        key = tid if tid in by_thread else thread_of.get(message_pk or 0)
        if key is not None:
            pending[key] = max(pending.get(key, 0), draft_id)
    lefts: dict[int, list[TimeLeft]] = {}
    for c in clocks:
        tl = time_left(c.state, c.policy_id, c.due_at, c.warn_at, now)
        lefts.setdefault(thread_of[c.message_pk], []).append(tl)
    rows: list[ThreadRow] = []
    for thread, n, last_at, last_pk, last_in, junk, state in found:
        items = by_thread.get(thread.id, [])
        if not items:
            continue
        latest = latest_in[thread.id]
        cust_id = next((x.customer_id for x in reversed(items) if x.customer_id), None)
        order_id = next((x.order_id for x in reversed(items) if x.order_id), None)
        cust = customers.get(cust_id) if cust_id else None
        senders: dict[str, Person] = {}
        for x in items:
            email = x.from_email.lower()
            name = people.get(email) or x.from_name if x.direction == "outbound" else x.from_name
            senders.setdefault(email, Person(name or "", x.from_email))
        read_at = reads_at.get(thread.id)
        unread = last_in is not None and (read_at is None or aware(read_at) < aware(last_in))
        tr = translated.get(latest.id)
        owner = state.owner if state is not None and state.owner else ""
        rows.append(
            ThreadRow(
                id=thread.id,
                subject=items[-1].subject or thread.subject,
                subject_translated=tr.subject if tr else None,
                latest_at=aware(last_at)
                if isinstance(last_at, datetime)
                else items[-1].received_at,
                latest_pk=int(last_pk),
                count=int(n),
                participants=tuple(senders.values()),
                intents=tuple(dict.fromkeys(x.intent for x in items if x.intent)),
                customer_code=cust.code if cust else None,
                customer_name=cust.name if cust else None,
                order_no=orders.get(order_id) if order_id else None,
                owner=Person(people.get(owner.lower(), ""), owner) if owner else None,
                sla=_most_urgent(lefts.get(thread.id, [])),
                preview=_one_line(tr.body if tr and tr.body else latest.new_text),
                preview_translated=bool(tr and tr.body),
                unread=unread,
                state=_state_of(state, last_in, int(junk or 0) >= int(n), now),
                snoozed_until=aware(state.snoozed_until) if state and state.snoozed_until else None,
                snooze_until_reply=bool(state and state.snooze_until_reply),
                pending_draft_id=pending.get(thread.id),
                needs_review=any(x.needs_review for x in items),
            )
        )
    return rows


# -- one thread ------------------------------------------------------------------------------


def thread_detail(
    app: App,
    thread_id: int,
    scope: Scope | None = None,
    *,
    reads: Sequence[str] = (),
    now: datetime | None = None,
) -> ThreadDetail:
    """Every message of the thread (the ones the scope may see) in order, its drafts, SLA
    clocks and audit trail. NotFound when the scope sees none of it."""
    now = (now or app.clock()).astimezone(UTC)
    with app.sessions() as session:
        thread = session.get(m.Thread, thread_id)
        stmt = (
            select(m.Message)
            .where(m.Message.thread_id == thread_id)
            .order_by(m.Message.received_at, m.Message.id)
        )
        if scope is not None:
            stmt = stmt.where(scope.customers(m.Message.customer_id))
        msgs = list(session.scalars(stmt)) if thread is not None else []
        if thread is None or not msgs:
            raise NotFound(f"no thread with id {thread_id}")
        pks = [x.id for x in msgs]
        state = session.get(m.ThreadState, thread_id)
        translated = shown_translations(session, [(x.id, x.language) for x in msgs], reads)
        clocks = _clocks(session, pks)
        drafts = session.scalars(
            select(m.Draft)
            .where(or_(m.Draft.thread_id == thread_id, m.Draft.message_pk.in_(pks)))
            .order_by(m.Draft.id)
        ).all()
        events = session.scalars(
            select(m.AuditEvent)
            .where(m.AuditEvent.message_pk.in_(pks))
            .order_by(m.AuditEvent.at, m.AuditEvent.id)
        ).all()
        cust_id = next((x.customer_id for x in reversed(msgs) if x.customer_id), None)
        order_id = next((x.order_id for x in reversed(msgs) if x.order_id), None)
        cust = session.get(m.Customer, cust_id) if cust_id else None
        order = session.get(m.Order, order_id) if order_id else None
        people = _people(session)
        last_in = max((x.received_at for x in msgs if x.direction == "inbound"), default=None)
        junk = all(x.disposition == "filtered" for x in msgs)
        messages = tuple(_thread_message(x, translated.get(x.id), people) for x in msgs)
        owner = state.owner if state is not None and state.owner else ""
        return ThreadDetail(
            id=thread.id,
            subject=msgs[-1].subject or thread.subject,
            customer_code=cust.code if cust else None,
            customer_name=cust.name if cust else None,
            order_no=order.order_no if order else None,
            owner=Person(people.get(owner.lower(), ""), owner) if owner else None,
            state=_state_of(state, last_in, junk, now),
            snoozed_until=aware(state.snoozed_until) if state and state.snoozed_until else None,
            snooze_until_reply=bool(state and state.snooze_until_reply),
            done_at=aware(state.done_at) if state and state.done_at else None,
            messages=messages,
            drafts=tuple(
                ThreadDraft(
                    d.id,
                    d.status,
                    d.intent,
                    d.language,
                    d.subject,
                    d.message_pk,
                    aware(d.updated_at),
                )
                for d in drafts
            ),
            clocks=tuple(
                ClockView(
                    c.message_pk,
                    time_left(c.state, c.policy_id, c.due_at, c.warn_at, now),
                    tuple(str(r) for r in c.reasons),
                )
                for c in clocks
            ),
            audit=tuple(
                AuditLine(
                    aware(e.at),
                    e.actor,
                    people.get(e.actor.lower()) or e.actor,
                    e.action,
                    e.message_pk,
                    _named(dict(e.detail or {}), people),
                )
                for e in events
            ),
        )


def _named(detail: dict[str, Any], people: dict[str, str]) -> dict[str, Any]:
    """An audit detail with ``owner_name`` next to an ``owner`` who is a team user."""
    owner = str(detail.get("owner") or "")
    return {**detail, "owner_name": people.get(owner.lower(), owner)} if owner else detail


def _thread_message(x: m.Message, tr: Translated | None, people: dict[str, str]) -> ThreadMessage:
    ours = x.direction == "outbound"
    name = (people.get(x.from_email.lower()) or x.from_name) if ours else x.from_name
    return ThreadMessage(
        id=x.id,
        direction=x.direction,
        sender=Person(name or "", x.from_email),
        to=tuple(Person(str(a.get("name") or ""), str(a.get("email") or "")) for a in x.to_addrs),
        received_at=aware(x.received_at),
        subject=x.subject,
        new_text=x.new_text,
        quoted_text=x.quoted_text,
        signature=x.signature,
        language=x.language,
        translated=tr.body if tr else None,
        translated_into=tr.target if tr and tr.body else None,
        intent=x.intent,
        disposition=x.disposition,
        attachments=tuple(
            ThreadAttachment(
                i,
                a.filename,
                a.content_type,
                a.size,
                a.stored,
                preview_kind(a.content_type, a.filename) if a.stored else "",
            )
            for i, a in enumerate(x.attachments)
        ),
    )
