"""Reply drafts in the web UI: the ``drafting`` use cases, scoped to what a user may see.

A draft belongs to the customer it is addressed to (or, failing that, the customer of the
message it answers); a sales user sees and acts on drafts of their own customers only,
a supervisor on all. Outside the scope a draft does not exist (``LookupError``). The state
changes themselves (edit with versions, approve, reject, send) are ``mailagent.drafting``'s.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts import thread_drafts, threadlive
from mailagent.drafts.service import DraftDetail, DraftSummary
from mailagent.web.access import Viewer

__all__ = [
    "approve_draft",
    "choose_draft",
    "draft_detail",
    "drafts_for_message",
    "edit",
    "reject_draft",
    "scoped_drafts",
    "send_draft",
]


def _visible_ids(app: App, viewer: Viewer, *where: ColumnElement[bool]) -> set[int]:
    owner = func.coalesce(m.Draft.customer_id, m.Message.customer_id)
    stmt = (
        select(m.Draft.id)
        .outerjoin(m.Message, m.Message.id == m.Draft.message_pk)
        .where(viewer.customers(owner), *where)
    )
    with app.sessions() as session:
        return set(session.scalars(stmt))


def _check(app: App, viewer: Viewer, draft_id: int) -> None:
    if draft_id not in _visible_ids(app, viewer, m.Draft.id == draft_id):
        raise LookupError(f"no draft with id {draft_id}")


def scoped_drafts(
    app: App, viewer: Viewer, status: str | None = None, *, limit: int = 200
) -> list[DraftSummary]:
    """The viewer's drafts, newest first (optionally one status)."""
    visible = _visible_ids(app, viewer)
    rows = drafting.list_drafts(app, status or None, limit=max(limit * 10, 1000))
    return [d for d in rows if d.id in visible][:limit]


def drafts_for_message(app: App, viewer: Viewer, message_pk: int) -> list[DraftSummary]:
    visible = _visible_ids(app, viewer, m.Draft.message_pk == message_pk)
    return [drafting.get_draft(app, i).summary for i in sorted(visible)]


def draft_detail(app: App, viewer: Viewer, draft_id: int) -> DraftDetail:
    _check(app, viewer, draft_id)
    return drafting.get_draft(app, draft_id)


def edit(app: App, viewer: Viewer, draft_id: int, body: str, subject: str, actor: str) -> int:
    _check(app, viewer, draft_id)
    return drafting.edit_draft(app, draft_id, body, subject or None, actor=actor)


def approve_draft(app: App, viewer: Viewer, draft_id: int, actor: str) -> str:
    _check(app, viewer, draft_id)
    return drafting.approve(app, draft_id, actor)


def reject_draft(app: App, viewer: Viewer, draft_id: int, actor: str, reason: str) -> None:
    _check(app, viewer, draft_id)
    drafting.reject(app, draft_id, actor, reason)


def choose_draft(app: App, viewer: Viewer, draft_id: int, choice: str, actor: str) -> int:
    """Keep the edited draft or take the new one after new mail; returns the live draft."""
    _check(app, viewer, draft_id)
    return thread_drafts.choose(app, draft_id, threadlive.Choice(choice), actor)


def send_draft(app: App, viewer: Viewer, draft_id: int) -> tuple[str, str]:
    """Deliver an approved draft now; ``(status, detail)`` with status ``sent`` on success.

    Blocking (SMTP and IMAP round trips): call it from a worker thread.
    """
    _check(app, viewer, draft_id)
    for result in drafting.send_approved(app, draft_id):
        if result.draft_id == draft_id:
            return result.status, result.detail
    return "skipped", "nothing was due for sending"
