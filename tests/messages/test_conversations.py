"""Conversations: threads as the inbox lists them, one thread's page, and the work actions
(assign, snooze, done, reopen, junk, read) with their audit trail."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from support.apptools import mail, make_app
from support.webtools import FAST_HASHER

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.demo.run import import_demo_archive
from mailagent.errors import NotFound
from mailagent.messages import threadwork as work
from mailagent.messages.conversations import list_threads, thread_detail
from mailagent.messages.threadrecords import ThreadFilter, preview_kind, time_left
from mailagent.web import users as users_module
from mailagent.web.users import create_user

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
KEVIN = "kevin.wang@huaxin-pcb.com"


class Scope:
    """Only the customers with these ids (what a sales user's Viewer does)."""

    def __init__(self, *ids: int) -> None:
        self.ids = ids

    def customers(self, column: object) -> object:
        return column.in_(self.ids)  # type: ignore[attr-defined]


def _app(tmp_path: Path, url: str) -> App:
    app = make_app(tmp_path, url)
    import_demo_archive(app)
    create_user(app, KEVIN, "correct horse battery", role="sales", display_name="Kevin Wang")
    app.clock = lambda: NOW
    return app


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One migrated SQLite store with the demo archive and a user, copied for each test."""
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    tmp = tmp_path_factory.mktemp("conversations-template")
    _app(tmp, f"sqlite:///{tmp / 'c.db'}").close()
    mp.undo()
    yield tmp / "c.db"


@pytest.fixture
def app(tmp_path: Path, template_db: Path) -> Iterator[App]:
    shutil.copyfile(template_db, tmp_path / "c.db")
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'c.db'}")
    app.clock = lambda: NOW
    yield app
    app.close()


@pytest.fixture
def any_app(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """On SQLite and on PostgreSQL (the view conditions are plain SQL on both)."""
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)
    app = _app(tmp_path, db_url)
    yield app
    app.close()


def _ingest(app: App, *raws: bytes) -> list[int]:
    results = ingest_raw(app, [(raw, f"m{i}") for i, raw in enumerate(raws)])
    return [r.message_pk for r in results if r.message_pk is not None]


def _thread_of(app: App, pk: int) -> int:
    with app.sessions() as session:
        tid = session.scalar(select(m.Message.thread_id).where(m.Message.id == pk))
    assert tid is not None
    return int(tid)


def test_time_left_against_one_now() -> None:
    due = NOW + timedelta(hours=2, minutes=10)
    ok = time_left("running", "p", due, NOW + timedelta(hours=1), NOW)
    assert (ok.minutes, ok.urgency, ok.text()) == (130, "ok", "2 h 10 m left")
    soon = time_left("running", "p", due, NOW - timedelta(minutes=1), NOW)
    assert soon.urgency == "soon"
    late = time_left("breached", "p", NOW - timedelta(hours=3), NOW - timedelta(hours=5), NOW)
    assert (late.overdue, late.urgency, late.text()) == (True, "overdue", "overdue 3 h")
    paused = time_left("paused", "p", due, due, NOW)
    assert paused.text() == "paused"


def test_preview_kinds_never_svg_or_html() -> None:
    assert preview_kind("image/png", "a.png") == "image"
    assert preview_kind("application/pdf", "x") == "pdf"
    assert preview_kind("application/octet-stream", "PO.PDF") == "pdf"
    assert preview_kind("image/svg+xml", "a.svg") == ""
    assert preview_kind("text/html", "a.pdf") == ""


def test_threads_group_replies_count_participants_and_unread(any_app: App) -> None:
    app = any_app
    first, reply, other = _ingest(
        app,
        mail(1, sender="Tom Baker <tom@acmerobotics.com>", date=NOW - timedelta(hours=5)),
        mail(
            2,
            subject="Re: Request for quotation: 4-layer PCB",
            body="Any news on the quote?\n\n> old text",
            sender="Amy Lee <amy@acmerobotics.com>",
            in_reply_to="<test-1@acmerobotics.com>",
            date=NOW - timedelta(hours=1),
        ),
        mail(3, subject="Bestellung 4500118999", sender="j.hoffmann@mueller-elektronik.de",
             date=NOW - timedelta(hours=2)),
    )  # fmt: skip
    rows = list_threads(app, reader=KEVIN, reads=("en",))
    assert [r.latest_pk for r in rows] == [reply, other]
    acme = rows[0]
    assert acme.count == 2 and acme.unread
    assert [p.name for p in acme.participants] == ["Tom Baker", "Amy Lee"]
    assert acme.preview.startswith("Any news on the quote?")
    assert acme.customer_code and acme.state == "open"
    # reading marks it read for this reader only; a new customer message makes it unread
    work.mark_read(app, acme.id, KEVIN)
    assert not list_threads(app, reader=KEVIN)[0].unread
    assert list_threads(app, reader="someone@else")[0].unread
    # a sales scope sees only its customers' threads
    with app.sessions() as session:
        acme_id = session.scalar(select(m.Message.customer_id).where(m.Message.id == first))
    scoped = list_threads(app, scope=Scope(int(acme_id or 0)), reader=KEVIN)
    assert [r.id for r in scoped] == [acme.id]
    detail = thread_detail(app, acme.id, reads=("en",))
    assert [x.id for x in detail.messages] == [first, reply]
    assert detail.messages[1].quoted_text.strip().startswith(">") or "old text" in (
        detail.messages[1].quoted_text
    )
    with pytest.raises(NotFound):
        thread_detail(app, _thread_of(app, other), Scope(int(acme_id or 0)))


def test_assign_snooze_done_reopen_and_audit(any_app: App) -> None:
    app = any_app
    (pk,) = _ingest(app, mail(1, date=NOW - timedelta(hours=3)))
    tid = _thread_of(app, pk)
    assert work.assign(app, [tid], KEVIN, "grace") == 1
    row = list_threads(app, ThreadFilter(view="mine"), reader=KEVIN)[0]
    assert row.owner is not None and row.owner.name == "Kevin Wang"
    with pytest.raises(work.ThreadWorkError):
        work.assign(app, [tid], "stranger@example.com", "grace")
    with pytest.raises(work.ThreadWorkError):
        work.snooze(app, [tid], "grace", until=NOW - timedelta(hours=1))
    work.snooze(app, [tid], "grace", until=NOW + timedelta(days=1))
    assert list_threads(app) == []
    assert [r.state for r in list_threads(app, ThreadFilter(view="snoozed"))] == ["snoozed"]
    app.clock = lambda: NOW + timedelta(days=2)  # the snooze is over: back in the inbox
    assert [r.id for r in list_threads(app)] == [tid]
    app.clock = lambda: NOW
    work.mark_done(app, [tid], "grace")
    assert list_threads(app) == [] and list_threads(app, ThreadFilter(view="done"))
    work.reopen(app, [tid], "grace")
    assert [r.id for r in list_threads(app)] == [tid]
    trail = [a for a in thread_detail(app, tid).audit if a.action.startswith("thread.")]
    assert trail[0].detail["owner_name"] == "Kevin Wang" and trail[0].actor == "grace"
    actions = [a.action for a in trail]
    assert actions == ["thread.assigned", "thread.snoozed", "thread.done", "thread.reopened"]


def test_snooze_until_reply_wakes_when_the_customer_writes(app: App) -> None:
    (pk,) = _ingest(app, mail(1, date=NOW - timedelta(hours=3)))
    tid = _thread_of(app, pk)
    work.snooze(app, [tid], "kevin", until_reply=True)
    app.clock = lambda: NOW + timedelta(days=30)
    assert list_threads(app) == [], "no time ends a snooze until the reply"
    _ingest(
        app,
        mail(2, subject="Re: Request for quotation: 4-layer PCB", body="Hello again",
             in_reply_to="<test-1@acmerobotics.com>", date=NOW + timedelta(days=29)),
    )  # fmt: skip
    (row,) = list_threads(app)
    assert row.id == tid and row.state == "open" and row.count == 2


def test_bulk_junk_takes_the_thread_out_of_the_inbox(app: App) -> None:
    pks = _ingest(
        app,
        mail(1, date=NOW - timedelta(hours=3)),
        mail(2, subject="Cheap SEO services", sender="seo@spam.example",
             date=NOW - timedelta(hours=2)),
    )  # fmt: skip
    tids = [_thread_of(app, pk) for pk in pks]
    assert work.relevance(app, [tids[1]], "junk", "kevin") == 1
    assert [r.id for r in list_threads(app)] == [tids[0]]
    assert [r.id for r in list_threads(app, ThreadFilter(view="junk"))] == [tids[1]]
    work.relevance(app, [tids[1]], "notjunk", "kevin")
    assert {r.id for r in list_threads(app)} == set(tids)


def test_subject_translated_for_a_reader_who_needs_it_in_one_query(app: App) -> None:
    """The inbox row carries the latest customer message's subject in the reader's language
    (from the stored translations, one query for the page) and keeps the original; a reader
    of the language, or one without a finished translation, gets the original only."""
    pk, *_others = _ingest(
        app,
        mail(1, subject="Bestellung 4500118999", sender="j.hoffmann@mueller-elektronik.de",
             body="Sehr geehrte Frau Chen,\n\nanbei unsere Bestellung über 2000 Leiterplatten. "
                  "Bitte bestätigen Sie den Liefertermin.\n\nMit freundlichen Grüßen\nJ. Hoffmann",
             date=NOW - timedelta(hours=1)),
        mail(2, date=NOW - timedelta(hours=2)),
        mail(3, subject="Lead time?", sender="amy@other.com", date=NOW - timedelta(hours=3)),
    )  # fmt: skip
    original = "Bestellung 4500118999"
    with app.sessions() as session, session.begin():
        assert session.get(m.Message, pk).language == "de"  # type: ignore[union-attr]
        for target, subject, status in (
            ("en", "Order 4500118999", "done"),
            ("zh", "订单 4500118999", "done"),
            ("fr", "Commande 4500118999", "failed"),
        ):
            session.add(
                m.MessageTranslation(
                    message_id=pk, source_lang="de", target_lang=target, status=status,
                    subject=subject, body=f"{subject}: body", engine="test", updated_at=NOW,
                )
            )  # fmt: skip
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.engine, "before_cursor_execute", seen)
    try:
        rows = {r.latest_pk: r for r in list_threads(app, ThreadFilter(view="all"), reads=("en",))}
    finally:
        event.remove(app.engine, "before_cursor_execute", seen)
    assert len(rows) == 3
    assert sum("message_translations" in s for s in statements) == 1  # batched for the page
    row = rows[pk]
    assert (row.subject, row.subject_translated) == (original, "Order 4500118999")
    assert row.preview_translated and row.preview == "Order 4500118999: body"
    assert all(r.subject_translated is None for r in rows.values() if r.latest_pk != pk)

    def subject(reads: tuple[str, ...]) -> tuple[str, str | None]:
        found = list_threads(app, ThreadFilter(view="all"), reads=reads)
        row = next(r for r in found if r.latest_pk == pk)
        return row.subject, row.subject_translated

    assert subject(("zh", "en")) == (original, "订单 4500118999")  # the first language read
    assert subject(("fr", "en")) == (original, "Order 4500118999")  # fr failed: the next one
    assert subject(("de", "en")) == (original, None)  # reads German: no translation
    assert subject(("es",)) == (original, None)  # none exists into Spanish

    # The single-message list picks by the same rule (it used to need the pair installed)
    from mailagent.web.translationview import inbox_subjects
    from mailagent.web.users import UserInfo

    for reads in (("en",), ("zh", "en"), ("fr", "en"), ("de", "en"), ("es",)):
        reader = UserInfo(1, "r@huaxin-pcb.com", "", "sales", reads[0], reads, True, NOW, None, "")
        listed = inbox_subjects(app, reader, [(pk, "de")]).get(pk)
        assert listed == subject(reads)[1], reads


def test_pages_read_newest_first_match_the_whole_mailbox_sum(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page is found by reading messages newest first in batches (figures for those
    threads only); every view, scope and page lists what summing up every thread lists."""
    from mailagent.messages import conversations

    senders = ("Tom Baker <tom@acmerobotics.com>", "j.hoffmann@mueller-elektronik.de")
    raws = []
    for i in range(10):  # ten conversations, replies interleaved, some at the same minute
        raws.append(
            mail(
                100 + i,
                subject=f"Quote {i}: 4-layer PCB",
                sender=senders[i % 2],
                date=NOW - timedelta(hours=30 - i),
            )
        )
    for i in (3, 7, 1, 8):
        raws.append(
            mail(
                200 + i,
                subject=f"Re: Quote {i}: 4-layer PCB",
                sender=senders[i % 2],
                in_reply_to=f"<test-{100 + i}@acmerobotics.com>",
                date=NOW - timedelta(hours=10 if i in (3, 7) else 9 - i),
            )
        )
    pks = _ingest(app, *raws)
    tids = sorted({_thread_of(app, pk) for pk in pks})
    with app.sessions() as session:
        cust = session.scalar(select(m.Message.customer_id).where(m.Message.id == pks[1]))
    assert len(tids) == 10
    work.snooze(app, tids[:1], "grace", until=NOW + timedelta(days=1))
    work.mark_done(app, tids[1:2], "grace")
    work.relevance(app, tids[2:3], "junk", "grace")
    work.assign(app, tids[3:5], KEVIN, "grace")

    def pages(view: str, scope: Scope | None) -> list[list[tuple[int, int, int, str]]]:
        out = []
        for page in range(1, 6):
            flt = ThreadFilter(view=view, page=page, per_page=3)
            rows = list_threads(app, flt, scope, reader=KEVIN)
            out.append([(r.id, r.latest_pk, r.count, r.state) for r in rows])
        return out

    for view in ("open", "unassigned", "all", "mine", "junk", "done", "snoozed"):
        for scope in (None, Scope(int(cust or 0))):
            monkeypatch.setattr(conversations, "_LAST_BATCH", 0)  # sum up every thread
            whole = pages(view, scope)
            monkeypatch.setattr(conversations, "_FIRST_BATCH", 1)
            monkeypatch.setattr(conversations, "_LAST_BATCH", 20_000)  # batches of 12, 48, ...
            assert pages(view, scope) == whole, (view, scope)
            monkeypatch.setattr(conversations, "_LAST_BATCH", 12)  # then the rest at once
            assert pages(view, scope) == whole, (view, scope)
            monkeypatch.undo()
    assert any(pages("open", None)[1]), "the open view has a second page"
