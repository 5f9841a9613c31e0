"""The background daemon: one IMAP worker per configured mailbox, under APScheduler.

Each worker connects, polls every configured folder it holds the lease for (several daemons
may share one PostgreSQL database; a lease per folder makes sure only one polls it), hands
each fetched batch to ``ingest.ingest_batch`` (which commits the messages together with the
folder's UID state), then waits on IMAP IDLE (or sleeps when IDLE is off or unsupported).
Capture does not wait for triage: the mailbox workers wake one :class:`TriageWorker`, which
triages the stored messages (claiming rows, so several daemons share the work).
Connection failures reconnect with capped exponential backoff; a bad message is quarantined
by the ingest layer and never stops the loop. SIGTERM/SIGINT stop cleanly after the batch in
progress.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from mailagent.app import App
from mailagent.capture.imap import Backoff, FolderState, ImapSource, poll_folder
from mailagent.capture.ingest import ingest_batch
from mailagent.capture.sent import PENDING_FLAG
from mailagent.config import MailboxSettings, Settings
from mailagent.daemon.lease import LeaseKeeper, lease_ttl
from mailagent.daemon.triageworker import TriagePool, TriageWorker, default_workers
from mailagent.db import queries as q
from mailagent.errors import SourceError
from mailagent.ops import health
from mailagent.records import FetchedMail

__all__ = ["MailboxWorker", "TriageWorker", "run_daemon", "triage_processes", "worker_id"]

log = logging.getLogger(__name__)

IDLE_SLICE_SECONDS = 5.0  # IDLE is re-issued at this interval so a stop request is seen fast


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Stopping(Exception):
    """Raised after a committed batch when a stop was requested."""


class MailboxWorker:
    """Polls one mailbox until ``stop`` is set."""

    def __init__(
        self,
        app: App,
        settings: MailboxSettings,
        stop: threading.Event,
        *,
        owner: str | None = None,
        source_factory: Callable[[MailboxSettings], ImapSource] = ImapSource,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.on_stored = on_stored
        self.settings = settings
        self.stop = stop
        self.owner = owner or worker_id()
        self.source_factory = source_factory
        self.backoff = Backoff(max_seconds=app.settings.imap.reconnect_max_seconds)
        self._mailbox_id: int | None = None

    def mailbox_id(self) -> int:
        if self._mailbox_id is None:
            with self.app.sessions() as session, session.begin():
                self._mailbox_id = q.get_or_create_mailbox(session, self.settings.name).id
        return self._mailbox_id

    def run_forever(self) -> None:
        log.info("mailbox %s: worker %s starting", self.settings.name, self.owner)
        keeper = LeaseKeeper(self.app, self.mailbox_id, self.owner, self.stop).start()
        try:
            self._run()
        finally:
            keeper.close()
            self._release_leases()
        log.info("mailbox %s: worker stopped", self.settings.name)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                with self.source_factory(self.settings) as source:
                    self.backoff.reset()
                    while not self.stop.is_set():
                        self.poll_once(source)
                        health.record_poll(self.app, self.settings.name)
                        if self.stop.is_set():
                            break
                        source.wait_for_changes(
                            self.settings.folders[0],
                            min(float(self.settings.poll_seconds), IDLE_SLICE_SECONDS),
                        )
            except _Stopping:
                break
            except SourceError as exc:
                health.record_error(self.app, self.settings.name, str(exc))
                delay = self.backoff.next_delay()
                log.warning(
                    "mailbox %s: %s; reconnecting in %.1f s", self.settings.name, exc, delay
                )
                self.stop.wait(delay)
            except Exception:
                delay = self.backoff.next_delay()
                log.exception(
                    "mailbox %s: unexpected error; retry in %.1f s", self.settings.name, delay
                )
                self.stop.wait(delay)

    def folders(self) -> list[str]:
        """The configured folders, then the Sent folder: our replies filed there (by
        mailagent or by a mail client) close their threads' SLA clocks and pending drafts,
        from the first sync on (a backfill ingests the history of both together)."""
        sent = self.settings.sent_folder
        extra = [sent] if sent and sent not in self.settings.folders else []
        return [*self.settings.folders, *extra]

    def poll_once(self, source: ImapSource) -> int:
        """Poll every folder this worker holds the lease for; returns messages handled."""
        handled = 0
        sent = self.settings.sent_folder
        for folder in self.folders():
            in_sent = folder == sent
            if in_sent and folder not in self.settings.folders and not source.has_folder(folder):
                continue
            if not self._lease(folder):
                log.debug("mailbox %s/%s: leased by another worker", self.settings.name, folder)
                continue
            known = self._known_state(folder)

            def handle(
                batch: list[FetchedMail], state: FolderState, in_sent: bool = in_sent
            ) -> None:
                nonlocal handled
                if in_sent:  # a journal copy may never have been sent: its final copy comes later
                    batch = [f for f in batch if PENDING_FLAG not in f.flags]
                results = ingest_batch(
                    self.app, self.settings.name, batch, state, triage=self.on_stored is None
                )
                handled += len(batch)
                if self.on_stored is not None and any(r.message_pk for r in results):
                    self.on_stored()
                if self.stop.is_set():
                    raise _Stopping

            poll_folder(source, folder, known, handle, mark=not in_sent)
        return handled

    def _known_state(self, folder: str) -> FolderState | None:
        with self.app.sessions() as session:
            row = q.folder_state(session, self.mailbox_id(), folder)
            if row is None or not row.uidvalidity:
                return None
            return FolderState(uidvalidity=row.uidvalidity, last_uid=row.last_uid)

    def _lease(self, folder: str) -> bool:
        ttl = lease_ttl(self.app)  # kept alive by the LeaseKeeper heartbeat
        with self.app.sessions() as session, session.begin():
            return q.acquire_lease(
                session, self.mailbox_id(), folder, self.owner, self.app.clock(), ttl
            )

    def _release_leases(self) -> None:
        try:
            with self.app.sessions() as session, session.begin():
                for folder in self.folders():
                    q.release_lease(session, self.mailbox_id(), folder, self.owner)
        except Exception:
            log.exception("mailbox %s: could not release leases", self.settings.name)


def triage_processes(settings: Settings, requested: int | None) -> int:
    """How many triage worker processes a daemon runs: ``requested`` (``--triage-workers``),
    else the config's, else cores - 1 (at least 1); 0 triages in the daemon's own thread."""
    if requested is not None:
        return requested
    return settings.scheduler.triage_workers or default_workers()


def run_daemon(
    app: App,
    stop: threading.Event | None = None,
    *,
    triage_workers: int | None = None,
    verbosity: int = 0,
    worker_model: bool | None = None,
) -> None:
    """Start the scheduler with a worker per mailbox and housekeeping; block until stopped.

    Triage runs in ``triage_workers`` processes (None: the config's, 0 there meaning
    cores - 1, at least 1); ``0`` here triages in a thread of this process. The worker
    processes load the intent model if ``worker_model`` (None: if ``app`` has one).
    """
    stop = stop or threading.Event()
    mailboxes = app.settings.imap.mailboxes
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(mailboxes) + 5)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    sched = app.settings.scheduler
    workers = triage_processes(app.settings, triage_workers)
    pool = (
        TriagePool(app, workers, float(sched.triage_seconds), verbosity, with_model=worker_model)
        if workers
        else None
    )
    triage = pool.start() if pool else TriageWorker(app, stop, float(sched.triage_seconds))
    if isinstance(triage, TriageWorker):
        scheduler.add_job(triage.run_forever, id="triage", name="triage captured mail")
    for mb in mailboxes:
        worker = MailboxWorker(app, mb, stop, on_stored=triage.notify)
        scheduler.add_job(worker.run_forever, id=f"mailbox:{mb.name}", name=f"imap {mb.name}")

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s received: stopping after the current batch", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)
        signal.signal(signal.SIGINT, _on_signal)
    from mailagent.daemon.scheduler import add_jobs

    add_jobs(scheduler, app)
    scheduler.start()
    log.info("daemon %s running: %d mailbox(es)", worker_id(), len(mailboxes))
    try:
        while not stop.wait(1.0):
            if pool is not None:
                pool.supervise()
    finally:
        if pool is not None:
            pool.stop.set()  # the workers finish their claim while the scheduler stops
        triage.notify()  # wake it so it sees the stop at once
        scheduler.shutdown(wait=True)
        if pool is not None:
            pool.close()
        log.info("daemon stopped")
