"""Listing stored messages: the one query behind ``mailagent messages list``, the web inbox
and the message lists of customer and order pages.

:func:`list_messages` takes a :class:`MessageFilter` and an optional :class:`Scope` (the web
UI passes the viewer, whose scope limits the customers; the CLI passes none and sees all)
and returns :class:`MessageRow` records, newest first, one page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import exists, func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.messages.search import COUNT_CAP, Span, count_matches, matching_ids, terms
from mailagent.records import TranslationStatus
from mailagent.reports import queries as reports
from mailagent.sla.views import SLA_STATES, sla_condition

__all__ = [
    "MessageFilter",
    "MessageRow",
    "Scope",
    "count_found",
    "list_messages",
    "message_conditions",
    "unanswered_ids",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# these reads never write: on SQLite they begin DEFERRED, so a page never waits for the
# write lock a daemon's transaction holds (WAL readers see the last commit)
READ_ONLY = {"sqlite_begin": "DEFERRED"}


class Scope(Protocol):
    """Who is looking: a SQL condition on a customer id column (all rows: ``true()``)."""

    def customers(self, column: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class MessageFilter:
    intent: str | None = None
    customer_code: str | None = None
    customer_id: int | None = None
    order_id: int | None = None
    unanswered: bool = False
    sla: str | None = None
    needs_review: bool = False
    text: str = ""  # full-text search (messages.search)
    salesperson: str | None = None
    language: str | None = None
    disposition: str | None = None
    has_attachment: bool = False
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    received_at: datetime
    from_name: str
    from_email: str
    subject: str
    direction: str
    language: str | None
    intent: str | None
    customer_code: str | None
    customer_name: str | None
    salesperson: str | None
    order_no: str | None
    thread_id: int | None
    disposition: str
    translation_status: TranslationStatus
    answered: bool | None  # None: needs no answer (ours, machine-generated, intent "other")
    attachments: int
    status: str = "triaged"  # "new": captured, triage still to come
    needs_review: bool = False
    review_reasons: tuple[str, ...] = ()
    intent_secondary: str | None = None


def unanswered_ids(app: App, among: Sequence[int] | None = None) -> set[int]:
    """Messages still waiting for a reply, as the reports define it (``reports.unanswered``);
    ``among``: only those of these messages."""
    now = app.clock()
    with app.sessions() as session:
        session.connection(execution_options=READ_ONLY)
        items = reports.unanswered(session, now, _EPOCH, app.settings, among)
    return {item.message_pk for item in items}


def _needs_answer(direction: str, disposition: str, intent: str | None) -> bool:
    return direction == "inbound" and disposition == "process" and intent in reports.NEEDS_ANSWER


def message_conditions(flt: MessageFilter, waiting: set[int] | None) -> list[Any]:
    """The filters of ``flt`` but its text, as conditions on ``messages`` and ``customers``."""
    where: list[Any] = []
    if flt.salesperson:
        where.append(m.Customer.salesperson == flt.salesperson)
    if flt.language:
        where.append(m.Message.language == flt.language)
    if flt.disposition:
        where.append(m.Message.disposition == flt.disposition)
    if flt.has_attachment:
        where.append(
            exists().where(m.Attachment.message_pk == m.Message.id, m.Attachment.inline.is_(False))
        )
    if flt.since is not None:
        where.append(m.Message.received_at >= flt.since)
    if flt.until is not None:
        where.append(m.Message.received_at < flt.until)
    if flt.intent:
        where.append(m.Message.intent == flt.intent)
    if flt.customer_code:
        where.append(m.Customer.code == flt.customer_code)
    if flt.customer_id is not None:
        where.append(m.Message.customer_id == flt.customer_id)
    if flt.order_id is not None:
        where.append(m.Message.order_id == flt.order_id)
    if flt.unanswered and waiting is not None:
        where.append(m.Message.id.in_(waiting))
    if flt.needs_review:
        where.append(m.Message.needs_review.is_(True))
    if flt.sla in SLA_STATES:
        where.append(sla_condition(flt.sla))
    return where


_ROW_COLUMNS = (
    m.Message.id,
    m.Message.received_at,
    m.Message.from_name,
    m.Message.from_email,
    m.Message.subject,
    m.Message.direction,
    m.Message.language,
    m.Message.intent,
    m.Message.thread_id,
    m.Message.disposition,
    m.Message.translation_status,
    m.Message.status,
    m.Message.needs_review,
    m.Message.review_reasons,
    m.Message.intent_secondary,
    m.Customer.code,
    m.Customer.name,
    m.Customer.salesperson,
    m.Order.order_no,
)


def list_messages(
    app: App, flt: MessageFilter | None = None, scope: Scope | None = None
) -> list[MessageRow]:
    """One page of the messages ``flt`` selects within ``scope``, newest first.

    Only the listed columns are read (not whole messages: a page of 50 decoded rows with
    every JSON column was most of a page's time), attachments are counted in one query."""
    flt = flt or MessageFilter()
    waiting = unanswered_ids(app) if flt.unanswered else None
    page = max(flt.page, 1)
    where = message_conditions(flt, waiting)
    if scope is not None:
        where.append(scope.customers(m.Message.customer_id))
    stmt = (
        select(*_ROW_COLUMNS)
        .outerjoin(m.Customer, m.Customer.id == m.Message.customer_id)
        .outerjoin(m.Order, m.Order.id == m.Message.order_id)
    )
    with app.sessions() as session:
        session.connection(execution_options=READ_ONLY)
        if terms(flt.text):  # the search index picks the page, newest first
            ids = matching_ids(
                session,
                flt.text,
                where,
                span=Span(flt.since, flt.until),
                limit=flt.per_page,
                offset=(page - 1) * flt.per_page,
            )
            rank = {pk: n for n, pk in enumerate(ids)}
            found = sorted(
                session.execute(stmt.where(m.Message.id.in_(ids))).all(),
                key=lambda r: rank[r.id],
            )
        else:
            stmt = stmt.where(*where).order_by(m.Message.received_at.desc(), m.Message.id.desc())
            found = list(
                session.execute(stmt.limit(flt.per_page).offset((page - 1) * flt.per_page))
            )
        attachments: dict[int, int] = dict(
            session.execute(
                select(m.Attachment.message_pk, func.count())
                .where(
                    m.Attachment.message_pk.in_([r.id for r in found]),
                    m.Attachment.inline.is_(False),
                )
                .group_by(m.Attachment.message_pk)
            ).all()
        )
        needing = [r.id for r in found if _needs_answer(r.direction, r.disposition, r.intent)]
        if waiting is None and needing:  # only the shown rows: were they answered?
            items = reports.unanswered(session, app.clock(), _EPOCH, app.settings, needing)
            waiting = {item.message_pk for item in items}
    waiting = waiting or set()
    return [
        MessageRow(
            id=r.id,
            received_at=r.received_at,
            from_name=r.from_name,
            from_email=r.from_email,
            subject=r.subject,
            direction=r.direction,
            language=r.language,
            intent=r.intent,
            customer_code=r.code,
            customer_name=r.name,
            salesperson=r.salesperson,
            order_no=r.order_no,
            thread_id=r.thread_id,
            disposition=r.disposition,
            translation_status=r.translation_status,
            answered=r.id not in waiting
            if _needs_answer(r.direction, r.disposition, r.intent)
            else None,
            attachments=attachments.get(r.id, 0),
            status=r.status,
            needs_review=r.needs_review,
            review_reasons=tuple(r.review_reasons or ()),
            intent_secondary=r.intent_secondary,
        )
        for r in found
    ]


def count_found(
    app: App, flt: MessageFilter, scope: Scope | None = None, cap: int = COUNT_CAP
) -> tuple[int, bool]:
    """How many messages a search ``flt`` finds, counted up to ``cap`` (``True``: more)."""
    waiting = unanswered_ids(app) if flt.unanswered else None
    where = message_conditions(flt, waiting)
    if scope is not None:
        where.append(scope.customers(m.Message.customer_id))
    with app.sessions() as session:
        session.connection(execution_options=READ_ONLY)
        return count_matches(session, flt.text, where, cap, Span(flt.since, flt.until))
