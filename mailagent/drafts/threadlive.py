"""One live reply draft per thread: what happens to the open drafts when the thread moves.

Pure decisions over :class:`OpenDraft` records; :mod:`mailagent.drafts.thread_drafts` reads
and writes the rows. Two events move a thread:

* **new customer mail** (a new reply draft was made for it, answering every customer
  message still unanswered in the thread): an untouched pending draft is *superseded* by the
  new one (kept, with the reason); an earlier held draft too. A draft a person has touched
  (edited, or approved and then failed) is never replaced silently: the new draft is
  *held* and the touched draft carries a notice until the salesperson chooses
  (:func:`choose`). Approved drafts on their way out are left alone.
* **a reply went out** in the thread (sent by mailagent, or found in the Sent folder): every
  pending or held reply draft for mail received before that reply was written is *closed*.

Every reason is written in English and Chinese (shown as is in the UI and the CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from mailagent.records import DraftState

__all__ = [
    "Action",
    "Choice",
    "Decision",
    "OpenDraft",
    "choose",
    "on_new_draft",
    "on_reply_sent",
]

LIVE = (DraftState.PENDING, DraftState.HELD, DraftState.FAILED)


class Action(StrEnum):
    SUPERSEDE = DraftState.SUPERSEDED.value  # replaced by a newer draft (status superseded)
    CLOSE = DraftState.CLOSED.value  # a reply was sent in the thread (status closed)
    HOLD = DraftState.HELD.value  # the new draft waits for the salesperson's choice
    NOTICE = "notice"  # the touched draft shows "new mail arrived since you edited"

    @property
    def state(self) -> DraftState | None:
        """The state the draft takes (None: it keeps its state and shows a notice)."""
        return None if self is Action.NOTICE else DraftState(self.value)


class Choice(StrEnum):
    KEEP = "keep"  # keep my edited draft; the held one is superseded
    TAKE_NEW = "take_new"  # use the new draft; mine is superseded


@dataclass(frozen=True, slots=True)
class OpenDraft:
    id: int
    status: DraftState  # pending | held | failed | approved
    kind: str  # reply | relay
    touched: bool  # edited by a person, or approved once
    received_at: datetime | None  # when the mail it answers arrived


@dataclass(frozen=True, slots=True)
class Decision:
    draft_id: int
    action: Action
    reason: str
    other: int | None = None  # the draft that replaces / conflicts with this one


def on_new_draft(
    new_id: int, message_pk: int, received_at: datetime, others: Sequence[OpenDraft]
) -> tuple[Decision, ...]:
    """Decisions for the other reply drafts of the thread after draft ``new_id`` was made."""
    when = f"{received_at:%Y-%m-%d %H:%M} UTC"
    replies = [d for d in others if d.kind == "reply" and d.id != new_id and d.status in LIVE]
    touched = [
        d for d in replies if d.touched and d.status in (DraftState.PENDING, DraftState.FAILED)
    ]
    out: list[Decision] = []
    keep = max(touched, key=lambda d: d.id) if touched else None
    if keep is not None:
        out.append(
            Decision(
                new_id,
                Action.HOLD,
                f"held: new mail (message #{message_pk}, {when}) arrived after draft #{keep.id} "
                f"was edited; the salesperson chooses which to keep / 暂缓：草稿 #{keep.id} "
                f"编辑后收到新邮件（#{message_pk}，{when}），由业务员选择保留哪一份",
                keep.id,
            )
        )
        out.append(
            Decision(
                keep.id,
                Action.NOTICE,
                f"new mail arrived since you edited (message #{message_pk}, {when}); draft "
                f"#{new_id} answers it: keep yours or take the new one / 你编辑后收到了新邮件"
                f"（#{message_pk}，{when}），新草稿 #{new_id} 已回复它："
                "请选择保留你的版本或采用新草稿",
                new_id,
            )
        )
    for d in replies:
        if keep is not None and d.id == keep.id:
            continue
        if d.touched and d.status != DraftState.HELD:
            continue  # an older touched draft: not replaced silently, kept as it is
        out.append(
            Decision(
                d.id,
                Action.SUPERSEDE,
                f"superseded by draft #{new_id}: new mail in the thread (message #{message_pk}, "
                f"{when}); the new draft answers it and the earlier mail / 已被草稿 #{new_id} "
                f"取代：此会话收到新邮件（#{message_pk}，{when}），新草稿一并回复",
                new_id,
            )
        )
    return tuple(out)


def on_reply_sent(
    written_at: datetime, by: str, others: Sequence[OpenDraft], sent_id: int | None = None
) -> tuple[Decision, ...]:
    """Close the live reply drafts for mail received before a reply was written.

    ``by`` names the reply ("draft #12 <id@x>" or "<id@x> found in Sent").
    """
    when = f"{written_at:%Y-%m-%d %H:%M} UTC"
    return tuple(
        Decision(
            d.id,
            Action.CLOSE,
            f"closed: answered in the thread by {by} at {when} / 已关闭：此会话已由 {by} 于 "
            f"{when} 回复",
            sent_id,
        )
        for d in others
        if d.kind == "reply"
        and d.id != sent_id
        and d.status in LIVE
        and (d.received_at is None or d.received_at <= written_at)
    )


def choose(choice: Choice, touched_id: int, held_id: int, actor: str) -> tuple[Decision, ...]:
    """The salesperson's answer to "new mail arrived since you edited"."""
    if choice is Choice.KEEP:
        return (
            Decision(
                held_id,
                Action.SUPERSEDE,
                f"{actor} kept the edited draft #{touched_id} / {actor} 保留了已编辑的草稿 "
                f"#{touched_id}",
                touched_id,
            ),
        )
    return (
        Decision(
            touched_id,
            Action.SUPERSEDE,
            f"{actor} took the new draft #{held_id} after new mail arrived / 收到新邮件后 "
            f"{actor} 采用了新草稿 #{held_id}",
            held_id,
        ),
    )
