"""Scoped corrections from the web UI: re-file and re-classify a message.

Thin wrappers over ``services.refile``/``services.reclassify`` that first apply the web UI's
visibility rules (:mod:`mailagent.web.access`): the message must be in the user's scope and
a sales user may only file it under one of their own customers. The services write the
change and its audit event.
"""

from __future__ import annotations

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.errors import NotFound
from mailagent.messages.learning import refresh_in_background
from mailagent.messages.service import reclassify, refile
from mailagent.records import Intent
from mailagent.web.access import Viewer

__all__ = ["reclassify_message", "refile_message"]


def _check_message(app: App, viewer: Viewer, message_pk: int) -> None:
    with app.sessions() as session:
        if not viewer.may_see_message(session, message_pk):
            raise NotFound(f"no message with id {message_pk}")


def refile_message(
    app: App, viewer: Viewer, message_pk: int, customer_code: str, order_no: str | None, actor: str
) -> None:
    """File a visible message under a customer (and order) the viewer may see."""
    _check_message(app, viewer, message_pk)
    with app.sessions() as session:
        customer_id = session.scalar(select(m.Customer.id).where(m.Customer.code == customer_code))
        if customer_id is None or not viewer.may_see_customer(session, customer_id):
            raise ValueError(f"no customer with code {customer_code!r}")
    try:
        refile(app, message_pk, customer_code, order_no or None, actor)
    except NotFound as exc:  # unknown order, or an order of another customer
        raise ValueError(str(exc)) from exc


def reclassify_message(app: App, viewer: Viewer, message_pk: int, intent: str, actor: str) -> None:
    if intent not in {i.value for i in Intent}:
        raise ValueError(f"unknown intent {intent!r}")
    _check_message(app, viewer, message_pk)
    reclassify(app, message_pk, intent, actor)
    refresh_in_background(app)  # the model learns from the correction
