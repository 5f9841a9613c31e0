"""Customer archive import: customers, contacts and orders from CSV or XLSX into the store.

``archive_rows.py`` reads and checks the files (``file:row N: column: problem`` errors);
this module then checks the rows against the database (unknown customer codes, domains owned
by a customer outside the import) and writes them in one transaction, only when there is no
error at all: otherwise :class:`~mailagent.errors.ImportDataError` lists the errors and
nothing is written. Rows are keyed on customer ``code``, (customer, contact ``email``) and
``order_no``, so importing the same files again changes nothing. A column missing from a
file leaves that field of existing rows untouched; an empty cell resets it to its default.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from mailagent.customers.rows import MAX_ERRORS, Batch, Item, RowErrors, check_files, read_table
from mailagent.customers.salespeople import check_salespeople
from mailagent.db.directory import DEFAULT_FREE_MAIL_DOMAINS
from mailagent.db.models import Contact, Customer, CustomerDomain, Order
from mailagent.db.queries import in_chunks
from mailagent.errors import ImportDataError

__all__ = ["MAX_ERRORS", "ImportCounts", "ImportReport", "import_archive", "read_table"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or, with ``dry_run``, would have done)."""

    customers: ImportCounts
    contacts: ImportCounts
    orders: ImportCounts
    dry_run: bool
    warnings: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = "dry run, nothing written: " if self.dry_run else ""
        kinds = f"customers {self.customers}; contacts {self.contacts}; orders {self.orders}"
        return "\n".join([head + kinds, *(f"warning: {w}" for w in self.warnings)])


# -- database ------------------------------------------------------------------------------


def _customers_by_code(session: Session, codes: Iterable[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for chunk in in_chunks(sorted(set(codes))):
        query = (
            select(Customer).where(Customer.code.in_(chunk)).options(selectinload(Customer.domains))
        )
        found.update((c.code, c) for c in session.scalars(query))
    return found


def _check_database(session: Session, batch: Batch, errors: RowErrors) -> dict[str, Customer]:
    """Unknown customer codes and domains owned by customers outside this import."""
    in_file = {item.key: item for item in batch.customers}
    linked = [*batch.contacts, *batch.orders]
    existing = _customers_by_code(session, [*in_file, *(i.customer_code for i in linked)])
    known = batch.declared | existing.keys()
    for kind, items in (("contacts", batch.contacts), ("orders", batch.orders)):
        label = batch.labels.get(f"{kind}.customer_code", "customer_code")
        for item in items:
            if item.customer_code not in known:
                errors.add(
                    item.file, item.row, label, f"unknown customer_code {item.customer_code!r}"
                )
    claims = {d: item for item in batch.customers for d in item.domains or ()}
    label = batch.labels.get("customers.domains", "domains")
    for chunk in in_chunks(sorted(claims)):
        query = (
            select(CustomerDomain.domain, Customer.code, Customer.name)
            .join(Customer)
            .where(CustomerDomain.domain.in_(chunk))
        )
        for domain, owner, name in session.execute(query):
            item = claims[domain]
            kept = in_file[owner].domains if owner in in_file else None
            released = kept is not None and domain not in kept
            if owner != item.key and not released:
                errors.add(
                    item.file,
                    item.row,
                    label,
                    f"domain {domain} already belongs to customer {owner} ({name})",
                )
    return existing


def _assign(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _count(created: int, updated: int, total: int) -> ImportCounts:
    return ImportCounts(created, updated, total - created - updated)


def _write_customers(
    session: Session, items: list[Item], existing: dict[str, Customer], now: datetime | None
) -> ImportCounts:
    created: set[str] = set()
    updated: set[str] = set()
    rows: dict[str, Customer] = {}
    for item in items:  # pass 1: fields, and give up domains (flushed before anyone claims)
        row = existing.get(item.key)
        if row is None:
            row = Customer(code=item.key, status="customer", created_at=now)
            session.add(row)
            created.add(item.key)
        if _assign(row, item.values):
            updated.add(item.key)
        if item.domains is not None:
            for old in [d for d in row.domains if d.domain not in item.domains]:
                row.domains.remove(old)
                updated.add(item.key)
        rows[item.key] = row
    session.flush()
    for item in items:  # pass 2: claim new domains
        row = rows[item.key]
        have = {d.domain for d in row.domains}
        for domain in item.domains or ():
            if domain not in have:
                row.domains.append(CustomerDomain(domain=domain))
                updated.add(item.key)
    session.flush()
    existing.update(rows)
    return _count(len(created), len(updated - created), len(items))


def _write_contacts(session: Session, items: list[Item], ids: dict[str, int]) -> ImportCounts:
    known: dict[tuple[int, str], Contact] = {}
    for chunk in in_chunks(sorted({i.key for i in items})):
        for contact in session.scalars(select(Contact).where(Contact.email.in_(chunk))):
            known[(contact.customer_id, contact.email)] = contact
    created = updated = 0
    for item in items:
        customer_id = ids[item.customer_code]
        row = known.get((customer_id, item.key))
        if row is None:
            session.add(Contact(customer_id=customer_id, **item.values))
            created += 1
        elif _assign(row, item.values):
            updated += 1
    return _count(created, updated, len(items))


def _write_orders(session: Session, items: list[Item], ids: dict[str, int]) -> ImportCounts:
    known: dict[str, Order] = {}
    for chunk in in_chunks(sorted({i.key for i in items})):
        known.update(
            (o.order_no, o) for o in session.scalars(select(Order).where(Order.order_no.in_(chunk)))
        )
    created = updated = 0
    for item in items:
        values = {**item.values, "customer_id": ids[item.customer_code]}
        row = known.get(item.key)
        if row is None:
            session.add(Order(**values))
            created += 1
        elif _assign(row, values):
            updated += 1
    return _count(created, updated, len(items))


def import_archive(
    session_factory: sessionmaker[Session],
    *,
    customers: Path | None,
    contacts: Path | None,
    orders: Path | None,
    dry_run: bool = False,
    free_mail_domains: Iterable[str] | None = None,
    now: datetime | None = None,
    salespeople: Mapping[str, str] | None = None,
) -> ImportReport:
    """Check the given files and, only if every row is valid, import them in one transaction.

    Raises :class:`ImportDataError` listing up to :data:`MAX_ERRORS` problems (``file:row N:
    column: problem``) and writes nothing. With ``dry_run`` everything is checked and counted
    but rolled back. ``now`` stamps ``created_at`` of new customers. With ``salespeople``
    (accepted spelling -> address, :func:`~mailagent.customers.salespeople.known_salespeople`)
    every salesperson must be one of them and is stored as the address.
    """
    if customers is None and contacts is None and orders is None:
        raise ImportDataError("no archive file given (customers, contacts or orders)")
    free = (
        frozenset(d.lower() for d in free_mail_domains)
        if free_mail_domains is not None
        else DEFAULT_FREE_MAIL_DOMAINS
    )
    errors = RowErrors()
    warnings: list[str] = []
    batch = check_files(customers, contacts, orders, free, errors, warnings)
    if salespeople is not None:
        check_salespeople(batch, salespeople, errors)
    with session_factory() as session:
        tx = session.begin()
        try:
            existing = _check_database(session, batch, errors)
            if errors.items:
                raise ImportDataError(errors.message())
            customer_counts = _write_customers(session, batch.customers, existing, now)
            ids = {code: row.id for code, row in existing.items()}
            report = ImportReport(
                customers=customer_counts,
                contacts=_write_contacts(session, batch.contacts, ids),
                orders=_write_orders(session, batch.orders, ids),
                dry_run=dry_run,
                warnings=tuple(warnings),
            )
            session.flush()
        except BaseException:
            tx.rollback()
            raise
        if dry_run:
            tx.rollback()
        else:
            tx.commit()
    log.info("archive import%s: %s", " (dry run)" if dry_run else "", report)
    return report
