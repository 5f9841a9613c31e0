"""Heartbeat of the mailbox workers' folder leases, so a dead daemon is replaced fast.

A lease per (mailbox, folder) lets exactly one worker of all daemons on one database poll
that folder. It used to be renewed only at each poll, so it had to outlive the longest
poll interval and a backfill (three minutes): after ``kill -9`` another daemon waited that
long. Now a :class:`LeaseKeeper` thread renews the worker's leases every quarter of the
lease (``imap.lease_seconds``, default ``LEASE_SECONDS``) whatever the worker is doing (a
long backfill, an IDLE wait): a standby daemon, which tries to take the lease at every poll
slice (five seconds), takes over within about ``lease_seconds + 5`` seconds.

A renewal never steals: it only extends a lease this owner still holds. A lease found lost
(another worker took it after this process stalled longer than the lease) is logged; the
worker's next poll asks for it again like any standby and duplicates are impossible anyway
(unique Message-ID and UID keys).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update

from mailagent.app import App
from mailagent.db import models as m

__all__ = ["LEASE_SECONDS", "LeaseKeeper", "heartbeat_seconds", "lease_ttl"]

log = logging.getLogger(__name__)

LEASE_SECONDS = 20  # the default of imap.lease_seconds
HEARTBEATS_PER_LEASE = 4  # a lease survives three missed heartbeats


def lease_ttl(app: App) -> timedelta:
    return timedelta(seconds=app.settings.imap.lease_seconds)


def heartbeat_seconds(app: App) -> float:
    return app.settings.imap.lease_seconds / HEARTBEATS_PER_LEASE


def renew(app: App, mailbox_id: int, owner: str) -> int:
    """Extend every lease ``owner`` holds on ``mailbox_id``; returns how many it holds."""
    now = app.clock()
    with app.sessions() as session, session.begin():
        result = session.execute(
            update(m.FolderState)
            .where(m.FolderState.mailbox_id == mailbox_id, m.FolderState.lease_owner == owner)
            .values(lease_until=now + lease_ttl(app))
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


class LeaseKeeper:
    """A daemon thread renewing ``owner``'s leases until ``stop`` is set or :meth:`close`."""

    def __init__(
        self,
        app: App,
        mailbox_id: Callable[[], int],
        owner: str,
        stop: threading.Event,
        interval: float | None = None,
    ) -> None:
        self.app = app
        self.mailbox_id = mailbox_id
        self.owner = owner
        self.stop = stop
        self.interval = heartbeat_seconds(app) if interval is None else interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{owner}", daemon=True)
        self.beats = 0

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not (self._done.wait(self.interval) or self.stop.is_set()):
            try:
                held = renew(self.app, self.mailbox_id(), self.owner)
                self.beats += 1
                log.debug("lease heartbeat of %s: %d folder(s)", self.owner, held)
            except Exception:  # the database is away: the next beat tries again
                log.warning("lease heartbeat of %s failed", self.owner, exc_info=True)

    def close(self) -> None:
        self._done.set()
        self._thread.join(self.interval + 5)
