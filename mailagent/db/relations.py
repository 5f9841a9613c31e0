"""Store implementation of the gate's :class:`~mailagent.triage.stages.relations.Relations`
port: customer domains, contacts by name, addresses we wrote to, threads with our mail.

Answers are memoised for the life of the object (one triage batch); call :meth:`clear`
after a write that could change them. Takes the caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from mailagent.context import ContactHit
from mailagent.db import models as m

__all__ = ["SqlRelations"]


class SqlRelations:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._domains: Sequence[tuple[int, str]] | None = None
        self._names: dict[str, list[ContactHit]] | None = None
        self._wrote: dict[str, bool] = {}
        self._threads: dict[int, bool] = {}

    def clear(self) -> None:
        self._domains, self._names = None, None
        self._wrote.clear()
        self._threads.clear()

    def customer_domains(self) -> Sequence[tuple[int, str]]:
        if self._domains is None:
            rows = self.session.execute(
                select(m.CustomerDomain.customer_id, m.CustomerDomain.domain)
                .join(m.Customer, m.Customer.id == m.CustomerDomain.customer_id)
                .where(m.Customer.status == "customer")
            ).all()
            self._domains = tuple((int(cid), str(d).lower()) for cid, d in rows)
        return self._domains

    def contacts_named(self, name: str) -> Sequence[ContactHit]:
        if self._names is None:
            names: dict[str, list[ContactHit]] = {}
            rows = self.session.execute(
                select(m.Contact.customer_id, m.Contact.name, m.Contact.email)
                .join(m.Customer, m.Customer.id == m.Contact.customer_id)
                .where(m.Customer.status == "customer", m.Contact.name != "")
            ).all()
            for cid, cname, email in rows:
                key = " ".join(str(cname).casefold().split())
                names.setdefault(key, []).append(ContactHit(int(cid), str(cname), str(email)))
            self._names = names
        return tuple(self._names.get(" ".join(name.casefold().split()), ()))

    def wrote_to(self, email: str) -> bool:
        key = email.strip().lower()
        if key not in self._wrote:
            needle = f'%"{key}"%'
            found = self.session.scalar(
                select(m.Message.id)
                .where(
                    m.Message.direction == "outbound",
                    func.lower(cast(m.Message.to_addrs, Text)).like(needle),
                )
                .limit(1)
            )
            self._wrote[key] = found is not None
        return self._wrote[key]

    def thread_has_our_mail(self, thread_id: int) -> bool:
        if thread_id not in self._threads:
            found = self.session.scalar(
                select(m.Message.id)
                .where(m.Message.thread_id == thread_id, m.Message.direction == "outbound")
                .limit(1)
            )
            self._threads[thread_id] = found is not None
        return self._threads[thread_id]
