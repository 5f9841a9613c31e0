"""In-memory fakes of the store ports for pure tests (may move to ``mailagent/testing.py``).

:class:`FakeDirectory` implements :class:`mailagent.context.Directory` over plain lists. Its
``customer_by_domain`` is exact-match only (the contract allows that; ``SqlDirectory`` also
walks parent domains), so stage tests prove the stage itself is parent-domain aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mailagent.context import ContactHit, CustomerInfo, OrderInfo
from mailagent.customers.keys import normalise_number

__all__ = ["FakeDirectory", "FakeRelations", "demo_directory"]


@dataclass
class FakeDirectory:
    """Customers, their domains, contacts and orders, plus a log of the lookups made."""

    customers: list[CustomerInfo] = field(default_factory=list)
    domains: dict[str, int] = field(default_factory=dict)
    contacts: list[ContactHit] = field(default_factory=list)
    orders: list[OrderInfo] = field(default_factory=list)
    calls: list[tuple[str, object]] = field(default_factory=list)

    # -- building -------------------------------------------------------------------------

    def add_customer(
        self,
        id: int,
        code: str,
        name: str,
        *,
        domains: Iterable[str] = (),
        status: str = "customer",
    ) -> CustomerInfo:
        info = CustomerInfo(id=id, code=code, name=name, status=status)
        self.customers.append(info)
        for domain in domains:
            self.domains[domain.lower()] = id
        return info

    def add_contact(self, customer_id: int, email: str, name: str = "") -> ContactHit:
        hit = ContactHit(customer_id=customer_id, contact_name=name, email=email.lower())
        self.contacts.append(hit)
        return hit

    def add_order(
        self, id: int, order_no: str, customer_id: int, *, po: str = "", pi: str = ""
    ) -> OrderInfo:
        info = OrderInfo(
            id=id, order_no=order_no, customer_id=customer_id, customer_po=po, pi_number=pi
        )
        self.orders.append(info)
        return info

    # -- the Directory protocol -----------------------------------------------------------

    def contacts_by_email(self, email: str) -> Sequence[ContactHit]:
        self.calls.append(("contacts_by_email", email))
        return [c for c in self.contacts if c.email == email.lower()]

    def customer_by_domain(self, domain: str) -> CustomerInfo | None:
        self.calls.append(("customer_by_domain", domain))
        customer_id = self.domains.get(domain.lower())
        return None if customer_id is None else self.customer(customer_id)

    def customer(self, customer_id: int) -> CustomerInfo | None:
        return next((c for c in self.customers if c.id == customer_id), None)

    def orders_by_numbers(self, numbers: Sequence[str]) -> Sequence[OrderInfo]:
        self.calls.append(("orders_by_numbers", tuple(numbers)))
        wanted = {normalise_number(n) for n in numbers} - {""}
        return [
            o
            for o in self.orders
            if wanted & {normalise_number(k) for k in (o.order_no, o.customer_po, o.pi_number)}
        ]

    def customer_names(self) -> Sequence[tuple[int, str]]:
        self.calls.append(("customer_names", None))
        return [(c.id, c.name) for c in self.customers]


@dataclass
class FakeRelations:
    """:class:`mailagent.triage.stages.relations.Relations` over a :class:`FakeDirectory`,
    plus the addresses we wrote to and the threads holding our own mail."""

    directory: FakeDirectory
    written_to: set[str] = field(default_factory=set)
    our_threads: set[int] = field(default_factory=set)

    def _real(self, customer_id: int) -> bool:
        info = self.directory.customer(customer_id)
        return info is not None and info.status == "customer"

    def customer_domains(self) -> Sequence[tuple[int, str]]:
        return [(cid, d) for d, cid in self.directory.domains.items() if self._real(cid)]

    def contacts_named(self, name: str) -> Sequence[ContactHit]:
        key = " ".join(name.casefold().split())
        return [
            c
            for c in self.directory.contacts
            if self._real(c.customer_id) and " ".join(c.contact_name.casefold().split()) == key
        ]

    def wrote_to(self, email: str) -> bool:
        return email.lower() in self.written_to

    def thread_has_our_mail(self, thread_id: int) -> bool:
        return thread_id in self.our_threads


def demo_directory() -> tuple[FakeDirectory, FakeRelations]:
    """The demo customer archive (customers, domains, contacts) as in-memory ports."""
    import csv

    from mailagent.demo import archive_dir

    directory = FakeDirectory()
    codes: dict[str, int] = {}
    with (archive_dir() / "customers.csv").open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), 1):
            codes[row["code"]] = i
            directory.add_customer(
                i, row["code"], row["name"], domains=row["domains"].split(";"), status=row["status"]
            )
    with (archive_dir() / "contacts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            directory.add_contact(codes[row["customer_code"]], row["email"], row["name"])
    return directory, FakeRelations(directory)
