"""Routes: the draft list and the draft review page (edit, approve, reject, send)."""

from __future__ import annotations

import dataclasses
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
from mailagent.web.render import flash, form_str, gettext, mailagent_app, redirect, render
from mailagent.web.users import UserInfo

__all__ = ["ROUTES"]

log = logging.getLogger(__name__)

DRAFT_BODY_LIMIT = 200_000  # characters of a draft's text (a long quotation is ~20,000)
DRAFT_SUBJECT_LIMIT = 998  # RFC 5322 line length


def drafts_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    status = request.query_params.get("status", "pending")
    status = status if status in STATES else ""
    rows = scoped_drafts(mailagent_app(request), Viewer.of(user), status or None)
    return render(request, "drafts.html", {"rows": rows, "status": status, "states": STATES})


def draft_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    detail = draft_detail(mailagent_app(request), Viewer.of(user), draft_id)
    return render(request, "draft.html", {"d": detail, "s": detail.summary})


def _back(draft_id: int) -> Response:
    return redirect(f"/drafts/{draft_id}")


def _too_large(
    request: Request, user: UserInfo, draft_id: int, body: str, subject: str
) -> Response:
    """Refuse an oversized edit without losing it: the draft page again, with the user's text."""
    app = mailagent_app(request)
    detail = draft_detail(app, Viewer.of(user), draft_id)
    shown = dataclasses.replace(
        detail, body=body, summary=dataclasses.replace(detail.summary, subject=subject)
    )
    which = N_("Text") if len(body) > DRAFT_BODY_LIMIT else N_("Subject")
    limit = DRAFT_BODY_LIMIT if which == N_("Text") else DRAFT_SUBJECT_LIMIT
    log.info("draft %d: edit by %s refused: %s too large", draft_id, user.email, which.lower())
    error = {
        "kind": "error",
        "msg": N_("Not saved: %(field)s is too large (limit %(limit)s characters)."),
        "params": {"field": gettext(request, which), "limit": f"{limit:,}"},
    }
    context = {"d": shown, "s": shown.summary, "flashes": [error]}
    return render(request, "draft.html", context, status=413)


async def save(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    form = await request.form(max_part_size=32 * 1024 * 1024)
    raw_body, raw_subject = form.get("body"), form.get("subject")
    body = (raw_body if isinstance(raw_body, str) else "").replace("\r\n", "\n")
    subject = (raw_subject if isinstance(raw_subject, str) else "").strip()
    if len(body) > DRAFT_BODY_LIMIT or len(subject) > DRAFT_SUBJECT_LIMIT:
        return _too_large(request, user, draft_id, body, subject)
    body = body.strip()
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
    Route("/drafts/{draft_id:id}", draft_page, name="draft"),
    # the editor reads up to 32 MB so that an oversized text comes back with its limit, not a 400
    Route(
        "/drafts/{draft_id:id}/edit",
        protect(save, max_part_size=32 * 1024 * 1024),
        methods=["POST"],
        name="draft_edit",
    ),
    _post("/drafts/{draft_id:id}/approve", approve, "draft_approve"),
    _post("/drafts/{draft_id:id}/reject", reject, "draft_reject"),
    _post("/drafts/{draft_id:id}/send", send, "draft_send"),
]
