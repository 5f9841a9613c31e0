"""Salesperson cells of the customer archive: each must name someone who can see the customer.

A customer's ``salesperson`` is matched against web UI logins (``users.email``): a sales user
sees exactly the customers whose salesperson is their address. A value nobody logs in with
("nobody", a typo, a name) would import customers that no salesperson can see, so it is a
row error. Accepted spellings come from :func:`known_salespeople` (log-ins and
``drafts.salespeople``: address, display name, local name) and are stored as the address.
Pure except :func:`known_salespeople`, which reads the store.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailagent.config import Settings
from mailagent.customers.rows import Batch, RowErrors
from mailagent.db import models as m

__all__ = ["check_salespeople", "known_salespeople"]


def known_salespeople(session: Session, settings: Settings) -> dict[str, str]:
    """Accepted spelling (casefolded) -> the salesperson's address."""
    known: dict[str, str] = {}
    for email, name in session.execute(
        select(m.User.email, m.User.display_name).where(m.User.active.is_(True))
    ):
        known[email.casefold()] = email
        if name.strip():
            known.setdefault(name.strip().casefold(), email)
    for person in settings.drafts.salespeople:
        if person.email:
            address = person.email.strip().lower()
            for spelling in (address, person.name, person.name_local):
                if spelling.strip():
                    known.setdefault(spelling.strip().casefold(), address)
    return known


def check_salespeople(batch: Batch, known: Mapping[str, str], errors: RowErrors) -> None:
    """Replace each salesperson by its address, or add a row error naming the problem."""
    label = batch.labels.get("customers.salesperson", "salesperson")
    for item in batch.customers:
        value = item.values.get("salesperson")
        if not value:
            continue
        address = known.get(str(value).strip().casefold())
        if address is not None:
            item.values["salesperson"] = address
            continue
        if not known:
            hint = "no salespeople are known yet: add them first with mailagent users add"
        else:
            shown = ", ".join(sorted(set(known.values()))[:5])
            hint = f"known: {shown}{', ...' if len(set(known.values())) > 5 else ''}"
        errors.add(item.file, item.row, label, f"unknown salesperson {value!r} ({hint})")
