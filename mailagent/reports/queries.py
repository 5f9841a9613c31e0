"""Supervisor reports: unanswered mail, first-response times, SLA compliance, conversion.

Queries take a SQLAlchemy ``Session`` and ``now`` (never the clock) and return records and
:class:`Table` values. Text/CSV/XLSX output and the HTML e-mail with its chart live in
``reportout.py``; sending is ``slaservice.send_report``'s job. Definitions used throughout:

* *Needs an answer*: an inbound message with disposition ``process``, intent inquiry,
  order, complaint or payment, and status neither ``answered`` nor ``closed``.
* *Reply*: a sent message in the same thread (stored outbound message, or a sent reply
  draft) addressed to someone outside our own domains, at or after the message arrived.
  Internal notes and relays to quality are not replies. *Unanswered* = no reply until now.
* *First-response time*: wall-clock time from arrival to the first reply (business time
  is what the SLA clocks measure; see ``report sla``). Percentiles are nearest-rank.
* *Conversion*: the unit is an inquiry thread (its first inquiry message, received in the
  period). It is converted when the thread's customer, after that first inquiry and up to
  ``now``, sent an order message (intent ``order``, any thread) or has an order row dated
  on or after the inquiry's date. Inquiries from unknown senders never convert. Grouped by
  the customer's salesperson and market (country).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mailagent.config import Settings
from mailagent.db import models as m
from mailagent.records import DraftState
from mailagent.sla.clock import SlaEvent, SlaEventKind

__all__ = [
    "AGE_BUCKETS",
    "EVENT_ACTIONS",
    "NEEDS_ANSWER",
    "RESPONSE_BUCKETS",
    "ResponseTimes",
    "Table",
    "UnansweredItem",
    "conversion",
    "gather_events",
    "outbound_kinds",
    "period_key",
    "response_times",
    "sla_compliance",
    "unanswered",
    "unanswered_by",
    "unanswered_list",
]

Cell = str | int | float | None
NEEDS_ANSWER = ("inquiry", "order", "complaint", "payment")
AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("<4h", timedelta(hours=4)),
    ("4-24h", timedelta(hours=24)),
    ("1-3d", timedelta(days=3)),
    (">3d", None),
)
RESPONSE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("<1h", timedelta(hours=1)),
    ("1-4h", timedelta(hours=4)),
    ("4-8h", timedelta(hours=8)),
    ("8-24h", timedelta(hours=24)),
    ("1-3d", timedelta(days=3)),
    (">3d", None),
)
EVENT_ACTIONS = {  # audit actions written by slaservice.pause / resume / record_relay
    "sla.wait": SlaEventKind.WAIT,
    "sla.resume": SlaEventKind.RESUME,
    "sla.relayed": SlaEventKind.RELAY,
}


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table of plain cells: what the CLI prints and CSV/XLSX/HTML export."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class UnansweredItem:
    message_pk: int
    received_at: datetime
    age: timedelta
    bucket: str
    subject: str
    from_email: str
    customer: str
    salesperson: str
    country: str
    intent: str
    sla_state: str


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bucket(age: timedelta, buckets: Sequence[tuple[str, timedelta | None]]) -> str:
    return next(name for name, limit in buckets if limit is None or age < limit)


def _hours(td: timedelta | None) -> float | None:
    return None if td is None else round(td.total_seconds() / 3600, 1)


def period_key(kind: str, now: datetime, tz: ZoneInfo) -> str:
    """``2026-11-23`` for a daily report, ``2026-W48`` for a weekly one (team time)."""
    local = _utc(now).astimezone(tz).date()
    if kind == "weekly":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.isoformat()


# -- events: replies and relays --------------------------------------------------------------


def outbound_kinds(
    recipients: Iterable[str], own_domains: Iterable[str], quality_address: str = ""
) -> frozenset[SlaEventKind]:
    """What a sent message counts as: REPLY if it reaches anyone outside our own domains,
    RELAY if it goes to the quality address; an internal note to others is neither."""
    own = {d.lower() for d in own_domains}
    addrs = {a.strip().lower() for a in recipients if a and "@" in a}
    kinds = set()
    if any(a.rpartition("@")[2] not in own for a in addrs):
        kinds.add(SlaEventKind.REPLY)
    if quality_address and quality_address.strip().lower() in addrs:
        kinds.add(SlaEventKind.RELAY)
    return frozenset(kinds)


def gather_events(
    session: Session, keys: Sequence[tuple[int, int | None]], settings: Settings
) -> dict[int, list[SlaEvent]]:
    """SLA events per message, for ``(message_pk, thread_id)`` keys: replies and relays
    (outbound messages in the thread by recipients, sent drafts), customer follow-ups
    (RESUME) and ``sla.wait``/``sla.resume``/``sla.relayed`` audit events."""
    team = settings.team
    threads = {tid for _pk, tid in keys if tid is not None}
    ids = [pk for pk, _tid in keys]
    by_thread: dict[int, list[SlaEvent]] = defaultdict(list)
    by_msg: dict[int, list[SlaEvent]] = defaultdict(list)
    if threads:
        msg = m.Message
        stmt = select(
            msg.id,
            msg.thread_id,
            msg.direction,
            msg.sent_at,
            msg.received_at,
            msg.to_addrs,
            msg.cc_addrs,
        ).where(msg.thread_id.in_(threads))
        for pk, tid, direction, sent_at, received_at, to, cc in session.execute(stmt):
            if direction == "outbound":
                rcpts = [a.get("email", "") for a in [*to, *cc] if isinstance(a, dict)]
                at = _utc(sent_at or received_at)
                for kind in outbound_kinds(rcpts, team.own_domains, team.quality_address):
                    by_thread[tid].append(SlaEvent(at, kind, f"message #{pk}"))
            else:
                note = f"customer wrote again (message #{pk})"
                by_thread[tid].append(SlaEvent(_utc(received_at), SlaEventKind.RESUME, note))
    drafts = (
        select(m.Draft.id, m.Draft.kind, m.Draft.sent_at, m.Draft.message_pk, m.Message.thread_id)
        .join(m.Message, m.Message.id == m.Draft.message_pk)
        .where(m.Draft.status == DraftState.SENT, m.Draft.sent_at.is_not(None))
        .where(or_(m.Draft.message_pk.in_(ids), m.Message.thread_id.in_(threads)))
    )
    for did, dkind, sent_at, message_pk, tid in session.execute(drafts):
        ev_kind = SlaEventKind.RELAY if dkind == "relay" else SlaEventKind.REPLY
        ev = SlaEvent(_utc(sent_at or datetime.min), ev_kind, f"draft #{did} sent")
        if tid is not None:
            by_thread[tid].append(ev)
        elif message_pk is not None:
            by_msg[message_pk].append(ev)
    stmt_a = select(m.AuditEvent).where(
        m.AuditEvent.message_pk.in_(ids), m.AuditEvent.action.in_(tuple(EVENT_ACTIONS))
    )
    for row in session.scalars(stmt_a):
        assert row.message_pk is not None
        note = f"{row.actor}: {row.detail.get('note', '')}".rstrip(": ")
        by_msg[row.message_pk].append(SlaEvent(_utc(row.at), EVENT_ACTIONS[row.action], note))
    return {pk: by_msg[pk] + (by_thread[tid] if tid is not None else []) for pk, tid in keys}


def _first_reply(
    events: Iterable[SlaEvent], received_at: datetime, now: datetime
) -> datetime | None:
    times = [e.at for e in events if e.kind is SlaEventKind.REPLY and received_at <= e.at <= now]
    return min(times, default=None)


def _needing_answer(
    session: Session, since: datetime, now: datetime, ids: Sequence[int] | None = None
) -> list[Any]:
    msg, cust = m.Message, m.Customer
    stmt = (
        select(
            msg.id,
            msg.thread_id,
            msg.received_at,
            msg.subject,
            msg.from_email,
            msg.intent,
            cust.name,
            cust.salesperson,
            cust.country,
        )
        .outerjoin(cust, cust.id == msg.customer_id)
        .where(
            msg.direction == "inbound",
            msg.disposition == "process",
            msg.intent.in_(NEEDS_ANSWER),
            msg.status.not_in(("answered", "closed")),
            msg.received_at >= _utc(since),
            msg.received_at <= _utc(now),
        )
        .order_by(msg.received_at, msg.id)
    )
    if ids is not None:
        stmt = stmt.where(msg.id.in_(ids))
    return list(session.execute(stmt).all())


# -- unanswered ------------------------------------------------------------------------------


def unanswered(
    session: Session,
    now: datetime,
    since: datetime,
    settings: Settings,
    ids: Sequence[int] | None = None,
) -> list[UnansweredItem]:
    """Messages needing an answer received in ``[since, now]`` without a reply; oldest first.

    ``ids`` limits the answer to those messages (a page of a list, say).
    """
    now = _utc(now)
    rows = _needing_answer(session, since, now, ids)
    events = gather_events(session, [(r.id, r.thread_id) for r in rows], settings)
    states = _sla_states(session, [r.id for r in rows])
    out = []
    for r in rows:
        received = _utc(r.received_at)
        if _first_reply(events[r.id], received, now) is not None:
            continue
        age = now - received
        out.append(
            UnansweredItem(
                r.id,
                received,
                age,
                _bucket(age, AGE_BUCKETS),
                r.subject,
                r.from_email,
                r.name or "(unknown)",
                r.salesperson or "(unassigned)",
                r.country or "(unknown)",
                r.intent,
                states.get(r.id, ""),
            )
        )
    return out


_URGENCY = {"breached": 4, "warning": 3, "running": 2, "paused": 1, "met": 0}


def _sla_states(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The most urgent clock state per message."""
    out: dict[int, str] = {}
    if not ids:
        return out
    stmt = select(m.SlaClock.message_pk, m.SlaClock.state).where(m.SlaClock.message_pk.in_(ids))
    for pk, state in session.execute(stmt):
        if _URGENCY.get(state, 0) >= _URGENCY.get(out.get(pk, ""), -1):
            out[pk] = state
    return out


def unanswered_by(items: Sequence[UnansweredItem], key: str) -> Table:
    """Counts per age bucket for each salesperson | customer | intent | country."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(AGE_BUCKETS))
    oldest: dict[str, timedelta] = {}
    names = [b for b, _ in AGE_BUCKETS]
    for it in items:
        group = str(getattr(it, key))
        counts[group][names.index(it.bucket)] += 1
        oldest[group] = max(oldest.get(group, timedelta(0)), it.age)
    rows = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return Table(
        f"unanswered-by-{key}",
        f"Unanswered mail by {key}",
        (key, *names, "total", "oldest (h)"),
        tuple((g, *c, sum(c), _hours(oldest[g])) for g, c in rows),
    )


def unanswered_list(items: Sequence[UnansweredItem], tz: ZoneInfo, limit: int = 0) -> Table:
    chosen = items[:limit] if limit else items
    return Table(
        "unanswered",
        "Unanswered mail, oldest first",
        ("id", "received", "age (h)", "intent", "customer", "salesperson", "SLA", "subject"),
        tuple(
            (
                it.message_pk,
                f"{it.received_at.astimezone(tz):%Y-%m-%d %H:%M}",
                _hours(it.age),
                it.intent,
                it.customer,
                it.salesperson,
                it.sla_state or "-",
                it.subject[:80],
            )
            for it in chosen
        ),
    )


# -- first-response times --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    messages: int
    answered: int
    percentiles: dict[str, timedelta | None]  # p50, p90, p95 (nearest rank)
    mean: timedelta | None
    histogram: tuple[tuple[str, int], ...]  # RESPONSE_BUCKETS + "unanswered"
    by_salesperson: Table

    def tables(self) -> tuple[Table, Table, Table]:
        summary = Table(
            "response-summary",
            "First-response time",
            ("measure", "value"),
            (
                ("messages", self.messages),
                ("answered", self.answered),
                ("unanswered", self.messages - self.answered),
                *((f"{k} (h)", _hours(v)) for k, v in self.percentiles.items()),
                ("mean (h)", _hours(self.mean)),
            ),
        )
        total = max(self.messages, 1)
        hist = Table(
            "response-histogram",
            "First-response time distribution",
            ("response time", "messages", "share %"),
            tuple((b, n, round(100 * n / total, 1)) for b, n in self.histogram),
        )
        return summary, hist, self.by_salesperson


def _percentile(values: Sequence[timedelta], p: float) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def response_times(
    session: Session, since: datetime, now: datetime, settings: Settings
) -> ResponseTimes:
    """First-response times of messages needing an answer received in ``[since, now]``.

    Messages marked answered or closed by hand are left out: no reply time is known.
    """
    now = _utc(now)
    rows = _needing_answer(session, since, now)
    events = gather_events(session, [(r.id, r.thread_id) for r in rows], settings)
    times: list[timedelta] = []
    per_person: dict[str, list[timedelta | None]] = defaultdict(list)
    for r in rows:
        received = _utc(r.received_at)
        first = _first_reply(events[r.id], received, now)
        took = None if first is None else first - received
        per_person[r.salesperson or "(unassigned)"].append(took)
        if took is not None:
            times.append(took)
    hist = {name: 0 for name, _ in RESPONSE_BUCKETS}
    for t in times:
        hist[_bucket(t, RESPONSE_BUCKETS)] += 1
    by_person = Table(
        "response-by-salesperson",
        "First-response time by salesperson",
        ("salesperson", "messages", "answered", "median (h)", "p90 (h)"),
        tuple(
            (
                person,
                len(ts),
                len(done := [t for t in ts if t is not None]),
                _hours(_percentile(done, 50)),
                _hours(_percentile(done, 90)),
            )
            for person, ts in sorted(per_person.items())
        ),
    )
    return ResponseTimes(
        messages=len(rows),
        answered=len(times),
        percentiles={f"p{p}": _percentile(times, p) for p in (50, 90, 95)},
        mean=sum(times, timedelta(0)) / len(times) if times else None,
        histogram=(*hist.items(), ("unanswered", len(rows) - len(times))),
        by_salesperson=by_person,
    )


# -- SLA compliance --------------------------------------------------------------------------


def sla_compliance(session: Session, since: datetime, now: datetime, by: str = "policy") -> Table:
    """Clocks started in ``[since, now]`` per policy | salesperson: met, breached, open.

    Compliance = met / (met + breached); breached includes open clocks already overdue and
    replies sent late. Open clocks (running, warning, paused) are not yet decided.
    """
    stmt = (
        select(m.SlaClock.policy_id, m.SlaClock.state, m.Customer.salesperson)
        .join(m.Message, m.Message.id == m.SlaClock.message_pk)
        .outerjoin(m.Customer, m.Customer.id == m.Message.customer_id)
        .where(m.SlaClock.started_at >= _utc(since), m.SlaClock.started_at <= _utc(now))
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for policy_id, state, salesperson in session.execute(stmt):
        group = policy_id if by == "policy" else (salesperson or "(unassigned)")
        counts[group][state if state in ("met", "breached") else "open"] += 1
    rows = []
    for group, c in sorted(counts.items()):
        decided = c["met"] + c["breached"]
        rate = round(100 * c["met"] / decided, 1) if decided else None
        rows.append((group, sum(c.values()), c["met"], c["breached"], c["open"], rate))
    return Table(
        f"sla-by-{by}",
        f"SLA compliance by {by}",
        (by, "clocks", "met", "breached", "open", "compliance %"),
        tuple(rows),
    )


# -- conversion ------------------------------------------------------------------------------


def conversion(session: Session, since: datetime, now: datetime, by: str = "salesperson") -> Table:
    """Inquiry -> order conversion per salesperson | market (see the module docstring)."""
    now = _utc(now)
    msg, cust = m.Message, m.Customer
    stmt = (
        select(
            msg.id, msg.thread_id, msg.received_at, msg.customer_id, cust.salesperson, cust.country
        )
        .outerjoin(cust, cust.id == msg.customer_id)
        .where(
            msg.direction == "inbound",
            msg.disposition == "process",
            msg.intent == "inquiry",
            msg.received_at <= now,
        )
        .order_by(msg.received_at, msg.id)
    )
    first: dict[tuple[str, int], Any] = {}
    for r in session.execute(stmt):
        key = ("t", r.thread_id) if r.thread_id is not None else ("m", r.id)
        first.setdefault(key, r)
    inquiries = [r for r in first.values() if _utc(r.received_at) >= _utc(since)]
    customers = {r.customer_id for r in inquiries if r.customer_id is not None}
    order_mail: dict[int, list[datetime]] = defaultdict(list)
    order_rows: dict[int, list[date]] = defaultdict(list)
    if customers:
        for cid, at in session.execute(
            select(msg.customer_id, msg.received_at).where(
                msg.customer_id.in_(customers),
                msg.direction == "inbound",
                msg.intent == "order",
                msg.received_at <= now,
            )
        ):
            if cid is not None:
                order_mail[cid].append(_utc(at))
        for cid, day in session.execute(
            select(m.Order.customer_id, m.Order.order_date).where(
                m.Order.customer_id.in_(customers), m.Order.order_date.is_not(None)
            )
        ):
            if day is not None:
                order_rows[cid].append(day)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in inquiries:
        at = _utc(r.received_at)
        won = r.customer_id is not None and (
            any(at < t for t in order_mail[r.customer_id])
            or any(at.date() <= d <= now.date() for d in order_rows[r.customer_id])
        )
        group = (r.salesperson if by == "salesperson" else r.country) or "(unknown)"
        counts[group][0] += 1
        counts[group][1] += int(won)
    return Table(
        f"conversion-by-{by}",
        f"Inquiry to order conversion by {'market' if by == 'country' else by}",
        ("market" if by == "country" else by, "inquiries", "converted", "rate %"),
        tuple((g, n, c, round(100 * c / n, 1)) for g, (n, c) in sorted(counts.items())),
    )
