"""Read models behind the web UI's pages: inbox rows, customer and order pages, attachments.

Use cases like ``services.py`` (they take the :class:`~mailagent.app.App` and return frozen
records), but every one of them is scoped by a :class:`~mailagent.web.access.Viewer`: rows
outside the viewer's scope are never returned and single items raise ``NotFound`` exactly
as if they did not exist. Routes only parse input, call these and render the result.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.errors import NotFound
from mailagent.messages.listing import MessageFilter, MessageRow, list_messages, unanswered_ids
from mailagent.messages.service import MessageDetail, message_detail
from mailagent.web.access import Viewer

__all__ = [
    "AttachmentFile",
    "CustomerOption",
    "CustomerPage",
    "CustomerRow",
    "OrderPage",
    "OrderRow",
    "attachment_file",
    "customer_options",
    "customer_page",
    "customer_rows",
    "order_options",
    "order_page",
    "scoped_message",
]


@dataclass(frozen=True, slots=True)
class CustomerOption:
    code: str
    name: str
    salesperson: str


@dataclass(frozen=True, slots=True)
class CustomerRow:
    code: str
    name: str
    country: str
    status: str
    salesperson: str
    messages: int
    unanswered: int
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderRow:
    order_no: str
    customer_code: str
    customer_po: str
    pi_number: str
    status: str
    currency: str
    amount: Decimal
    paid_amount: Decimal
    order_date: date | None
    due_date: date | None


@dataclass(frozen=True, slots=True)
class CustomerPage:
    code: str
    name: str
    country: str
    timezone: str
    language: str
    salesperson: str
    status: str
    domains: tuple[str, ...]
    contacts: tuple[dict[str, Any], ...]  # name, email, phone, role, preferences (greetings)
    orders: tuple[OrderRow, ...]
    messages: tuple[MessageRow, ...]


@dataclass(frozen=True, slots=True)
class OrderPage:
    order: OrderRow
    customer_name: str
    messages: tuple[MessageRow, ...]


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    filename: str
    data: bytes


def scoped_message(app: App, viewer: Viewer, message_pk: int) -> MessageDetail:
    """``services.message_detail`` for a message the viewer may see, else NotFound."""
    with app.sessions() as session:
        if not viewer.may_see_message(session, message_pk):
            raise NotFound(f"no message with id {message_pk}")
    return message_detail(app, message_pk)


def customer_options(app: App, viewer: Viewer) -> list[CustomerOption]:
    stmt = select(m.Customer).where(viewer.customers(m.Customer.id)).order_by(m.Customer.name)
    with app.sessions() as session:
        return [CustomerOption(c.code, c.name, c.salesperson) for c in session.scalars(stmt)]


def customer_rows(app: App, viewer: Viewer) -> list[CustomerRow]:
    """The viewer's customers with message counts, most recently active first."""
    waiting = unanswered_ids(app)
    stmt = (
        select(
            m.Customer,
            func.count(m.Message.id),
            func.count(m.Message.id).filter(m.Message.id.in_(waiting)),
            func.max(m.Message.received_at),
        )
        .outerjoin(m.Message, m.Message.customer_id == m.Customer.id)
        .where(viewer.customers(m.Customer.id))
        .group_by(m.Customer.id)
    )
    with app.sessions() as session:
        rows = [
            CustomerRow(c.code, c.name, c.country, c.status, c.salesperson, n, open_n, last)
            for c, n, open_n, last in session.execute(stmt)
        ]

    def recency(r: CustomerRow) -> tuple[bool, datetime, str]:
        # SQLite hands back naive UTC, PostgreSQL aware datetimes: compare them naive
        return (r.last_at is not None, (r.last_at or datetime.min).replace(tzinfo=None), r.name)

    return sorted(rows, key=recency, reverse=True)


def _order_row(o: m.Order, code: str) -> OrderRow:
    return OrderRow(
        order_no=o.order_no,
        customer_code=code,
        customer_po=o.customer_po,
        pi_number=o.pi_number,
        status=o.status,
        currency=o.currency,
        amount=o.amount,
        paid_amount=o.paid_amount,
        order_date=o.order_date,
        due_date=o.due_date,
    )


def order_options(app: App, viewer: Viewer) -> list[OrderRow]:
    stmt = (
        select(m.Order, m.Customer.code)
        .join(m.Customer, m.Customer.id == m.Order.customer_id)
        .where(viewer.customers(m.Order.customer_id))
        .order_by(m.Customer.code, m.Order.order_no.desc())
    )
    with app.sessions() as session:
        return [_order_row(o, code) for o, code in session.execute(stmt)]


def customer_page(app: App, viewer: Viewer, code: str, *, recent: int = 30) -> CustomerPage:
    with app.sessions() as session:
        cust = session.scalar(select(m.Customer).where(m.Customer.code == code))
        if cust is None or not viewer.may_see_customer(session, cust.id):
            raise NotFound(f"no customer {code!r}")
        orders = session.scalars(
            select(m.Order).where(m.Order.customer_id == cust.id).order_by(m.Order.order_no.desc())
        )
        page = CustomerPage(
            code=cust.code,
            name=cust.name,
            country=cust.country,
            timezone=cust.timezone,
            language=cust.language,
            salesperson=cust.salesperson,
            status=cust.status,
            domains=tuple(sorted(d.domain for d in cust.domains)),
            contacts=tuple(
                {
                    "name": c.name,
                    "email": c.email,
                    "phone": c.phone,
                    "role": c.role,
                    "preferences": dict(c.preferences or {}),
                }
                for c in sorted(cust.contacts, key=lambda c: c.name)
            ),
            orders=tuple(_order_row(o, cust.code) for o in orders),
            messages=(),
        )
        customer_id = cust.id
    msgs = list_messages(app, MessageFilter(customer_id=customer_id, per_page=recent), viewer)
    return dataclasses.replace(page, messages=tuple(msgs))


def order_page(app: App, viewer: Viewer, order_no: str, *, recent: int = 50) -> OrderPage:
    with app.sessions() as session:
        row = session.execute(
            select(m.Order, m.Customer)
            .join(m.Customer, m.Customer.id == m.Order.customer_id)
            .where(m.Order.order_no == order_no)
        ).first()
        if row is None or not viewer.may_see_customer(session, row[1].id):
            raise NotFound(f"no order {order_no!r}")
        order, cust = row
        result = _order_row(order, cust.code), cust.name, order.id
    msgs = list_messages(app, MessageFilter(order_id=result[2], per_page=recent), viewer)
    return OrderPage(order=result[0], customer_name=result[1], messages=tuple(msgs))


def attachment_file(app: App, viewer: Viewer, message_pk: int, index: int) -> AttachmentFile:
    """The stored bytes of the message's ``index``-th attachment (NotFound if none)."""
    with app.sessions() as session:
        if not viewer.may_see_message(session, message_pk):
            raise NotFound(f"no message with id {message_pk}")
        rows = session.scalars(
            select(m.Attachment)
            .where(m.Attachment.message_pk == message_pk)
            .order_by(m.Attachment.id)
        ).all()
        if not 0 <= index < len(rows) or not rows[index].stored:
            raise NotFound(f"message {message_pk} has no stored attachment {index}")
        filename, sha = rows[index].filename, rows[index].sha256
    try:
        data = app.blobs.get_attachment(sha)
    except FileNotFoundError as exc:
        raise NotFound(f"attachment {sha} is missing from the blob store") from exc
    return AttachmentFile(filename=filename or f"attachment-{index + 1}.bin", data=data)
