"""Routes: the draft list and the draft review page (edit, approve, reject, send)."""

from __future__ import annotations

import dataclasses
import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.app import App
from mailagent.drafts.attachments import AttachmentError
from mailagent.drafts.recipients import RecipientError
from mailagent.drafts.service import STATES, DraftDetail, DraftStateError
from mailagent.drafts.thread_drafts import ChoiceError
from mailagent.errors import TranslationError
from mailagent.records import DeliveryOutcome, DraftState
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.csrf import Handler, protect
from mailagent.web.drafts import (
    add_document,
    add_file,
    approve_draft,
    choose_draft,
    compose_draft,
    draft_detail,
    draft_files,
    drop_file,
    edit,
    pick_file,
    reject_draft,
    scoped_drafts,
    send_draft,
    set_draft_recipients,
    translate_to_customer,
)
from mailagent.web.i18n import N_
from mailagent.web.render import (
    flash,
    form_int,
    form_str,
    gettext,
    mailagent_app,
    redirect,
    render,
)
from mailagent.web.translationview import draft_check
from mailagent.web.users import UserInfo

__all__ = ["ROUTES"]

log = logging.getLogger(__name__)

DRAFT_BODY_LIMIT = 200_000  # characters of a draft's text (a long quotation is ~20,000)
DRAFT_SUBJECT_LIMIT = 998  # RFC 5322 line length


def drafts_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    status = request.query_params.get("status", DraftState.PENDING)
    status = status if status in STATES else ""
    state = DraftState(status) if status else None
    rows = scoped_drafts(mailagent_app(request), Viewer.of(user), state)
    return render(request, "drafts.html", {"rows": rows, "status": status, "states": STATES})


def _page_context(app: App, user: UserInfo, detail: DraftDetail) -> dict[str, object]:
    """What the draft page shows besides the draft: its files and the approver's check."""
    return {
        "d": detail,
        "s": detail.summary,
        "files": draft_files(app, Viewer.of(user), detail.summary.id),
        "check": draft_check(app, user, detail.body, detail.summary.language, detail.summary.kind),
    }


def draft_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    app = mailagent_app(request)
    detail = draft_detail(app, Viewer.of(user), draft_id)
    return render(request, "draft.html", _page_context(app, user, detail))


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
    context = {**_page_context(app, user, shown), "flashes": [error]}
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


async def compose(request: Request) -> Response:
    """Reply, reply-all or forward (``message_pk``), or new mail (``to``); opens the draft."""
    user = require_user(request, *MAIL_ROLES)
    form = await request.form()
    mode = form_str(form, "mode", limit=20)
    pk = form_int(form, "message_pk")  # None for anything that cannot be a key
    to = form_str(form, "to", limit=2000)
    try:
        draft_id = compose_draft(mailagent_app(request), Viewer.of(user), mode, user.email, pk, to)
    except (RecipientError, ValueError) as exc:
        flash(request, N_("No draft was created: %(error)s"), "error", error=str(exc))
        return redirect(f"/messages/{pk}" if pk is not None else "/drafts")
    return redirect(f"/drafts/{draft_id}")


async def recipients(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    form = await request.form()
    to, cc, bcc = (form_str(form, k, limit=20_000) for k in ("to", "cc", "bcc"))
    try:
        set_draft_recipients(
            mailagent_app(request), Viewer.of(user), draft_id, to, cc, bcc, user.email
        )
    except (RecipientError, DraftStateError) as exc:
        flash(request, N_("The recipients were not saved: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("Recipients saved."))
    return _back(draft_id)


async def attach(request: Request) -> Response:
    """Upload a file, generate the quotation/PI, or pick a file received in the thread."""
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    app, viewer = mailagent_app(request), Viewer.of(user)
    form = await request.form()  # size checked by the use case (50 MB per file)
    document, pick = form_str(form, "document", limit=20), form_int(form, "pick")
    upload = form.get("file")
    try:
        if document:
            await run_in_threadpool(add_document, app, viewer, draft_id, document, user.email)
        elif pick is not None:
            await run_in_threadpool(pick_file, app, viewer, draft_id, pick, user.email)
        elif isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            ctype = upload.content_type or ""
            name = upload.filename
            await run_in_threadpool(add_file, app, viewer, draft_id, name, data, ctype, user.email)
        else:
            flash(request, N_("Choose a file to attach."), "error")
            return _back(draft_id)
    except AttachmentError as exc:
        flash(request, N_("Nothing was attached: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("Attached. The draft needs to be approved again if it was approved."))
    return _back(draft_id)


async def detach(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    attachment_id = int(request.path_params["attachment_id"])
    try:
        drop_file(mailagent_app(request), Viewer.of(user), draft_id, attachment_id, user.email)
    except AttachmentError as exc:
        flash(request, N_("Nothing was changed: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The attachment was removed."))
    return _back(draft_id)


async def choose(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    form = await request.form()
    choice = form_str(form, "choice", limit=20)
    if choice not in ("keep", "take_new"):
        flash(request, N_("Please choose which draft to keep."), "error")
        return _back(draft_id)
    try:
        live = choose_draft(mailagent_app(request), Viewer.of(user), draft_id, choice, user.email)
    except ChoiceError as exc:
        flash(request, N_("Nothing was changed: %(error)s"), "error", error=str(exc))
        return _back(draft_id)
    flash(request, N_("Draft #%(id)s is now the one to review."), id=str(live))
    return _back(live)


async def translate(request: Request) -> Response:
    """The draft's text into the customer's language, as a new version (both kept)."""
    user = require_user(request, *MAIL_ROLES)
    draft_id = int(request.path_params["draft_id"])
    app, viewer = mailagent_app(request), Viewer.of(user)
    try:
        done = await run_in_threadpool(translate_to_customer, app, viewer, draft_id, user.email)
    except (TranslationError, DraftStateError) as exc:
        flash(request, N_("The draft was not translated: %(error)s"), "error", error=str(exc))
    else:
        flash(
            request,
            N_("Translated %(pair)s as version %(version)s (version %(original)s is kept)."),
            pair=f"{done.source}→{done.target}",
            version=str(done.translated_version),
            original=str(done.original_version),
        )
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
    if status == DeliveryOutcome.SENT:
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
    _post("/drafts/{draft_id:id}/translate", translate, "draft_translate"),
    _post("/drafts/{draft_id:id}/choose", choose, "draft_choose"),
    _post("/drafts/{draft_id:id}/recipients", recipients, "draft_recipients"),
    _post("/compose", compose, "compose"),
    _post("/drafts/{draft_id:id}/attach", attach, "draft_attach"),
    _post("/drafts/{draft_id:id}/attachments/{attachment_id:id}/remove", detach, "draft_detach"),
]
