"""A per-batch memo in front of a :class:`~mailagent.context.Directory`.

A triage batch asks the directory the same questions again and again (the same sender,
the same domain, the full customer-name list for every signature match). Within one
transaction the answers cannot change unless the batch itself writes customers, so the
triage stage wraps its :class:`~mailagent.db.directory.SqlDirectory` in this memo, fills it
for the whole claim at once (:meth:`CachedDirectory.preload`: one query for every sender's
contacts, one for their domains, instead of two per message), forgets what a new prospect
changes (:meth:`CachedDirectory.prospect_added`) and calls :meth:`CachedDirectory.clear`
after a rolled-back savepoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailagent.context import ContactHit, CustomerInfo, Directory, OrderInfo
from mailagent.customers.keys import parent_domains

__all__ = ["CachedDirectory"]


class CachedDirectory:
    """:class:`~mailagent.context.Directory` that remembers every answer until ``clear``."""

    def __init__(self, inner: Directory) -> None:
        self.inner = inner
        self.hits = 0
        self.misses = 0
        self._contacts: dict[str, Sequence[ContactHit]] = {}
        self._domains: dict[str, CustomerInfo | None] = {}
        self._customers: dict[int, CustomerInfo | None] = {}
        self._orders: dict[tuple[str, ...], Sequence[OrderInfo]] = {}
        self._names: Sequence[tuple[int, str]] | None = None

    def clear(self) -> None:
        self._contacts.clear()
        self._domains.clear()
        self._customers.clear()
        self._orders.clear()
        self._names = None

    def preload(
        self,
        contacts: Mapping[str, Sequence[ContactHit]],
        domains: Mapping[str, CustomerInfo | None],
        customers: Mapping[int, CustomerInfo | None] | None = None,
    ) -> None:
        """Answers fetched in bulk (keys lower-case), as if each had been asked; the
        customers found by domain are remembered by id too."""
        self._contacts.update((k, tuple(v)) for k, v in contacts.items())
        self._domains.update(domains)
        self._customers.update((c.id, c) for c in domains.values() if c is not None)
        self._customers.update(customers or {})

    def prospect_added(self, email: str, domain: str) -> None:
        """Forget the answers a new prospect (contact ``email``, maybe ``domain``) changes:
        that address's contacts, the domains under ``domain``, unknown customer ids and the
        name list. The rest of the memo (other senders, orders) still holds."""
        self._contacts.pop(email.strip().lower(), None)
        owned = domain.strip().lower()
        for key in [k for k in self._domains if owned and owned in parent_domains(k)]:
            del self._domains[key]
        for unknown in [k for k, v in self._customers.items() if v is None]:
            del self._customers[unknown]
        self._names = None

    def _seen(self, found: bool) -> None:
        if found:
            self.hits += 1
        else:
            self.misses += 1

    def contacts_by_email(self, email: str) -> Sequence[ContactHit]:
        key = email.strip().lower()
        self._seen(key in self._contacts)
        if key not in self._contacts:
            self._contacts[key] = tuple(self.inner.contacts_by_email(email))
        return self._contacts[key]

    def customer_by_domain(self, domain: str) -> CustomerInfo | None:
        key = domain.strip().lower()
        self._seen(key in self._domains)
        if key not in self._domains:
            self._domains[key] = self.inner.customer_by_domain(domain)
        return self._domains[key]

    def customer(self, customer_id: int) -> CustomerInfo | None:
        self._seen(customer_id in self._customers)
        if customer_id not in self._customers:
            self._customers[customer_id] = self.inner.customer(customer_id)
        return self._customers[customer_id]

    def orders_by_numbers(self, numbers: Sequence[str]) -> Sequence[OrderInfo]:
        key = tuple(sorted(set(numbers)))
        self._seen(key in self._orders)
        if key not in self._orders:
            self._orders[key] = tuple(self.inner.orders_by_numbers(numbers))
        return self._orders[key]

    def customer_names(self) -> Sequence[tuple[int, str]]:
        self._seen(self._names is not None)
        if self._names is None:
            self._names = tuple(self.inner.customer_names())
        return self._names
