"""Store implementation of the gate's :class:`~mailagent.triage.stages.relations.Relations`
port: customer domains, contacts by name, addresses we wrote to, threads with our mail.

Answers are memoised for the life of the object (one triage batch); call :meth:`clear`
after a write that could change them. Takes the caller's session and never commits.

The addresses we wrote to are kept per database for the life of the process and read
incrementally (outbound messages above the highest id seen), so "did we ever write to
this sender" costs no scan of the messages table per mail; the set is re-read whole
every :data:`RECIPIENTS_RELOAD` seconds (a row committed late under a lower id, a
deleted message).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from mailagent.context import ContactHit
from mailagent.db import models as m

__all__ = ["RECIPIENTS_RELOAD", "SqlRelations"]

RECIPIENTS_RELOAD = 60.0


@dataclass
class _Recipients:
    loaded_at: float = field(default_factory=time.monotonic)
    seen_id: int = 0
    addresses: set[str] = field(default_factory=set)


_recipients: weakref.WeakKeyDictionary[Engine | Connection, _Recipients] = (
    weakref.WeakKeyDictionary()
)
_recipients_lock = threading.Lock()


def _emails(addrs: Any) -> list[str]:
    if not isinstance(addrs, list):
        return []
    out = []
    for a in addrs:
        email = a.get("email") if isinstance(a, dict) else None
        if isinstance(email, str) and email.strip():
            out.append(email.strip().lower())
    return out


class SqlRelations:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._domains: Sequence[tuple[int, str]] | None = None
        self._names: dict[str, list[ContactHit]] | None = None
        self._wrote: frozenset[str] | None = None
        self._threads: dict[int, bool] = {}

    def clear(self) -> None:
        self._domains, self._names, self._wrote = None, None, None
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
        if self._wrote is None:
            self._wrote = self._recipients()
        return email.strip().lower() in self._wrote

    def _recipients(self) -> frozenset[str]:
        """Every address an outbound message went to (read once per batch, incrementally)."""
        bind = self.session.get_bind()
        with _recipients_lock:
            known = _recipients.get(bind)
            if known is None or time.monotonic() - known.loaded_at > RECIPIENTS_RELOAD:
                known = _recipients[bind] = _Recipients()
            rows = self.session.execute(
                select(m.Message.id, m.Message.to_addrs)
                .where(m.Message.direction == "outbound", m.Message.id > known.seen_id)
                .order_by(m.Message.id)
            )
            for pk, addrs in rows:
                known.addresses.update(_emails(addrs))
                known.seen_id = max(known.seen_id, int(pk))
            return frozenset(known.addresses)

    def thread_has_our_mail(self, thread_id: int) -> bool:
        if thread_id not in self._threads:
            found = self.session.scalar(
                select(m.Message.id)
                .where(m.Message.thread_id == thread_id, m.Message.direction == "outbound")
                .limit(1)
            )
            self._threads[thread_id] = found is not None
        return self._threads[thread_id]
