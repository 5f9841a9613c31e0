"""Lease failover: after ``kill -9`` of the daemon polling a mailbox, a standby daemon on the
same database takes the lease over (heartbeat, short lease) and stores new mail within 30 s.

The daemons run with a 4 s lease (``imap.lease_seconds``), shorter than the 5 s poll slice,
so only the heartbeat can keep the first daemon's lease; the default lease meets the 30 s
bound by arithmetic (``test_default_lease_meets_the_takeover_bound``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from support.apptools import mail
from support.daemons import DaemonProcess, prime_store, wait_until, write_config
from support.servers import Dovecot

from mailagent.config import ImapSettings
from mailagent.daemon.lease import HEARTBEATS_PER_LEASE, LEASE_SECONDS
from mailagent.daemon.loop import IDLE_SLICE_SECONDS
from mailagent.db import models as m

pytestmark = [pytest.mark.dovecot, pytest.mark.slow]

LEASE = 4  # seconds: the test's lease, shorter than a poll slice


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Callable[[Path, str], DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(config: Path, name: str) -> DaemonProcess:
        started.append(DaemonProcess(config, tmp_path / f"{name}.log", "--triage-workers", "0"))
        return started[-1]

    yield start
    for d in started:
        if d.alive():
            d.kill9()


def test_standby_daemon_takes_over_within_30_s_after_kill9(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    daemons: Callable[[Path, str], DaemonProcess],
    model_cache: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'failover.db'}"
    store = tmp_path / "store"
    prime_store(store, model_cache)
    config = write_config(
        tmp_path / "config.toml", dovecot, imap_user, db_url, store, lease_seconds=LEASE
    )
    dovecot.seed_maildir(imap_user, [mail(i, message_id=f"<f-{i}@acme.test>") for i in range(5)])
    engine = create_engine(db_url)

    def count() -> int:
        try:
            with engine.connect() as c:
                return int(c.scalar(select(func.count()).select_from(m.Message)) or 0)
        except Exception:  # schema not created yet
            return 0

    def owner() -> str | None:
        with engine.connect() as c:
            return c.scalar(select(m.FolderState.lease_owner))

    a = daemons(config, "a")
    wait_until(lambda: count() == 5, 60, "the first daemon's capture", a.log)
    b = daemons(config, "b")
    wait_until(lambda: "mailbox sales: worker" in b.tail(), 60, "the standby's start", b.log)
    holder = owner()
    assert holder is not None and holder.endswith(f":{a.proc.pid}")
    time.sleep(1.5 * LEASE)  # the heartbeat keeps A's lease alive past a bare TTL
    assert owner() == holder

    a.kill9()
    killed = time.monotonic()
    dovecot.deliver_lmtp(imap_user, mail(99, message_id="<after-kill@acme.test>"))
    took = wait_until(lambda: count() == 6, 40, "the standby taking over", b.log)
    assert took < 30, f"takeover after {took:.1f} s"
    assert owner() == f"{holder.rsplit(':', 1)[0]}:{b.proc.pid}"
    print(f"\ntakeover after kill -9: {time.monotonic() - killed:.1f} s")
    engine.dispose()
    assert b.terminate() == 0, b.tail()


def test_default_lease_meets_the_takeover_bound() -> None:
    """A standby takes over within the lease plus one poll slice: under 30 s by default."""
    assert ImapSettings().lease_seconds == LEASE_SECONDS
    assert LEASE_SECONDS + IDLE_SLICE_SECONDS < 30
    assert LEASE / HEARTBEATS_PER_LEASE < LEASE < IDLE_SLICE_SECONDS  # the test needs beats
