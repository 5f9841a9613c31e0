"""The store side of customer linking: ``SqlDirectory`` and the link writes.

:class:`SqlDirectory` implements the read-only :class:`mailagent.context.Directory` port over
the ``customers``, ``customer_domains``, ``contacts`` and ``orders`` tables for the link stage.
The write helpers belong to the service layer's transaction (they never commit):
:func:`create_prospect` files an unknown inquiry sender as a ``prospect`` customer,
:func:`refile` records a user's correction (``link_manual``) with an ``audit_events`` row, and
:func:`apply_link` stores a pipeline :class:`~mailagent.records.Link` unless the message was
re-filed by hand (:func:`is_manual`), so re-triage never overwrites a person's decision.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent.config import TeamSettings
from mailagent.context import ContactHit, CustomerInfo, OrderInfo
from mailagent.customers.keys import NUMBER_SEPARATORS, normalise_number, parent_domains
from mailagent.customers.names import company_line
from mailagent.db.models import AuditEvent, Contact, Customer, CustomerDomain, Message, Order
from mailagent.errors import NotFound
from mailagent.records import InboundMail, Link, LinkMethod

__all__ = [
    "DEFAULT_FREE_MAIL_DOMAINS",
    "SqlDirectory",
    "apply_link",
    "create_prospect",
    "is_manual",
    "normalised_number_sql",
    "refile",
]

log = logging.getLogger(__name__)
audit = logging.getLogger("mailagent.audit")

DEFAULT_FREE_MAIL_DOMAINS: frozenset[str] = frozenset(TeamSettings().free_mail_domains)


def normalised_number_sql(column: Any) -> ColumnElement[str]:
    """SQL twin of :func:`~mailagent.customers.keys.normalise_number` (ASCII keys).

    ``upper(replace(replace(col, ' ', ''), '-', ''), ...)``: portable to SQLite and
    PostgreSQL. Build it once per statement (see ``_ORDERS_BY_NUMBERS``), not per call:
    every call constructs a new function tree. It cannot use a plain index; an expression
    index on it (or a stored normalised column) would make the lookup indexed once the
    orders table is large.
    """
    expr: ColumnElement[str] = column
    for char in NUMBER_SEPARATORS:
        expr = func.replace(expr, char, "")
    return func.upper(expr)


# The per-message reads, built once: a statement constructed per call costs more CPU than
# SQLite takes to run it (SQLAlchemy coerces every clause and rebuilds the function tree of
# the normalised order number); built once, each call only binds its values, and the
# compiled form comes from the engine's statement cache.
_CONTACTS_BY_EMAIL = (
    select(Contact.customer_id, Contact.name, Contact.email)
    .where(Contact.email == bindparam("email"))
    .order_by(Contact.customer_id, Contact.id)
)
_CUSTOMER_BY_DOMAIN = (
    select(CustomerDomain.domain, Customer)
    .join(Customer, Customer.id == CustomerDomain.customer_id)
    .where(CustomerDomain.domain.in_(bindparam("domains", expanding=True)))
)
_ORDERS_BY_NUMBERS: Select[Any] = (
    select(Order)
    .where(
        or_(
            *(
                normalised_number_sql(c).in_(bindparam("keys", expanding=True))
                for c in (Order.order_no, Order.customer_po, Order.pi_number)
            )
        )
    )
    .order_by(Order.id)
)
_CUSTOMER_NAMES = select(Customer.id, Customer.name).order_by(Customer.id)
_CUSTOMERS_BY_IDS: Select[Any] = select(Customer).where(
    Customer.id.in_(bindparam("ids", expanding=True))
)
_CONTACTS_BY_EMAILS = (
    select(Contact.email, Contact.customer_id, Contact.name)
    .where(Contact.email.in_(bindparam("emails", expanding=True)))
    .order_by(Contact.customer_id, Contact.id)
)


def _customer_info(row: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=row.id,
        code=row.code,
        name=row.name,
        country=row.country,
        timezone=row.timezone,
        language=row.language,
        salesperson=row.salesperson,
        status=row.status,
    )


class SqlDirectory:
    """:class:`~mailagent.context.Directory` over an open session (reads only)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def contacts_by_email(self, email: str) -> Sequence[ContactHit]:
        """Contacts with exactly this address (addresses are stored lower-case)."""
        rows = self.session.execute(_CONTACTS_BY_EMAIL, {"email": email.strip().lower()})
        return [ContactHit(customer_id=r[0], contact_name=r[1], email=r[2]) for r in rows]

    def customer_by_domain(self, domain: str) -> CustomerInfo | None:
        """The customer owning ``domain`` or its nearest parent (mail.acme.com → acme.com)."""
        return self.customers_by_domains([domain]).get(domain.strip().lower())

    def contacts_by_emails(self, emails: Sequence[str]) -> dict[str, tuple[ContactHit, ...]]:
        """:meth:`contacts_by_email` of many addresses in one query (every one answered)."""
        keys = sorted({e.strip().lower() for e in emails})
        found: dict[str, list[ContactHit]] = {k: [] for k in keys}
        if keys:
            for r in self.session.execute(_CONTACTS_BY_EMAILS, {"emails": keys}):
                found[r[0]].append(ContactHit(customer_id=r[1], contact_name=r[2], email=r[0]))
        return {k: tuple(v) for k, v in found.items()}

    def customers_by_domains(self, domains: Sequence[str]) -> dict[str, CustomerInfo | None]:
        """:meth:`customer_by_domain` of many domains in one query (every one answered)."""
        keys = sorted({d.strip().lower() for d in domains} - {""})
        candidates = sorted({c for k in keys for c in parent_domains(k)})
        if not candidates:
            return {k: None for k in keys}
        owners = {
            r[0]: r[1] for r in self.session.execute(_CUSTOMER_BY_DOMAIN, {"domains": candidates})
        }
        found: dict[str, CustomerInfo | None] = {}
        for key in keys:
            owned = [c for c in parent_domains(key) if c in owners]
            found[key] = _customer_info(owners[max(owned, key=len)]) if owned else None
        return found

    def customers(self, ids: Sequence[int]) -> dict[int, CustomerInfo | None]:
        """:meth:`customer` of many ids in one query (every one answered)."""
        keys = sorted(set(ids))
        found: dict[int, CustomerInfo | None] = dict.fromkeys(keys)
        if keys:
            for row in self.session.scalars(_CUSTOMERS_BY_IDS, {"ids": keys}):
                found[row.id] = _customer_info(row)
        return found

    def customer(self, customer_id: int) -> CustomerInfo | None:
        row = self.session.get(Customer, customer_id)
        return _customer_info(row) if row is not None else None

    def orders_by_numbers(self, numbers: Sequence[str]) -> Sequence[OrderInfo]:
        """Orders whose order_no, customer_po or pi_number normalises to one of ``numbers``."""
        keys = sorted({normalise_number(n) for n in numbers} - {""})
        if not keys:
            return []
        rows = self.session.scalars(_ORDERS_BY_NUMBERS, {"keys": keys})
        return [
            OrderInfo(
                id=o.id,
                order_no=o.order_no,
                customer_id=o.customer_id,
                customer_po=o.customer_po,
                pi_number=o.pi_number,
                status=o.status,
            )
            for o in rows
        ]

    def customer_names(self) -> Sequence[tuple[int, str]]:
        rows = self.session.execute(_CUSTOMER_NAMES)
        return [(r[0], r[1]) for r in rows]


# -- prospects -----------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")[:48] or "unknown"


def _next_code(session: Session, base: str) -> str:
    prefix = f"P-{_slug(base)}-"
    taken = session.scalars(select(Customer.code).where(Customer.code.like(prefix + "%")))
    numbers = [int(c[len(prefix) :]) for c in taken if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


PROSPECT_ATTEMPTS = 3  # another worker may create the same prospect (code, domain) at once


def create_prospect(
    session: Session,
    mail: InboundMail,
    now: datetime,
    *,
    free_mail_domains: frozenset[str] = DEFAULT_FREE_MAIL_DOMAINS,
) -> int:
    """Create a ``prospect`` customer (with the sender as contact) and return its id.

    Code ``P-<domain>-N`` (``P-<local part>-N`` for free-mail senders); name from a signature
    line with a legal form, else the display name, else the domain or address; the domain is
    registered only for company mail and only if nobody owns it yet. Idempotent per address:
    if the sender is already a contact, that contact's customer id is returned.

    Several triage workers on one PostgreSQL can race to create the same prospect (or take
    the same code or domain). The insert runs in a savepoint; when a unique key says another
    transaction committed first, it is tried again against what that one wrote: the same
    sender then finds its contact, another sender gets the next code.
    """
    for _ in range(PROSPECT_ATTEMPTS - 1):
        try:
            with session.begin_nested():
                return _create_prospect(session, mail, now, free_mail_domains)
        except IntegrityError as exc:
            log.info(
                "%s: prospect created concurrently by another worker (%s); trying again",
                mail.message_id,
                type(exc.orig).__name__,
            )
    with session.begin_nested():  # the last attempt: a conflict now is an error
        return _create_prospect(session, mail, now, free_mail_domains)


def _create_prospect(
    session: Session, mail: InboundMail, now: datetime, free_mail_domains: frozenset[str]
) -> int:
    party = mail.from_ or mail.sender
    if party is None:
        raise ValueError(f"{mail.message_id}: no sender address to create a prospect from")
    email = party.email.strip().lower()
    known = session.scalars(
        select(Contact.customer_id).where(Contact.email == email).order_by(Contact.id)
    ).first()
    if known is not None:
        return known
    local, _, domain = email.rpartition("@")
    company = bool(domain) and not any(d in free_mail_domains for d in parent_domains(domain))
    code = _next_code(session, domain if company else local)
    name = company_line(mail.signature) or party.name.strip() or (domain if company else email)
    customer = Customer(code=code, name=name[:300], status="prospect", created_at=now)
    claimed = session.scalar(select(CustomerDomain.id).where(CustomerDomain.domain == domain))
    if company and claimed is None:
        customer.domains.append(CustomerDomain(domain=domain))
    customer.contacts.append(Contact(name=party.name.strip()[:300], email=email))
    session.add(customer)
    session.flush()
    why = f"unknown sender {email} of an inquiry ({mail.message_id})"
    session.add(
        AuditEvent(
            at=now,
            actor="mailagent",
            action="customer.prospect_created",
            message_pk=None,
            detail={
                "customer_id": customer.id,
                "code": code,
                "name": customer.name,
                "domain": domain if company and claimed is None else None,
                "reason": why,
            },
        )
    )
    audit.info("%s: prospect %s (%s) created: %s", mail.message_id, code, customer.name, why)
    return customer.id


# -- manual corrections --------------------------------------------------------------------


def is_manual(session: Session, message_pk: int) -> bool:
    """True when a user re-filed the message: re-triage must leave its link alone."""
    return bool(session.scalar(select(Message.link_manual).where(Message.id == message_pk)))


def apply_link(session: Session, message_pk: int, link: Link) -> bool:
    """Store a pipeline link on the message; returns False (and changes nothing) if manual."""
    message = session.get(Message, message_pk)
    if message is None:
        raise NotFound(f"message {message_pk} not found")
    if message.link_manual:
        log.info("%s: link kept (re-filed by hand)", message.message_id)
        return False
    message.customer_id = link.customer_id
    message.order_id = link.order_id
    message.link_method = link.method.value
    message.order_link_method = link.order_method.value
    message.link_reasons = list(link.reasons)
    message.link_ambiguous = link.ambiguous
    return True


def _label(session: Session, model: type[Customer] | type[Order], pk: int | None) -> str:
    if pk is None:
        return "none"
    row = session.get(model, pk)
    if isinstance(row, Customer):
        return f"{row.name} ({row.code})"
    return row.order_no if isinstance(row, Order) else f"#{pk}"


def refile(
    session: Session,
    message_pk: int,
    customer_id: int | None,
    order_id: int | None,
    actor: str,
    now: datetime,
    *,
    note: str = "",
) -> None:
    """A user's correction: file the message under ``customer_id`` / ``order_id``.

    An order alone implies its customer; an order of another customer is refused
    (``ValueError``); unknown ids raise ``NotFound``. The link becomes ``manual``, its
    reasons describe the correction, and an ``audit_events`` row keeps the previous link.
    """
    message = session.get(Message, message_pk)
    if message is None:
        raise NotFound(f"message {message_pk} not found")
    if order_id is not None:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound(f"order {order_id} not found")
        if customer_id is None:
            customer_id = order.customer_id
        elif order.customer_id != customer_id:
            raise ValueError(
                f"order {order.order_no} belongs to customer {order.customer_id}, not {customer_id}"
            )
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise NotFound(f"customer {customer_id} not found")
    before = {
        "customer_id": message.customer_id,
        "order_id": message.order_id,
        "method": message.link_method,
        "order_method": message.order_link_method,
        "reasons": list(message.link_reasons or []),
        "ambiguous": message.link_ambiguous,
    }
    old_customer = _label(session, Customer, message.customer_id)
    old_order = _label(session, Order, message.order_id)
    reasons = [
        f"re-filed by {actor}: customer {_label(session, Customer, customer_id)} "
        f"(was {old_customer})",
        f"order {_label(session, Order, order_id)} (was {old_order})",
    ]
    if note:
        reasons.append(f"note: {note}")
    message.customer_id = customer_id
    message.order_id = order_id
    message.link_method = LinkMethod.MANUAL.value
    message.order_link_method = LinkMethod.MANUAL.value
    message.link_reasons = reasons
    message.link_ambiguous = False
    message.link_manual = True
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action="message.refile",
            message_pk=message_pk,
            detail={
                "before": before,
                "after": {"customer_id": customer_id, "order_id": order_id},
                "note": note,
            },
        )
    )
    audit.info("%s re-filed by %s: %s", message.message_id, actor, "; ".join(reasons))
