"""The triage stage on its own: pending rows, `mailagent triage`, the daemon's triage worker,
threading inside one capture batch, subject merges once the customer is known, and the
per-batch directory memo."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.apptools import ROOT, mail, make_app
from support.modelcache import seed_intent_model

from mailagent.app import App
from mailagent.capture.imap import FolderState
from mailagent.capture.ingest import IngestStatus, ingest_batch, ingest_raw
from mailagent.cli.main import cli
from mailagent.context import ContactHit, CustomerInfo, OrderInfo
from mailagent.daemon.loop import TriageWorker
from mailagent.db import models as m
from mailagent.db import triage_rows as tr
from mailagent.db.dircache import CachedDirectory
from mailagent.records import FetchedMail
from mailagent.triage.worker import triage_messages, triage_pending


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    yield a
    a.close()


def _statuses(app: App) -> dict[str, str]:
    with app.sessions() as s:
        return dict(s.execute(select(m.Message.message_id, m.Message.status)).all())


def _captured(app: App, n: int, prefix: str = "c") -> list[int]:
    raws = [
        (mail(i, message_id=f"<{prefix}-{i}@acmerobotics.com>"), f"{prefix}{i}") for i in range(n)
    ]
    results = ingest_raw(app, raws, triage=False)
    assert [r.status for r in results] == [IngestStatus.STORED] * n
    return [r.message_pk for r in results if r.message_pk is not None]


def test_capture_only_leaves_rows_new_then_triage_pending_decides_them(app: App) -> None:
    pks = _captured(app, 5)
    assert set(_statuses(app).values()) == {tr.NEW}
    with app.sessions() as s:
        assert tr.count_new(s) == 5
        row = s.get(m.Message, pks[0])
        assert row is not None and row.intent is None and row.language is None
    assert triage_pending(app, limit=2) == 2
    with app.sessions() as s:
        assert tr.count_new(s) == 3
        # oldest first
        first = s.scalars(select(m.Message.status).where(m.Message.id.in_(pks[:2]))).all()
        assert first == [tr.TRIAGED, tr.TRIAGED]
    assert triage_pending(app, claim_size=2) == 3
    assert triage_pending(app) == 0
    with app.sessions() as s:
        rows = s.scalars(select(m.Message)).all()
        assert {r.status for r in rows} == {tr.TRIAGED}
        assert all(r.intent == "inquiry" and r.intent_reasons for r in rows)
        assert all(r.language == "en" and r.customer_id is not None for r in rows)
        assert all(r.triaged_at is not None for r in rows)


def test_triage_pending_stops_between_claims(app: App) -> None:
    _captured(app, 4)
    stop = threading.Event()
    stop.set()
    assert triage_pending(app, claim_size=1, stop=stop) == 0
    with app.sessions() as s:
        assert tr.count_new(s) == 4


def test_triage_messages_touches_only_new_rows_it_was_given(app: App) -> None:
    pks = _captured(app, 3)
    outcomes = triage_messages(app, pks[:1])
    assert [(o.message_pk, o.ok) for o in outcomes] == [(pks[0], True)]
    assert triage_messages(app, pks[:1]) == []  # already triaged: not claimed again
    with app.sessions() as s:
        assert tr.count_new(s) == 2


def test_manual_intent_and_link_survive_retriage(app: App) -> None:
    (pk,) = _captured(app, 1)
    with app.sessions() as s, s.begin():
        row = s.get(m.Message, pk)
        assert row is not None
        row.intent, row.intent_manual = "complaint", True
        row.link_manual = True
    triage_messages(app, [pk])
    with app.sessions() as s:
        row = s.get(m.Message, pk)
        assert row is not None and row.status == tr.TRIAGED
        assert row.intent == "complaint" and row.customer_id is None
        assert row.language == "en"


def test_cli_triage_reports_done_and_waiting(tmp_path: Path, app: App) -> None:
    _captured(app, 3)
    seed_intent_model(Path(app.settings.store.dir))  # the command loads it: no training here
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n[store]\nurl = "{app.settings.store.url}"\n'
        f'dir = "{app.settings.store.dir}"\n[team]\nown_domains = ["huaxin-pcb.com"]\n'
        "[translation]\nenabled = false\n",
        encoding="utf-8",
    )
    run = CliRunner().invoke
    result = run(cli, ["--config", str(config), "triage", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) triaged, 2 waiting" in result.output
    result = run(cli, ["--config", str(config), "triage"])
    assert "2 message(s) triaged, 0 waiting" in result.output


def test_triage_worker_wakes_on_notify_and_stops(app: App) -> None:
    stop = threading.Event()
    worker = TriageWorker(app, stop, interval=3600)  # only a wake-up can make it run
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        _captured(app, 3)
        started = time.monotonic()
        worker.notify()
        while set(_statuses(app).values()) != {tr.TRIAGED}:
            assert time.monotonic() - started < 20, _statuses(app)
            time.sleep(0.05)
    finally:
        stop.set()
        worker.notify()
        thread.join(10)
    assert not thread.is_alive()


def test_triage_worker_survives_a_failing_pass(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = triage_pending

    def flaky(a: App, **kw: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        return real(a, **kw)

    monkeypatch.setattr("mailagent.triage.worker.triage_pending", flaky)
    _captured(app, 2)
    stop = threading.Event()
    worker = TriageWorker(app, stop, interval=0.05)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        while set(_statuses(app).values()) != {tr.TRIAGED}:
            assert time.monotonic() - started < 20, calls
            time.sleep(0.05)
    finally:
        stop.set()
        worker.notify()
        thread.join(10)
    assert len(calls) >= 2


def _fetched(raw: bytes, uid: int) -> FetchedMail:
    return FetchedMail(
        raw=raw, mailbox="sales", folder="INBOX", uidvalidity=7, uid=uid, origin=f"u{uid}"
    )


def test_reply_in_the_same_capture_batch_joins_its_parent(app: App) -> None:
    batch = [
        _fetched(mail(1, message_id="<p@acme>"), 1),
        _fetched(
            mail(2, subject="Re: RFQ", message_id="<r@acme>", in_reply_to="<p@acme>"),
            2,
        ),
        _fetched(
            mail(3, subject="Re: RFQ", message_id="<rr@acme>", references="<p@acme> <r@acme>"), 3
        ),
    ]
    ingest_batch(app, "sales", batch, FolderState(7, 3), triage=False)
    with app.sessions() as s:
        rows = {r.message_id: r for r in s.scalars(select(m.Message))}
        assert rows["p@acme"].thread_id == rows["r@acme"].thread_id == rows["rr@acme"].thread_id
        assert rows["p@acme"].thread_method == "new"
        assert rows["r@acme"].thread_method == rows["rr@acme"].thread_method == "references"
        keys = set(s.scalars(select(m.ThreadKey.key)))
        assert keys == {"p@acme", "r@acme", "rr@acme"}
        assert s.scalar(select(m.Thread.id).where(m.Thread.id != rows["p@acme"].thread_id)) is None


@pytest.mark.parametrize("same_batch", [True, False])
def test_same_subject_same_customer_merges_threads_at_triage(app: App, same_batch: bool) -> None:
    first = mail(1, message_id="<s1@acme>", subject="Quote for HX-4L boards")
    second = mail(2, message_id="<s2@acme>", subject="RE: Quote for HX-4L boards")
    other = mail(3, message_id="<s3@other>", subject="RE: Quote for HX-4L boards",
                 sender="ann@other-buyer.de")  # fmt: skip
    if same_batch:
        ingest_raw(app, [(first, "a"), (second, "b"), (other, "c")])
    else:
        for raw, origin in ((first, "a"), (second, "b"), (other, "c")):
            ingest_raw(app, [(raw, origin)])
    with app.sessions() as s:
        rows = {r.message_id: r for r in s.scalars(select(m.Message))}
        assert rows["s1@acme"].customer_id == rows["s2@acme"].customer_id is not None
        assert rows["s1@acme"].thread_id == rows["s2@acme"].thread_id
        assert rows["s2@acme"].thread_method == "subject"
        # same subject, another customer: its own thread
        assert rows["s3@other"].thread_id != rows["s1@acme"].thread_id
        threads = s.scalars(select(m.Thread)).all()
        assert len(threads) == 2
        merged = s.get(m.Thread, rows["s1@acme"].thread_id)
        assert merged is not None and merged.customer_id == rows["s1@acme"].customer_id
        keys = dict(s.execute(select(m.ThreadKey.key, m.ThreadKey.thread_id)).all())
        assert keys["s2@acme"] == merged.id, "the merged thread's keys move with it"


class _Counting:
    def __init__(self) -> None:
        self.calls = 0

    def contacts_by_email(self, email: str) -> Sequence[ContactHit]:
        self.calls += 1
        return ()

    def customer_by_domain(self, domain: str) -> CustomerInfo | None:
        self.calls += 1
        return None

    def customer(self, customer_id: int) -> CustomerInfo | None:
        self.calls += 1
        return None

    def orders_by_numbers(self, numbers: Sequence[str]) -> Sequence[OrderInfo]:
        self.calls += 1
        return ()

    def customer_names(self) -> Sequence[tuple[int, str]]:
        self.calls += 1
        return ((1, "Acme Robotics"),)


def test_cached_directory_asks_each_question_once_until_cleared() -> None:
    inner = _Counting()
    d = CachedDirectory(inner)
    for _ in range(3):
        d.contacts_by_email("Tom@Acme.com ")
        d.contacts_by_email("tom@acme.com")
        d.customer_by_domain("ACME.com")
        d.customer(7)
        d.orders_by_numbers(["PO-2", "PO-1", "PO-2"])
        d.orders_by_numbers(["PO-1", "PO-2"])
        assert d.customer_names() == ((1, "Acme Robotics"),)
    assert inner.calls == 5
    assert (d.hits, d.misses) == (16, 5)
    d.clear()
    d.customer_names()
    d.customer(7)
    assert inner.calls == 7
