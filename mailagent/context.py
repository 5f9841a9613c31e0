"""What pipeline stages receive: the Context record and the port Protocols.

Stages never import sqlalchemy, imapclient or smtplib and never read the clock; they reach
the outside world only through these ports. ``db/directory.py`` implements
:class:`Directory` over the store; ``mailagent/testing.py`` has in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from mailagent.records import Intent

__all__ = [
    "ContactHit",
    "Context",
    "CustomerInfo",
    "Directory",
    "OrderInfo",
    "ThreadContext",
]


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    id: int
    code: str
    name: str
    country: str = ""
    timezone: str = ""
    language: str = ""
    salesperson: str = ""
    status: str = "customer"


@dataclass(frozen=True, slots=True)
class ContactHit:
    customer_id: int
    contact_name: str
    email: str


@dataclass(frozen=True, slots=True)
class OrderInfo:
    id: int
    order_no: str
    customer_id: int
    customer_po: str = ""
    pi_number: str = ""
    status: str = ""


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """What the store already knows about the thread a new message joins (if any)."""

    thread_id: int
    method: str  # "references" | "token" | "subject"
    customer_id: int | None = None
    order_id: int | None = None
    last_intent: Intent | None = None
    intents: tuple[Intent, ...] = ()


class Directory(Protocol):
    """Read-only lookups of customers, contacts and orders."""

    def contacts_by_email(self, email: str) -> Sequence[ContactHit]: ...

    def customer_by_domain(self, domain: str) -> CustomerInfo | None: ...

    def customer(self, customer_id: int) -> CustomerInfo | None: ...

    def orders_by_numbers(self, numbers: Sequence[str]) -> Sequence[OrderInfo]:
        """Orders whose order_no, customer_po or pi_number equals one of ``numbers``
        (case-insensitive, normalised)."""
        ...

    def customer_names(self) -> Sequence[tuple[int, str]]: ...


@dataclass(frozen=True)
class Context:
    """Everything a stage may use. ``now`` is a value, never a clock call."""

    now: datetime
    team_language: str
    own_domains: tuple[str, ...] = ()
    free_mail_domains: frozenset[str] = field(default_factory=frozenset)
