"""The relationship evidence of the relevance gate, and the port it reads it through.

:class:`Relations` is a read-only port (implemented over the store by
``db/relations.py``): the domains of real customers (not prospects), contacts by display
name, whether we ever wrote to an address and whether a thread holds our own mail.
:func:`relationship` turns it, the filing decision and the thread into a
:class:`Relationship`: the credits that keep known correspondents out of the junk. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mailagent.context import ContactHit, Directory, ThreadContext
from mailagent.records import InboundMail, Link, LinkMethod

__all__ = ["NoRelations", "Relations", "Relationship", "relationship"]


class Relations(Protocol):
    """Read-only lookups the gate and the fraud checks need beyond the Directory."""

    def customer_domains(self) -> Sequence[tuple[int, str]]:
        """(customer id, domain) of every real customer (prospects excluded)."""
        ...

    def contacts_named(self, name: str) -> Sequence[ContactHit]:
        """Contacts of real customers whose display name equals ``name`` (case-folded)."""
        ...

    def wrote_to(self, email: str) -> bool:
        """True if we ever sent mail to ``email``."""
        ...

    def thread_has_our_mail(self, thread_id: int) -> bool: ...


class NoRelations:
    """A :class:`Relations` that knows nobody (a fresh installation, pure tests)."""

    def customer_domains(self) -> Sequence[tuple[int, str]]:
        return ()

    def contacts_named(self, name: str) -> Sequence[ContactHit]:
        return ()

    def wrote_to(self, email: str) -> bool:
        return False

    def thread_has_our_mail(self, thread_id: int) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Relationship:
    """Which relationship credits apply, each with its reason."""

    credits: tuple[tuple[str, str], ...]  # (credit name from [relationship], reason)

    @property
    def known(self) -> bool:
        return bool(self.credits)


def relationship(
    mail: InboundMail,
    link: Link | None,
    directory: Directory,
    relations: Relations,
    thread: ThreadContext | None,
) -> Relationship:
    """The relationship credits of ``mail``'s sender (exact evidence only: a look-alike
    domain or a name in the signature never counts)."""
    credits: list[tuple[str, str]] = []
    sender = mail.from_.email.lower() if mail.from_ else ""
    if sender:
        hits = directory.contacts_by_email(sender)
        real = [h for h in hits if _is_customer(directory, h.customer_id)]
        if real:
            credits.append(("known_contact", f"{sender} is a contact of a customer"))
        else:
            info = directory.customer_by_domain(sender.rpartition("@")[2])
            if info is not None and info.status == "customer":
                credits.append(("known_domain", f"{sender} is at customer {info.name}'s domain"))
        if relations.wrote_to(sender):
            credits.append(("we_wrote", f"we have written to {sender} before"))
    if thread is not None and relations.thread_has_our_mail(thread.thread_id):
        credits.append(("our_thread", "the thread holds our own earlier mail"))
    if link is not None and link.method is LinkMethod.ORDER_NUMBER and link.order_id:
        credits.append(("order_number", "it names one of our orders"))
    return Relationship(tuple(credits))


def _is_customer(directory: Directory, customer_id: int) -> bool:
    info = directory.customer(customer_id)
    return info is not None and info.status == "customer"
