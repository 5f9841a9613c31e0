"""One live reply draft per thread, on a real store (SQLite and PostgreSQL).

Mail is stored by the real ingest spine (which triages and prepares drafts); the customer's
follow-ups thread by In-Reply-To/References exactly as a mail client writes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from support.apptools import ROOT
from test_drafting import NOW, build, store

from mailagent.app import App
from mailagent.cli.drafts import drafts as drafts_cli
from mailagent.cli.main import Obj
from mailagent.db import models as m
from mailagent.drafts import service as drafting
from mailagent.drafts import threadlive as live
from mailagent.drafts.service import DraftStateError
from mailagent.drafts.thread_drafts import ChoiceError, choose

RFQ = "Dear Kevin,\n\nplease quote 500 pcs of HX-4L-FR4-1.6, what is the lead time?\n\nTom"
PO = (
    "Dear Kevin,\n\nplease find attached our purchase order PO-45002 for 300 pcs "
    "HX-2L-FR4-1.6. Please confirm the order.\n\nTom"
)


def thread_drafts(app: App, message_pk: int) -> list[m.Draft]:
    with app.sessions() as s:
        msg = s.get(m.Message, message_pk)
        assert msg is not None
        rows = s.scalars(
            select(m.Draft).where(m.Draft.thread_id == msg.thread_id).order_by(m.Draft.id)
        )
        return list(rows)


def inquiry_then_po(app: App) -> tuple[int, int]:
    first = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=RFQ)
    app.clock = lambda: NOW + timedelta(hours=1)
    second = store(
        app,
        2,
        sender="Tom Baker <tom@acmerobotics.com>",
        subject="Purchase order PO-45002",
        body=PO,
        in_reply_to="<test-1@acmerobotics.com>",
        references="<test-1@acmerobotics.com>",
        date=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
    )
    return first, second


def test_inquiry_and_order_in_one_thread_get_one_reply_handling_both(
    tmp_path: Path, db_url: str
) -> None:
    app = build(tmp_path, db_url)
    first, second = inquiry_then_po(app)
    old, new = thread_drafts(app, second)
    assert (old.message_pk, old.status, old.superseded_by) == (first, "superseded", new.id)
    assert old.thread_note is not None and f"superseded by draft #{new.id}" in old.thread_note
    assert "已被草稿" in old.thread_note  # both languages
    assert (new.status, new.intent, new.answers) == ("pending", "order", [first, second])
    codes = [ln["code"] for ln in new.quote]
    assert codes == ["HX-4L-FR4-1.6", "HX-2L-FR4-1.6"]  # the inquiry's item is answered too
    assert any("one reply for the 2 unanswered messages" in n for n in new.notes)
    actions = [a for _, _, a, _ in drafting.get_draft(app, old.id).audit]
    assert actions == ["draft.created", "draft.superseded"]
    assert [d.id for d in drafting.list_drafts(app, "pending")] == [new.id]
    with pytest.raises(DraftStateError, match="only pending or failed"):
        drafting.approve(app, old.id, "kevin")


def test_edited_draft_is_never_overwritten_silently(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    first = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=RFQ)
    (edited,) = (d.id for d in thread_drafts(app, first))
    body = drafting.get_draft(app, edited).body.replace("[[LEAD TIME", "[[ LEAD TIME")
    drafting.edit_draft(app, edited, body + "\nKevin's own words\n", actor="kevin")
    _, second = (
        first,
        store(
            app,
            2,
            sender="Tom Baker <tom@acmerobotics.com>",
            body="Sorry, 800 pcs please.",
            subject="Re: Request for quotation: 4-layer PCB",
            in_reply_to="<test-1@acmerobotics.com>",
        ),
    )
    mine, held = thread_drafts(app, second)
    assert (mine.id, mine.status, mine.conflict_draft_id) == (edited, "pending", held.id)
    assert mine.thread_note and "new mail arrived since you edited" in mine.thread_note
    assert "你编辑后收到了新邮件" in mine.thread_note
    assert mine.body.endswith("Kevin's own words\n")  # untouched
    assert (held.status, held.conflict_draft_id) == ("held", edited)
    with pytest.raises(DraftStateError, match="new mail arrived since you edited"):
        drafting.approve(app, edited, "kevin")
    with pytest.raises(DraftStateError, match="only pending or failed"):
        drafting.approve(app, held.id, "kevin")
    assert choose(app, held.id, live.Choice.KEEP, "kevin") == edited
    mine, held = thread_drafts(app, second)
    assert (mine.status, mine.conflict_draft_id, mine.thread_note) == ("pending", None, None)
    assert (held.status, held.superseded_by) == ("superseded", edited)
    assert held.thread_note and "kevin kept the edited draft" in held.thread_note
    with pytest.raises(ChoiceError):
        choose(app, edited, live.Choice.KEEP, "kevin")


def test_taking_the_new_draft_supersedes_the_edited_one(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    first = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=RFQ)
    (edited,) = (d.id for d in thread_drafts(app, first))
    drafting.edit_draft(app, edited, "My answer [[x]]\n", actor="kevin")
    second = store(
        app,
        2,
        sender="tom@acmerobotics.com",
        body="And 200 pcs HX-2L-FR4-1.6?",
        in_reply_to="<test-1@acmerobotics.com>",
    )
    _, held = thread_drafts(app, second)
    assert choose(app, edited, live.Choice.TAKE_NEW, "kevin") == held.id
    mine, new = thread_drafts(app, second)
    assert (mine.status, mine.superseded_by) == ("superseded", held.id)
    assert (new.status, new.conflict_draft_id) == ("pending", None)
    assert new.answers == [first, second]


def test_a_reply_found_in_sent_closes_the_pending_draft(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    first = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=RFQ)
    app.clock = lambda: NOW + timedelta(hours=2)
    store(  # the salesperson answered from Outlook; the Sent folder is ingested
        app,
        3,
        sender="Kevin Wang <kevin.wang@huaxin-pcb.com>",
        to="tom@acmerobotics.com",
        subject="Re: Request for quotation: 4-layer PCB",
        body="Hi Tom, quotation attached.",
        message_id="<outlook-reply-1@huaxin-pcb.com>",
        in_reply_to="<test-1@acmerobotics.com>",
        references="<test-1@acmerobotics.com>",
        date=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    (d,) = thread_drafts(app, first)
    assert d.status == "closed"
    assert d.thread_note and "<outlook-reply-1@huaxin-pcb.com>" in d.thread_note
    assert "已关闭" in d.thread_note
    assert drafting.list_drafts(app, "pending") == []


def test_send_on_an_already_sent_draft_says_so_and_exits_0(tmp_path: Path, db_url: str) -> None:
    app = build(tmp_path, db_url)
    first = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=RFQ)
    (draft_id,) = (d.id for d in thread_drafts(app, first))
    drafting.edit_draft(app, draft_id, "Hi Tom, price USD 2.65.\n", actor="kevin")
    message_id = drafting.approve(app, draft_id, "kevin")
    with app.sessions() as s, s.begin():  # the daemon sent it meanwhile
        s.execute(update(m.Draft).where(m.Draft.id == draft_id).values(status="sent", sent_at=NOW))
        s.execute(update(m.Outbox).where(m.Outbox.draft_id == draft_id).values(state="sent"))
    app.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'templates_dir = "{ROOT / "templates"}"\nrules_dir = "{ROOT / "rules"}"\n'
        f'[store]\nurl = "{db_url}"\ndir = "{tmp_path / "store"}"\n'
        f'[smtp]\nfrom_address = "sales@huaxin-pcb.com"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(drafts_cli, ["send", str(draft_id)], obj=Obj(str(config), 0))
    assert result.exit_code == 0, result.output
    assert f"draft {draft_id}: sent: already sent at" in result.output
    assert f"<{message_id}>; not sent again" in result.output


# -- the pure decisions ----------------------------------------------------------------------------

T = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def od(i: int, status: str = "pending", touched: bool = False, at: int = 0) -> live.OpenDraft:
    return live.OpenDraft(i, status, "reply", touched, T + timedelta(hours=at))


def test_decisions_on_new_mail() -> None:
    relay = live.OpenDraft(3, "approved", "relay", False, T)
    out = live.on_new_draft(9, 42, T, [od(1), od(2, "approved", True), relay, od(9)])
    assert [(d.draft_id, d.action, d.other) for d in out] == [(1, live.Action.SUPERSEDE, 9)]
    out = live.on_new_draft(9, 42, T, [od(1, touched=True), od(5, "held"), od(9)])
    assert [(d.draft_id, d.action, d.other) for d in out] == [
        (9, live.Action.HOLD, 1),
        (1, live.Action.NOTICE, 9),
        (5, live.Action.SUPERSEDE, 9),  # an older held draft gives way to the newer one
    ]


def test_decisions_on_a_sent_reply() -> None:
    others = [od(1, at=-1), od(2, "held", at=-1), od(3, at=2), od(4, "approved"), od(7)]
    out = live.on_reply_sent(T + timedelta(hours=1), "draft #7 <x@y>", others, sent_id=7)
    assert [(d.draft_id, d.action) for d in out] == [(1, live.Action.CLOSE), (2, live.Action.CLOSE)]
    assert "answered in the thread by draft #7 <x@y>" in out[0].reason


def test_forward_and_new_mail_live_outside_the_one_reply_rule(tmp_path: Path, db_url: str) -> None:
    """A forward (or a new mail to the contact) neither supersedes the thread's pending reply
    nor is superseded or closed by what happens to the thread's replies."""
    from mailagent.drafts.compose import compose
    from mailagent.drafts.thread_drafts import after_sent

    app = build(tmp_path, db_url)
    first = store(app, 1, sender="Tom Baker <tom@acmerobotics.com>", body=RFQ)
    (reply,) = thread_drafts(app, first)
    kevin = "kevin.wang@huaxin-pcb.com"
    fwd = compose(app, "forward", kevin, message_pk=first, to="eng@huaxin-pcb.com")
    note = compose(app, "new", kevin, message_pk=first, to="tom@acmerobotics.com")

    def status(draft_id: int) -> str:
        return drafting.get_draft(app, draft_id).summary.status

    assert [status(i) for i in (reply.id, fwd, note)] == ["pending"] * 3
    with app.sessions() as s, s.begin():  # the forward went out: it answers nothing
        d = s.get(m.Draft, fwd)
        assert d is not None
        after_sent(s, d, "fwd-1@huaxin-pcb.com", NOW)
    assert status(reply.id) == "pending"
    app.clock = lambda: NOW + timedelta(hours=1)
    second = store(
        app,
        2,
        sender="Tom Baker <tom@acmerobotics.com>",
        subject="Purchase order PO-45002",
        body=PO,
        in_reply_to="<test-1@acmerobotics.com>",
        references="<test-1@acmerobotics.com>",
        date=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
    )
    replies = [d for d in thread_drafts(app, second) if d.kind == "reply"]
    assert [d.status for d in replies] == ["superseded", "pending"]  # the reply rule works
    assert [status(i) for i in (fwd, note)] == ["pending", "pending"]  # the others untouched
    app.close()


def test_a_long_thread_merges_only_the_most_recent_unanswered_mail(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drafting message 41 of a thread with 40 unanswered customer messages reads and merges
    at most MERGED_AT_MOST of them (the cost does not grow with the thread), still answers
    all 41, and says in both languages how many older ones were not merged."""
    from support.apptools import mail

    from mailagent.capture.ingest import ingest_raw
    from mailagent.drafts import prepare
    from mailagent.drafts.thread_drafts import MERGED_AT_MOST

    app = build(tmp_path, db_url)
    tom, root = "Tom Baker <tom@acmerobotics.com>", "<test-1@acmerobotics.com>"
    follow = [
        (mail(n, sender=tom, body=f"And {n}0 pcs HX-2L-FR4-1.6?", in_reply_to=root), f"t-{n}")
        for n in range(2, 41)
    ]
    results = ingest_raw(app, [(mail(1, sender=tom, body=RFQ), "t-1"), *follow])
    earlier = [r.message_pk for r in results]
    assert len(earlier) == 40 and all(earlier)
    read: list[int] = []
    facts_of = prepare._earlier_facts

    def counted(session: object, row: m.Message) -> object:
        read.append(row.id)
        return facts_of(session, row)  # type: ignore[arg-type]

    monkeypatch.setattr(prepare, "_earlier_facts", counted)
    last = store(app, 41, sender=tom, body="Sorry, and 70 pcs HX-4L-FR4-1.6.", in_reply_to=root)
    assert sorted(read) == earlier[-MERGED_AT_MOST:]  # the most recent ten, nothing older
    (reply,) = [d for d in thread_drafts(app, last) if d.status == "pending"]
    assert reply.message_pk == last
    assert reply.answers == [*earlier, last]  # sending closes all 41
    older = 40 - MERGED_AT_MOST
    (note,) = [n for n in reply.notes if "not merged" in n]
    assert note.startswith(f"{older} older unanswered messages of the thread were not merged")
    assert f"#{earlier[0]} to #{earlier[older - 1]}" in note
    assert f"{older} 封较早的未回复邮件未合并" in note  # and in Chinese
    assert any(f"one reply for the {MERGED_AT_MOST + 1} unanswered" in n for n in reply.notes)
