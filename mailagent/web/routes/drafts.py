"""Routes: the draft list and the draft review page (edit, approve, reject, send)."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.drafts.service import STATES, DraftStateError
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.csrf import Handler, protect
from mailagent.web.drafts import (
    approve_draft,
    draft_detail,
    edit,
    reject_draft,
    scoped_drafts,
    send_draft,
)
from mailagent.web.i18n import N_
from mailagent.web.render import flash, form_str, mailagent_app, redirect, render
from mailagent.web.translationview import draft_check

__all__ = ["ROUTES"]

log = logging.getLogger(__name__)


def drafts_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    status = request.query_params.get("status", "pending")
    status = status if status in STATES else ""
    rows = scoped_drafts(mailagent_app(request), Viewer.of(user), status or None)
    return render(request, "drafts.html", {"rows": rows, "status": status, "states": STATES})


def draft_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    app = mailagent_app(request)
    detail = draft_detail(app, Viewer.of(user), draft_id)
    check = draft_check(app, user, detail.body, detail.summary.language)
    return render(request, "draft.html", {"d": detail, "s": detail.summary, "check": check})


def _back(draft_id: int) -> Response:
    return redirect(f"/drafts/{draft_id}")


async def save(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    form = await request.form()
    body = form_str(form, "body", limit=200_000).replace("\r\n", "\n")
    subject = form_str(form, "subject", limit=998)
    try:
        version = edit(mailagent_app(request), Viewer.of(user), draft_id, body, subject, user.email)
    except DraftStateError as exc:
        flash(request, N_("The draft was not saved: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("Saved as version %(version)s."), version=str(version))
    return _back(draft_id)


async def approve(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    try:
        approve_draft(mailagent_app(request), Viewer.of(user), draft_id, user.email)
    except DraftStateError as exc:
        flash(request, N_("The draft was not approved: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The draft was approved and is ready to be sent."))
    return _back(draft_id)


async def reject(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    form = await request.form()
    reason = form_str(form, "reason", limit=2000)
    if not reason:
        flash(request, N_("Please give a reason for rejecting the draft."), "error")
        return _back(draft_id)
    try:
        reject_draft(mailagent_app(request), Viewer.of(user), draft_id, user.email, reason)
    except DraftStateError as exc:
        flash(request, N_("The draft was not rejected: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The draft was rejected."))
    return _back(draft_id)


async def send(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    app, viewer = mailagent_app(request), Viewer.of(user)
    try:
        status, detail = await run_in_threadpool(send_draft, app, viewer, draft_id)
    except DraftStateError as exc:
        flash(request, N_("The draft was not sent: %(error)s"), "error", error=str(exc))
        return _back(draft_id)
    if status == "sent":
        flash(request, N_("The reply was sent."))
    else:
        log.warning("draft %d: send by %s ended %s: %s", draft_id, user.email, status, detail)
        flash(request, N_("The reply was not sent yet: %(error)s"), "error", error=detail)
    return _back(draft_id)


def _post(path: str, handler: Handler, name: str) -> Route:
    return Route(path, protect(handler), methods=["POST"], name=name)


ROUTES = [
    Route("/drafts", drafts_page, name="drafts"),
    Route("/drafts/{draft_id:int}", draft_page, name="draft"),
    _post("/drafts/{draft_id:int}/edit", save, "draft_edit"),
    _post("/drafts/{draft_id:int}/approve", approve, "draft_approve"),
    _post("/drafts/{draft_id:int}/reject", reject, "draft_reject"),
    _post("/drafts/{draft_id:int}/send", send, "draft_send"),
]
