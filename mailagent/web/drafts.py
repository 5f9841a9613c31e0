"""Reply drafts in the web UI: the ``drafting`` use cases, scoped to what a user may see.

A draft belongs to the customer it is addressed to (or, failing that, the customer of the
message it answers); a sales user sees and acts on drafts of their own customers only,
a supervisor on all. Outside the scope a draft does not exist (``NotFound``). The state
changes themselves (edit with versions, approve, reject, send) are ``mailagent.drafting``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts import (
    attachments,
    compose,
    preview,
    recipients,
    thread_drafts,
    threadlive,
)
from mailagent.drafts import service as drafting
from mailagent.drafts.service import DraftDetail, DraftSummary
from mailagent.drafts.translate import DraftTranslation, translate_draft
from mailagent.errors import NotFound
from mailagent.records import DeliveryOutcome, DraftState
from mailagent.web.access import Viewer
from mailagent.web.pages import scoped_message

__all__ = [
    "DraftFiles",
    "add_document",
    "add_file",
    "approve_draft",
    "choose_draft",
    "compose_draft",
    "draft_detail",
    "draft_files",
    "drafts_for_message",
    "drop_file",
    "edit",
    "pick_file",
    "reject_draft",
    "scoped_drafts",
    "send_draft",
    "set_draft_recipients",
    "translate_to_customer",
]


@dataclass(frozen=True, slots=True)
class DraftFiles:
    attached: list[attachments.AttachmentInfo]
    thread: list[tuple[int, str, int]]  # (attachment id, filename, size) received in the thread
    mime: preview.MimePreview


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
        raise NotFound(f"no draft with id {draft_id}")


def scoped_drafts(
    app: App, viewer: Viewer, status: DraftState | None = None, *, limit: int = 200
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


def set_draft_recipients(
    app: App, viewer: Viewer, draft_id: int, to: str, cc: str, bcc: str, actor: str
) -> bool:
    _check(app, viewer, draft_id)
    return recipients.set_recipients(app, draft_id, to, cc, bcc, actor)


def draft_files(app: App, viewer: Viewer, draft_id: int) -> DraftFiles:
    """The draft's attachments, the thread's received files it may pick, the MIME preview."""
    _check(app, viewer, draft_id)
    with app.sessions() as session:
        d = session.get(m.Draft, draft_id)
        attached = attachments.list_attachments(session, draft_id)
        thread: list[tuple[int, str, int]] = []
        if d is not None and d.thread_id is not None:
            rows = session.scalars(
                select(m.Attachment)
                .join(m.Message, m.Message.id == m.Attachment.message_pk)
                .where(m.Message.thread_id == d.thread_id, m.Attachment.stored.is_(True))
                .order_by(m.Attachment.id)
            )
            thread = [(a.id, a.filename, a.size) for a in rows]
    return DraftFiles(attached, thread, preview.preview(app, draft_id))


def add_file(
    app: App, viewer: Viewer, draft_id: int, name: str, data: bytes, ctype: str, actor: str
) -> None:
    _check(app, viewer, draft_id)
    attachments.attach_file(app, draft_id, name, data, actor, ctype)


def add_document(app: App, viewer: Viewer, draft_id: int, kind: str, actor: str) -> None:
    _check(app, viewer, draft_id)
    attachments.attach_document(app, draft_id, kind, actor)


def pick_file(app: App, viewer: Viewer, draft_id: int, attachment_id: int, actor: str) -> None:
    _check(app, viewer, draft_id)
    attachments.attach_from_thread(app, draft_id, attachment_id, actor)


def drop_file(app: App, viewer: Viewer, draft_id: int, attachment_id: int, actor: str) -> None:
    _check(app, viewer, draft_id)
    attachments.remove_attachment(app, draft_id, attachment_id, actor)


def compose_draft(
    app: App, viewer: Viewer, mode: str, actor: str, message_pk: int | None, to: str
) -> int:
    """Reply / reply-all / forward a message the viewer may see, or write new mail."""
    if message_pk is not None:
        scoped_message(app, viewer, message_pk)  # LookupError outside the viewer's scope
    return compose.compose(app, mode, actor, message_pk=message_pk, to=to)


def translate_to_customer(app: App, viewer: Viewer, draft_id: int, actor: str) -> DraftTranslation:
    """Put the draft's text (written in, e.g., Chinese) into the customer's language as a new
    version; the version before it keeps the original. Blocking (the model): call it from a
    worker thread. ``TranslationError`` names a missing pair."""
    _check(app, viewer, draft_id)
    return translate_draft(app, draft_id, actor=actor)


def send_draft(app: App, viewer: Viewer, draft_id: int) -> tuple[DeliveryOutcome, str]:
    """Deliver an approved draft now; ``(status, detail)`` with status ``sent`` on success.

    Blocking (SMTP and IMAP round trips): call it from a worker thread.
    """
    _check(app, viewer, draft_id)
    for result in drafting.send_approved(app, draft_id):
        if result.draft_id == draft_id:
            return result.status, result.detail
    return DeliveryOutcome.SKIPPED, "nothing was due for sending"
