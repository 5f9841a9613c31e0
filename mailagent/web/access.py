"""Who may see which mail: the web UI's visibility rules in one place.

* ``supervisor``: every message, customer, order and draft.
* ``sales``: only customers whose ``salesperson`` is the user's e-mail, with their messages,
  orders and drafts. Unfiled messages (no customer) and prospects nobody owns are *not*
  shown to sales users: a supervisor files them, and then the owner sees them.
* ``admin``: settings, rules and users only; no mail (an IT administrator need not read the
  customers' correspondence).

Anything outside a user's scope is reported as "not found", so its existence is not leaked.
Pure query helpers: they build SQLAlchemy conditions and never render anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from mailagent.db import models as m
from mailagent.web.users import UserInfo

__all__ = ["MAIL_ROLES", "Viewer"]

MAIL_ROLES = ("sales", "supervisor")


@dataclass(frozen=True, slots=True)
class Viewer:
    """The scope of one user: everything, or the customers they own."""

    email: str
    all_mail: bool

    @classmethod
    def of(cls, user: UserInfo) -> Viewer:
        return cls(email=user.email.lower(), all_mail=user.sees_all_mail)

    def owned_customer_ids(self) -> Select[int]:
        return select(m.Customer.id).where(func.lower(m.Customer.salesperson) == self.email)

    def customers(
        self, column: ColumnElement[Any] | InstrumentedAttribute[Any]
    ) -> ColumnElement[bool]:
        """Condition on a customer-id column (or expression): rows this viewer may see."""
        if self.all_mail:
            return true()
        return column.in_(self.owned_customer_ids())

    def may_see_customer(self, session: Session, customer_id: int | None) -> bool:
        if self.all_mail:
            return True
        if customer_id is None:
            return False
        owner = session.scalar(select(m.Customer.salesperson).where(m.Customer.id == customer_id))
        return owner is not None and owner.lower() == self.email

    def may_see_message(self, session: Session, message_pk: int) -> bool:
        customer_id = session.scalar(
            select(m.Message.customer_id).where(m.Message.id == message_pk)
        )
        exists = session.scalar(select(m.Message.id).where(m.Message.id == message_pk))
        return exists is not None and self.may_see_customer(session, customer_id)
