"""The daemon's triage workers: live lane ahead of the backlog, back-off reset per claim,
and worker processes sharing the rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture.imap import Backoff
from mailagent.capture.ingest import ingest_raw
from mailagent.daemon.triageworker import TriagePool, TriageWorker
from mailagent.db import lockwait
from mailagent.db import models as m
from mailagent.db import triage_rows as tr
from mailagent.triage import worker as triage_worker
from mailagent.triage.worker import triage_pending


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    yield a
    a.close()


def _capture(app: App, n: int, prefix: str, **kw: Any) -> list[int]:
    raws = [
        (mail(i, message_id=f"<{prefix}-{i}@acme.test>", **kw), f"{prefix}{i}") for i in range(n)
    ]
    return [r.message_pk for r in ingest_raw(app, raws, triage=False) if r.message_pk]


def _status(app: App) -> dict[int, str]:
    with app.sessions() as s:
        return dict(s.execute(select(m.Message.id, m.Message.status)).all())


def test_live_mail_is_claimed_newest_first_before_the_backlog(app: App) -> None:
    backlog = _capture(app, 30, "old")  # dated 2026-11-02
    now = app.clock()
    live = [_capture(app, 1, f"live{i}", date=now + timedelta(seconds=i))[0] for i in range(3)]
    with app.sessions() as s, s.begin():
        claimed = [r.id for r in tr.claim_new(s, 10, live_since=now - timedelta(minutes=1))]
    assert claimed == live[::-1]  # newest first, and only live mail
    assert triage_pending(app, claim_size=5, limit=5, live_since=now - timedelta(minutes=1)) == 5
    status = _status(app)
    assert all(status[pk] == tr.TRIAGED for pk in live)
    # the rest of that claim came from the oldest of the backlog
    assert [pk for pk in backlog if status[pk] == tr.TRIAGED] == backlog[:2]


def test_a_claim_commits_when_its_time_is_up_and_the_rest_stays_new(app: App) -> None:
    backlog = _capture(app, 6, "slow")
    claims: list[int] = []
    # no time at all: every claim commits after its first message; the rest of the claim
    # stays new and the next claims take it, oldest first, until nothing is left
    assert triage_pending(app, claim_size=4, claim_seconds=0.0, on_claim=claims.append) == 6
    assert claims == [1] * 6
    assert all(_status(app)[pk] == tr.TRIAGED for pk in backlog)


def test_backoff_resets_on_every_successful_claim(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass that fails after committed claims starts its back-off from the first step."""
    _capture(app, 12, "b")
    real = triage_worker._triage_rows
    calls: list[int] = []

    def every_other_claim_fails(*args: Any) -> Any:
        calls.append(1)
        if len(calls) % 2 == 0:
            raise RuntimeError("database away")
        return real(*args)

    monkeypatch.setattr(triage_worker, "_triage_rows", every_other_claim_fails)
    monkeypatch.setattr("mailagent.daemon.triageworker.LIVE_CLAIM", 2)
    stop = threading.Event()
    worker = TriageWorker(app, stop, 0.01, backoff=Backoff(base_seconds=0.01, max_seconds=60))
    attempts_at_failure: list[int] = []
    next_delay = worker.backoff.next_delay

    def record() -> float:
        attempts_at_failure.append(worker.backoff.attempts)
        return next_delay()

    monkeypatch.setattr(worker.backoff, "next_delay", record)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        while set(_status(app).values()) != {tr.TRIAGED}:
            assert time.monotonic() - started < 30, calls
            time.sleep(0.02)
    finally:
        stop.set()
        worker.notify()
        thread.join(10)
    assert len(attempts_at_failure) >= 5
    assert set(attempts_at_failure) == {0}, attempts_at_failure


def test_two_worker_processes_triage_every_message_once(app: App) -> None:
    pks = _capture(app, 60, "p")
    pool = TriagePool(app, 2, interval=0.2).start()
    try:
        started = time.monotonic()
        while set(_status(app).values()) != {tr.TRIAGED}:
            assert time.monotonic() - started < 90, _status(app)
            pool.supervise()
            time.sleep(0.1)
    finally:
        pool.close()
    assert all(p is not None and p.exitcode == 0 for p in pool.procs)
    with app.sessions() as s:
        drafted = (
            s.execute(
                select(m.Draft.message_pk).where(
                    m.Draft.kind == "reply", m.Draft.message_pk.in_(pks)
                )
            )
            .scalars()
            .all()
        )
    assert sorted(drafted) == sorted(pks), "one reply draft per inquiry, none twice"


def test_worker_ends_when_its_daemon_is_gone_even_before_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A daemon killed while its worker was still starting: the worker's parent is already
    someone else when it looks, so it compares with the pid the daemon gave it."""
    import threading

    from mailagent.daemon import triageworker

    exited = threading.Event()
    monkeypatch.setattr(triageworker.os, "_exit", lambda code: exited.set())
    stop = threading.Event()
    gone = 2**22 + 12345  # no such parent: as if the daemon had died
    triageworker._watch_parent(stop, gone, interval=0.01, grace=0.05)  # type: ignore[arg-type]
    assert stop.wait(5), "the worker was not asked to stop"
    assert exited.wait(5), "the worker did not end after the grace period"


def test_a_claim_runs_in_one_savepoint_and_a_failure_redoes_it_message_by_message(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import event, func

    from mailagent.drafts import prepare

    _capture(app, 6, "claim")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]).lstrip().split(None, 1)[0].upper())

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        assert triage_pending(app, claim_size=6) == 6
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
    # the claim's and the new prospect's: none per message or per draft (was 2 a message)
    assert statements.count("SAVEPOINT") == 2
    # six replies in one thread (each supersedes the last): 197 statements before the claim
    # was batched (savepoints, a drafts query, attachments and an answers UPDATE a message)
    assert len(statements) <= 160

    pks = _capture(app, 3, "again")

    real = prepare._prepare
    broken = pks[1]

    def failing(session: Any, app_: App, row: m.Message, *a: Any, **kw: Any) -> list[int]:
        if row.id == broken:
            raise RuntimeError("template exploded")
        return real(session, app_, row, *a, **kw)

    monkeypatch.setattr(prepare, "_prepare", failing)
    assert triage_pending(app, claim_size=3) == 3  # the claim is redone one by one
    assert all(status == tr.TRIAGED for status in _status(app).values())
    with app.sessions() as s:
        drafted = dict(
            s.execute(select(m.Draft.message_pk, func.count()).group_by(m.Draft.message_pk)).all()
        )
        errors = s.scalars(
            select(m.AuditEvent.message_pk).where(m.AuditEvent.action == "draft.error")
        ).all()
    assert errors == [broken] and broken not in drafted
    assert all(drafted.get(pk) == drafted[pks[0]] for pk in pks if pk != broken)


def test_worker_claims_again_at_once_unless_a_writer_waits_for_the_lock(
    tmp_path: Path,
) -> None:
    """SQLite: after a claim the worker pauses only while another writer (capture, the web
    UI) waits for the write lock."""
    a = make_app(tmp_path, f"sqlite:///{tmp_path / 'lock.db'}")
    try:
        worker = TriageWorker(a, threading.Event(), 60.0)
        assert worker.waiters is not None
        started = time.monotonic()
        assert worker.yield_to_waiters() == 0.0  # nobody waits: no pause at all
        assert time.monotonic() - started < 0.05 and worker.yields == 0

        got_lock = threading.Event()

        def writer() -> None:  # capture's BEGIN IMMEDIATE, blocked while we hold the lock
            with a.sessions() as s, s.begin():
                s.connection()  # the session begins (IMMEDIATE) on its first use
                got_lock.set()

        holder = a.engine.connect()
        holder.begin()  # BEGIN IMMEDIATE: this thread holds the write lock
        thread = threading.Thread(target=writer)
        thread.start()
        deadline = time.monotonic() + 10
        while not lockwait.others_waiting(worker.waiters) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert lockwait.others_waiting(worker.waiters) == 1  # the writer announced its wait
        pauses: list[float] = []
        pausing = threading.Thread(target=lambda: pauses.append(worker.yield_to_waiters()))
        pausing.start()  # the worker's claim has just committed; the writer still waits
        while worker.yields == 0 and pausing.is_alive():  # it saw the waiter
            time.sleep(0.001)
        holder.commit()  # now the writer can take the lock
        holder.close()
        pausing.join(10)
        thread.join(10)
        assert got_lock.is_set() and worker.yields == 1
        assert pauses[0] >= worker.yield_seconds  # it paused: the writer got in meanwhile
        assert lockwait.others_waiting(worker.waiters) == 0  # the writer removed its marker
    finally:
        a.close()


def test_a_lock_wait_marker_left_by_a_dead_process_is_ignored_and_removed(
    tmp_path: Path,
) -> None:
    waits = tmp_path / "x.db-lockwait"
    with lockwait.waiting(waits):
        assert lockwait.others_waiting(waits) == 0  # one's own wait does not count
    assert lockwait.others_waiting(waits) == 0 and not any(waits.iterdir())
    stale = waits / "999999-1"
    stale.touch()
    assert lockwait.others_waiting(waits) == 1
    assert lockwait.others_waiting(waits, now=time.time() + lockwait.STALE_SECONDS + 1) == 0
    assert not stale.exists()


def test_a_claim_looks_its_senders_up_at_once_and_sees_its_own_prospects(app: App) -> None:
    """One query for the claim's contacts and one for their domains, none per message; a
    prospect created mid-claim is seen by the later mail of its domain and address."""
    from sqlalchemy import event

    senders = [f"buyer{i}@firm{i}.test" for i in range(4)] + ["other@firm0.test"]
    senders.append("buyer0@firm0.test")
    raws = [
        (mail(i, sender=a, message_id=f"<l-{i}@x.test>"), f"l{i}") for i, a in enumerate(senders)
    ]
    pks = [r.message_pk for r in ingest_raw(app, raws, triage=False) if r.message_pk]
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(app.engine, "before_cursor_execute", count)
    try:
        assert triage_pending(app, claim_size=10) == 6
    finally:
        event.remove(app.engine, "before_cursor_execute", count)
    by_email = "SELECT contacts.customer_id, contacts.name, contacts.email FROM contacts WHERE"
    # was one a message; now only the address a prospect was created for is asked again
    assert len([s for s in statements if s.startswith(by_email)]) == 1
    preload = "SELECT contacts.email, contacts.customer_id, contacts.name FROM contacts WHERE"
    assert len([s for s in statements if s.startswith(preload)]) == 1
    with app.sessions() as s:
        rows = {r.id: r for r in s.scalars(select(m.Message).where(m.Message.id.in_(pks)))}
        codes = dict(s.execute(select(m.Customer.id, m.Customer.code)).all())
    linked = [(rows[pk].link_method, codes.get(rows[pk].customer_id)) for pk in pks]
    assert linked[:4] == [("prospect", f"P-firm{i}.test-1") for i in range(4)]
    assert linked[4:] == [("domain", "P-firm0.test-1"), ("contact", "P-firm0.test-1")]
