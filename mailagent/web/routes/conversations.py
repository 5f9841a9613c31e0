"""Routes: the inbox (conversations, at ``/inbox``), a thread's page, work actions on
threads (one or a bulk selection) and sanitised inline previews of image and PDF
attachments.

The read models and the actions are ``messages.conversations`` / ``messages.threadwork``
(shared with the CLI); this module parses input, checks the viewer's scope and renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.drafts.service import DraftStateError
from mailagent.errors import MailagentError, NotFound
from mailagent.messages import threadwork as work
from mailagent.messages.conversations import VIEWS, list_threads, thread_detail, visible_threads
from mailagent.messages.previews import PreviewError, pdf_previews, render_preview
from mailagent.messages.relevance import RelevanceError
from mailagent.messages.threadrecords import ThreadFilter, preview_kind
from mailagent.records import DraftState, Intent
from mailagent.sla.views import SLA_STATES
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.csrf import protect
from mailagent.web.drafts import approve_draft, scoped_drafts
from mailagent.web.i18n import N_
from mailagent.web.ids import parse_id
from mailagent.web.labels import LABELS
from mailagent.web.pages import attachment_file, customer_options, scoped_message
from mailagent.web.render import flash, form_str, mailagent_app, redirect, render, safe_next

__all__ = ["ROUTES"]

GREETINGS = ("greeting", "closure")
INTENTS = tuple(i.value for i in Intent)
DISPOSITIONS = tuple(LABELS["disposition"])
_DONE = {
    "assign": N_("Owner set for %(n)s conversation(s)."),
    "snooze": N_("%(n)s conversation(s) snoozed."),
    "done": N_("%(n)s conversation(s) marked done."),
    "reopen": N_("%(n)s conversation(s) back in the inbox."),
    "junk": N_("%(n)s message(s) marked as junk."),
    "notjunk": N_("%(n)s message(s) marked as customer mail."),
    "approve": N_("%(n)s draft(s) approved."),
}


def _flag(params: QueryParams, name: str) -> bool:
    return params.get(name) == "1"


def _pick(params: QueryParams, name: str, allowed: Sequence[str]) -> str | None:
    value = params.get(name) or ""
    return value if value in allowed else None


def inbox_page(request: Request) -> Response:
    """The inbox: conversations (threads), filtered by work state and by their messages."""
    user = require_user(request, *MAIL_ROLES)
    app, params, viewer = mailagent_app(request), request.query_params, Viewer.of(user)
    flt = ThreadFilter(
        view=_pick(params, "view", VIEWS) or "open",
        customer_code=(params.get("customer") or "").strip()[:64] or None,
        intent=_pick(params, "intent", INTENTS),
        sla=_pick(params, "sla", SLA_STATES),
        disposition=_pick(params, "disposition", DISPOSITIONS),
        needs_review=_flag(params, "review"),
        unanswered=_flag(params, "unanswered"),
        page=parse_id(params.get("page"), maximum=10**6) or 1,
    )
    now = app.clock()
    rows = list_threads(app, flt, viewer, reader=user.email, reads=user.reads, now=now)
    greetings = [d for d in scoped_drafts(app, viewer, DraftState.PENDING) if d.intent in GREETINGS]
    filters = {
        "customer": flt.customer_code or "",
        "intent": flt.intent or "",
        "sla": flt.sla or "",
        "disposition": flt.disposition or "",
        "review": "1" if flt.needs_review else "",
        "unanswered": "1" if flt.unanswered else "",
    }
    return render(
        request,
        "conversations.html",
        {
            "rows": rows,
            "flt": flt,
            "views": VIEWS,
            "customers": customer_options(app, viewer),
            "intents": INTENTS,
            "sla_states": SLA_STATES,
            "dispositions": DISPOSITIONS,
            "filters": {k: v for k, v in filters.items() if v},
            "team": work.team(app),
            "snooze_choices": work.SNOOZE_CHOICES,
            "greetings": greetings,
            "now": now,
        },
    )


def conversations_redirect(request: Request) -> Response:
    """The inbox's former address: links and bookmarks keep working (query kept)."""
    query = request.url.query
    return redirect("/inbox" + (f"?{query}" if query else ""))


def thread_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    thread_id = int(request.path_params["thread_id"])
    detail = thread_detail(app, thread_id, viewer, reads=user.reads, now=app.clock())
    work.mark_read(app, thread_id, user.email)
    return render(
        request,
        "thread.html",
        {
            "t": detail,
            "team": work.team(app),
            "snooze_choices": work.SNOOZE_CHOICES,
            "pdf_previews": pdf_previews(),
            "reply_to": next(
                (x.id for x in reversed(detail.messages) if x.direction == "inbound"),
                detail.messages[-1].id,
            ),
        },
    )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise work.ThreadWorkError(f"not a date: {value!r} / 日期无效") from exc


async def act(request: Request) -> Response:
    """One action on the selected threads (``thread`` fields) or drafts (``draft``)."""
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    form = await request.form()
    action = form_str(form, "action", limit=20)
    back = safe_next(form_str(form, "next", limit=2000), "/inbox")
    raw = [v for v in form.getlist("thread") if isinstance(v, str)]
    ids = visible_threads(app, viewer, [i for i in map(parse_id, raw) if i is not None])
    drafts = [parse_id(v) for v in form.getlist("draft") if isinstance(v, str)]
    if action not in _DONE:
        raise NotFound(action)
    try:
        if action == "approve":
            chosen = [d for d in drafts if d is not None]
            if not chosen:
                raise work.ThreadWorkError("no draft selected / 未选择草稿")
            for draft_id in chosen:
                approve_draft(app, viewer, draft_id, user.email)
            n = len(chosen)
        elif action == "assign":
            n = work.assign(app, ids, form_str(form, "owner", limit=320), user.email)
        elif action == "snooze":
            until, until_reply = work.snooze_target(
                form_str(form, "snooze", limit=10),
                _day(form_str(form, "until", limit=10)),
                app.clock(),
                app.settings.team.timezone,
            )
            n = work.snooze(app, ids, user.email, until=until, until_reply=until_reply)
        elif action == "done":
            n = work.mark_done(app, ids, user.email)
        elif action == "reopen":
            n = work.reopen(app, ids, user.email)
        else:  # junk / notjunk: the relevance gate re-triages, off the event loop
            n = await run_in_threadpool(work.relevance, app, ids, action, user.email)
    except (work.ThreadWorkError, DraftStateError, RelevanceError) as exc:
        flash(request, N_("Could not do that: %(error)s"), "error", error=str(exc))
    except MailagentError as exc:  # NotFound from a draft outside the scope, etc.
        flash(request, N_("Could not do that: %(error)s"), "error", error=str(exc))
    else:
        flash(request, _DONE[action], n=str(n))
    return redirect(back)


def attachment_preview(request: Request) -> Response:
    """A PNG rendered from the attachment (never its own bytes), shown inline in an img."""
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    message_pk = int(request.path_params["message_pk"])
    index = int(request.path_params["index"])
    detail = scoped_message(app, viewer, message_pk)
    if not 0 <= index < len(detail.attachments):
        raise NotFound(f"message {message_pk} has no attachment {index}")
    info = detail.attachments[index]
    kind = preview_kind(info.content_type, info.filename)
    item = attachment_file(app, viewer, message_pk, index)
    try:
        png = render_preview(item.data, kind)
    except PreviewError as exc:
        raise NotFound(str(exc)) from exc
    return Response(
        png,
        media_type="image/png",
        headers={
            "content-disposition": "inline",
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
            "cache-control": "private, max-age=3600",
        },
    )


ROUTES = [
    Route("/inbox", inbox_page, name="inbox"),
    Route("/conversations", conversations_redirect, name="conversations"),
    Route("/conversations/{thread_id:id}", thread_page, name="thread"),
    Route("/conversations/act", protect(act), methods=["POST"], name="thread_act"),
    Route(
        "/messages/{message_pk:id}/attachments/{index:id}/preview",
        attachment_preview,
        name="attachment_preview",
    ),
]
