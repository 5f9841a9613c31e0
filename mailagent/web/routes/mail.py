"""Routes: the list of single messages (``/messages``; the inbox lists conversations),
the message view, attachment downloads, re-file and re-classify."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.errors import NotFound
from mailagent.messages.listing import MessageFilter, list_messages
from mailagent.messages.relevance import relevance_view
from mailagent.parse.htmltext import sanitize_html
from mailagent.records import Intent
from mailagent.sla import service as slaservice
from mailagent.sla.views import SLA_STATES, sla_badges
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.actions import reclassify_message, refile_message
from mailagent.web.auth import require_user
from mailagent.web.csrf import protect
from mailagent.web.drafts import drafts_for_message
from mailagent.web.i18n import N_
from mailagent.web.ids import parse_id
from mailagent.web.pages import (
    attachment_file,
    customer_options,
    order_options,
    scoped_message,
)
from mailagent.web.render import flash, form_str, mailagent_app, redirect, render
from mailagent.web.security import REMOTE_IMAGES_CSP
from mailagent.web.translationview import inbox_subjects, message_translation

__all__ = ["ROUTES"]

INTENTS = tuple(i.value for i in Intent)


def _int(value: str | None, default: int) -> int:
    number = parse_id(value, maximum=10**8)
    return default if number is None else number


def messages_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, params = mailagent_app(request), request.query_params
    intent = params.get("intent") or None
    flt = MessageFilter(
        intent=intent if intent in INTENTS else None,
        customer_code=params.get("customer") or None,
        unanswered=params.get("unanswered") == "1",
        sla=params.get("sla") or None,
        needs_review=params.get("review") == "1",
        page=_int(params.get("page"), 1),
    )
    viewer = Viewer.of(user)
    rows = list_messages(app, flt, viewer)
    return render(
        request,
        "messages.html",
        {
            "rows": rows,
            "flt": flt,
            "intents": INTENTS,
            "customers": customer_options(app, viewer),
            "sla_states": SLA_STATES,
            "sla": sla_badges(app, [r.id for r in rows]),
            "subjects": inbox_subjects(app, user, [(r.id, r.language) for r in rows]),
        },
    )


def message_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    message_pk = int(request.path_params["message_pk"])
    detail = scoped_message(app, viewer, message_pk)
    show_images = request.query_params.get("images") == "1"
    html = blocked = None
    if detail.html:
        html = sanitize_html(detail.html, allow_remote_images=show_images)
        blocked = not show_images and html != sanitize_html(detail.html, allow_remote_images=True)
    headers = {"content-security-policy": REMOTE_IMAGES_CSP} if show_images else {}
    return render(
        request,
        "message.html",
        {
            "m": detail,
            "html": html,
            "images_blocked": blocked,
            "show_images": show_images,
            "intents": INTENTS,
            "customers": customer_options(app, viewer),
            "orders": order_options(app, viewer),
            "drafts": drafts_for_message(app, viewer, message_pk),
            "sla": sla_badges(app, [message_pk]).get(message_pk),
            "gate": relevance_view(app, message_pk),
            "is_supervisor": user.role == "supervisor",
            "tr": message_translation(app, user, message_pk),
        },
        headers=headers,
    )


def attachment(request: Request) -> Response:
    """Always a download: never rendered by the browser, whatever the sender claimed."""
    user = require_user(request, *MAIL_ROLES)
    message_pk = int(request.path_params["message_pk"])
    index = int(request.path_params["index"])
    item = attachment_file(mailagent_app(request), Viewer.of(user), message_pk, index)
    ascii_name = item.filename.encode("ascii", "replace").decode().replace('"', "_")
    ascii_name = "".join(c if c.isprintable() and c not in "\\;" else "_" for c in ascii_name)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(item.filename)}"
    return Response(
        item.data,
        media_type="application/octet-stream",
        headers={
            "content-disposition": disposition,
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
        },
    )


async def refile(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    message_pk = int(request.path_params["message_pk"])
    form = await request.form()
    try:
        refile_message(
            mailagent_app(request),
            Viewer.of(user),
            message_pk,
            form_str(form, "customer", limit=64),
            form_str(form, "order", limit=64) or None,
            user.email,
        )
    except ValueError as exc:
        flash(request, N_("Could not re-file the message: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The message was re-filed."))
    return redirect(f"/messages/{message_pk}")


async def reclassify(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    message_pk = int(request.path_params["message_pk"])
    form = await request.form()
    try:
        reclassify_message(
            mailagent_app(request),
            Viewer.of(user),
            message_pk,
            form_str(form, "intent", limit=20),
            user.email,
        )
    except ValueError as exc:
        flash(request, N_("Could not re-classify the message: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The intent was changed."))
    return redirect(f"/messages/{message_pk}")


async def sla_action(request: Request) -> Response:
    """Pause (we wait on the customer) or resume the message's SLA clocks: the CLI's
    ``mailagent sla pause/resume``, recorded as the same audit events."""
    user = require_user(request, *MAIL_ROLES)
    message_pk = int(request.path_params["message_pk"])
    app = mailagent_app(request)
    scoped_message(app, Viewer.of(user), message_pk)  # 404 for mail the user may not see
    form = await request.form()
    action = form_str(form, "action", limit=10)
    note = form_str(form, "note", limit=200)
    if action == "pause":
        slaservice.pause(app, message_pk, user.email, note)
        flash(request, N_("The SLA clock is paused: we wait on the customer."))
    elif action == "resume":
        slaservice.resume(app, message_pk, user.email, note)
        flash(request, N_("The SLA clock runs again."))
    else:
        raise NotFound(action)
    slaservice.refresh_clocks(app, app.clock(), notify=False)
    return redirect(f"/messages/{message_pk}")


ROUTES = [
    Route("/messages", messages_page, name="messages"),
    Route("/messages/{message_pk:id}", message_page, name="message"),
    Route("/messages/{message_pk:id}/attachments/{index:id}", attachment, name="attachment"),
    Route("/messages/{message_pk:id}/refile", protect(refile), methods=["POST"], name="refile"),
    Route("/messages/{message_pk:id}/sla", protect(sla_action), methods=["POST"], name="sla"),
    Route(
        "/messages/{message_pk:id}/reclassify",
        protect(reclassify),
        methods=["POST"],
        name="reclassify",
    ),
]
