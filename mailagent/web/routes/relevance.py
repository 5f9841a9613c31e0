"""Routes: junk / not junk / report phishing / archive on the mail server, and a supervisor's
fraud acknowledgement."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.errors import NotFound
from mailagent.messages.relevance import (
    ACTIONS,
    RelevanceError,
    acknowledge_fraud,
    archive,
    correct,
)
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.csrf import protect
from mailagent.web.i18n import N_
from mailagent.web.render import flash, form_str, mailagent_app, redirect

__all__ = ["ROUTES"]

SUPERVISOR = "supervisor"
_DONE = {
    "junk": N_("The message was marked as junk."),
    "notjunk": N_("The message was marked as customer mail."),
    "phishing": N_("The message was reported as phishing."),
}
_QUEUED = N_("The message will be moved to %(folder)s on the mail server.")
ARCHIVE = "archive"  # no relevance change: the message is filed in the server's archive folder


def _visible(request: Request, viewer: Viewer, message_pk: int) -> None:
    with mailagent_app(request).sessions() as session:
        if not viewer.may_see_message(session, message_pk):
            raise NotFound(f"no message with id {message_pk}")


async def set_relevance(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    message_pk = int(request.path_params["message_pk"])
    _visible(request, Viewer.of(user), message_pk)
    action = form_str(await request.form(), "action", limit=20)
    if action not in ACTIONS and action != ARCHIVE:
        raise NotFound(action)
    try:
        if action == ARCHIVE:
            folder = archive(mailagent_app(request), message_pk, user.email)
        else:
            correct(mailagent_app(request), message_pk, action, user.email)
    except RelevanceError as exc:
        flash(request, N_("Could not change the message: %(error)s"), "error", error=str(exc))
    else:
        if action == ARCHIVE:
            flash(request, _QUEUED, folder=folder)
        else:
            flash(request, _DONE[action])
    return redirect(f"/messages/{message_pk}")


async def ack_fraud(request: Request) -> Response:
    user = require_user(request, SUPERVISOR)
    message_pk = int(request.path_params["message_pk"])
    note = form_str(await request.form(), "note", limit=500)
    try:
        acknowledge_fraud(mailagent_app(request), message_pk, user.email, note)
    except RelevanceError as exc:
        flash(request, N_("Could not change the message: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The fraud warning was acknowledged."))
    return redirect(f"/messages/{message_pk}")


ROUTES = [
    Route(
        "/messages/{message_pk:id}/relevance",
        protect(set_relevance),
        methods=["POST"],
        name="relevance",
    ),
    Route(
        "/messages/{message_pk:id}/ack-fraud",
        protect(ack_fraud),
        methods=["POST"],
        name="ack_fraud",
    ),
]
