"""The daemon's triage workers: one in-process thread, or several worker processes.

Capture never waits for triage: the mailbox workers call ``notify()`` after every stored
batch. A :class:`TriageWorker` then drains the ``new`` rows claim by claim: first the live
lane (mail that arrived at the server after the worker started, newest first), then the
oldest claim of the backlog, so a message that arrives during a backfill waits for at most
one backlog claim. Its back-off (after a failed pass, e.g. the database is away) resets on
every committed claim, so a long backlog never pushes it towards the 60 s cap.

:class:`TriagePool` runs ``N`` workers in their own processes (``mailagent run
--triage-workers N``; default: cores - 1, at least 1), so capture and triage never share
one interpreter's time. Each process opens its own App from the (picklable) settings.
They share the rows by claiming: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite every
write transaction begins ``IMMEDIATE``, which serialises the claims, and after each claim
a worker pauses while capture, the web UI or another worker waits for the lock (they
announce it, see :mod:`mailagent.db.lockwait`) so that they get it; when nobody waits it
claims again at once.
Workers never end the daemon: a crashed process is restarted; a worker whose daemon died
(``kill -9``) stops by itself.

Triage itself (:mod:`mailagent.triage.worker`: language profiles, rules, drafting, and
through the App the intent model) is imported where it runs, in the worker process or the
daemon's triage thread: the capture process of a daemon with worker processes never loads
it (``mailagent run`` opens that App without the model), which keeps it ~150 MB smaller.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.synchronize
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from mailagent.app import App, open_app
from mailagent.capture.imap import Backoff
from mailagent.config import Settings
from mailagent.db import lockwait

__all__ = ["LIVE_CLAIM", "TriagePool", "TriageWorker", "Waker", "default_workers"]

log = logging.getLogger(__name__)

LIVE_CLAIM = 20  # rows per claim: short write transactions, so live mail waits little
# and a claim commits after this long even if rows are left (they stay new for the next
# claim): a backlog claim of slow messages (long mailing-list mail, many drafts) no longer
# holds the write lock, and live mail behind it, for several seconds
CLAIM_SECONDS = 0.25
LIVE_MARGIN = timedelta(seconds=5)  # server clocks drift: what arrived just before start
# SQLite wakes a writer waiting for the lock by polling (every 100 ms at most): a triage
# worker that began its next claim at once after a commit could starve capture and the web
# UI for the whole busy timeout. After a claim during which someone began to wait it
# therefore pauses this long; when nobody waits it claims again at once (a pause after
# every claim left it idle a third of the time).
SQLITE_YIELD_SECONDS = 0.12


class Waker(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...


def default_workers() -> int:
    """cores - 1 (the daemon's capture keeps one), at least 1."""
    return max(1, (os.cpu_count() or 1) - 1)


class TriageWorker:
    """Triages captured mail: at once when woken, else every ``interval`` seconds."""

    def __init__(
        self,
        app: App,
        stop: Waker,
        interval: float,
        *,
        wake: Waker | None = None,
        started_at: datetime | None = None,
        backoff: Backoff | None = None,
        corpus: Path | None = None,
    ) -> None:
        """``corpus``: the intent corpus the model is retrained on when corrections arrive
        (None: the shipped one)."""
        self.app = app
        self.stop = stop
        self.interval = interval
        self.wake: Waker = wake if wake is not None else threading.Event()
        self.wake.set()  # first pass at start: rows a crash left untriaged
        self.live_since = (started_at or app.clock()) - LIVE_MARGIN
        self.backoff = backoff or Backoff(max_seconds=60)
        self.failed_passes = 0
        sqlite = app.engine.dialect.name == "sqlite"
        self.yield_seconds = SQLITE_YIELD_SECONDS if sqlite else 0.0  # SKIP LOCKED: none
        self.waiters = lockwait.wait_dir(app.engine.url.database) if sqlite else None
        self.yields = 0  # claims after which someone waited for the lock
        # corrections made in the web UI, the CLI or another process reach this process's
        # model at most this long after: the daemon's own job cannot swap a worker's model
        self.learn_seconds = 60.0 * app.settings.scheduler.learn_minutes
        self.learn_due = time.monotonic() + self.learn_seconds  # loaded up to date at start
        self.corpus = corpus
        self.learned = 0  # times the model was adapted

    def notify(self) -> None:
        self.wake.set()

    def _claimed(self, _n: int) -> None:
        self.backoff.reset()
        self.yield_to_waiters()
        self.learn()

    def learn(self, *, now: bool = False) -> bool:
        """Adapt this process's intent model to the corrections made since it was loaded,
        at most every ``scheduler.learn_minutes`` (a digest query when nothing changed), or
        ``now``. True if it retrained or reloaded; a failure keeps the current model."""
        if self.app.model is None or (not now and time.monotonic() < self.learn_due):
            return False
        self.learn_due = time.monotonic() + self.learn_seconds
        from mailagent.messages.learning import refresh_if_corrected
        from mailagent.triage.intent_model import CORPUS

        try:
            changed = refresh_if_corrected(self.app, self.corpus or CORPUS)
        except Exception:  # e.g. the database is away: try again at the next check
            log.exception("adapting the intent model to corrections failed; keeping it")
            return False
        self.learned += changed
        return changed

    def yield_to_waiters(self) -> float:
        """Pause ``yield_seconds`` if another writer waits for SQLite's write lock now;
        returns the pause. The whole pause, not just until that writer has the lock:
        capture stores a batch in several transactions in a row, and each would otherwise
        wait for a whole claim (arrival -> stored p95 doubled when the pause ended at the
        first one). Without a marker directory (an in-memory database) it always pauses,
        as nobody could announce a wait."""
        if not self.yield_seconds:
            return 0.0
        if self.waiters is not None and not lockwait.others_waiting(self.waiters):
            return 0.0
        self.yields += 1
        started = time.monotonic()
        self.stop.wait(self.yield_seconds)
        return time.monotonic() - started

    def run_forever(self) -> None:
        while not self.stop.is_set():
            self.wake.wait(self.interval)
            self.wake.clear()
            if self.stop.is_set():
                break
            self.learn()
            try:
                from mailagent.triage import worker as triage_worker  # see the module doc

                triage_worker.triage_pending(
                    self.app,
                    claim_size=LIVE_CLAIM,
                    stop=self.stop,
                    live_since=self.live_since,
                    on_claim=self._claimed,
                    claim_seconds=CLAIM_SECONDS,
                )
                self.backoff.reset()
            except Exception:  # e.g. the database is away: retry, never die
                self.failed_passes += 1
                delay = self.backoff.next_delay()
                log.exception("triage pass failed; retry in %.1f s", delay)
                self.stop.wait(delay)
        log.info("triage worker stopped")


def _child(
    settings: Settings,
    clock: Callable[[], datetime],
    verbosity: int,
    stop: Waker,
    wake: Waker,
    interval: float,
    started_at: datetime,
    with_model: bool,
    ready: Waker,
    parent: int,
) -> None:
    """Entry point of one worker process (spawned: it imports everything afresh)."""
    from mailagent import logs

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    logs.setup(verbosity)  # stderr is inherited: the lines land where the daemon's do
    _watch_parent(stop, parent)
    app = open_app(settings, clock=clock, migrate=False, with_model=with_model)
    try:
        from mailagent.triage import worker as triage_worker

        worker = TriageWorker(app, stop, interval, wake=wake, started_at=started_at)
        # opened without migrating, the App loaded the model without this installation's
        # corrections: adapt it before the first claim (a cached model is only loaded)
        worker.learn(now=True)
        warm = triage_worker.warm_up(app)  # the first live mail must not pay for loading
        # until here SIGTERM ends the process at once (nothing claimed yet); from here on it
        # lets the claim in progress commit first
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        ready.set()
        log.info("triage worker process %d started (warm-up %.1f s)", os.getpid(), warm)
        worker.run_forever()
    finally:
        app.close()
    logging.shutdown()
    os._exit(0)  # everything is committed: skip freeing the model's heap (seconds when busy)


def _watch_parent(stop: Waker, parent: int, interval: float = 1.0, grace: float = 10.0) -> None:
    """Stop this worker when the daemon that spawned it dies (even by ``kill -9``).

    It polls with ``time.sleep``, not on the shared events: a daemon killed while it held
    an event's lock (in ``set``, say) leaves that lock taken for ever. When the parent is
    gone the worker is asked to stop (from a helper thread, which may block on that lock)
    and, ``grace`` seconds later, ends the process: a claim still open is rolled back by
    the database, so nothing is lost. ``parent`` is the daemon's pid as the daemon saw it: a
    daemon killed while this process was still starting is noticed too.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        log.warning("triage worker %d: the daemon died; stopping", os.getpid())
        threading.Thread(target=stop.set, name="stop", daemon=True).start()
        time.sleep(grace)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class TriagePool:
    """``workers`` triage processes sharing the store's ``new`` rows."""

    def __init__(
        self,
        app: App,
        workers: int,
        interval: float,
        verbosity: int = 0,
        *,
        with_model: bool | None = None,
    ) -> None:
        """``with_model``: whether the workers classify with the intent model (None: if
        ``app`` has one; ``mailagent run`` opens its App without and passes True)."""
        self.app = app
        self.with_model = app.model is not None if with_model is None else with_model
        self.workers = max(1, workers)
        self.interval = interval
        self.verbosity = verbosity
        self._ctx = multiprocessing.get_context("spawn")
        self.stop = self._ctx.Event()
        self.wakes = [self._ctx.Event() for _ in range(self.workers)]
        self.ready = [self._ctx.Event() for _ in range(self.workers)]
        self.procs: list[Any] = [None] * self.workers
        self.started_at = app.clock()

    def _spawn(self, i: int) -> None:
        proc = self._ctx.Process(
            target=_child,
            args=(
                self.app.settings,
                self.app.clock,
                self.verbosity,
                self.stop,
                self.wakes[i],
                self.interval,
                self.started_at,
                self.with_model,
                self.ready[i],
                os.getpid(),
            ),
            name=f"mailagent-triage-{i}",
            daemon=True,
        )
        proc.start()
        self.procs[i] = proc

    def start(self) -> TriagePool:
        for i in range(self.workers):
            self._spawn(i)
        log.info("triage: %d worker process(es)", self.workers)
        return self

    def notify(self) -> None:
        for wake in self.wakes:
            wake.set()

    def supervise(self) -> None:
        """Restart a worker process that died (called from the daemon's main loop)."""
        if self.stop.is_set():
            return
        for i, proc in enumerate(self.procs):
            if proc is not None and not proc.is_alive():
                log.warning("triage worker %d exited with %s: restarting", i, proc.exitcode)
                self._spawn(i)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the workers: each finishes its claim in progress (a worker still starting
        up is ended at once); one that hangs is killed, which loses nothing (its claim's
        transaction rolls back and the rows stay ``new``)."""
        self.stop.set()
        self.notify()
        for i, proc in enumerate(self.procs):
            if proc is None:
                continue
            if not self.ready[i].is_set():
                proc.terminate()  # still starting up: it has claimed nothing
            proc.join(timeout)
            if proc.is_alive():
                log.warning("triage worker %s did not stop: terminating", proc.pid)
                proc.terminate()
                proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
        log.info("triage workers stopped")
