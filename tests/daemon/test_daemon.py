"""`mailagent run` against a real Dovecot: IDLE latency, crash safety, reconnects, shutdown,
UIDVALIDITY resync and several daemons sharing one PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from support.apptools import ROOT, mail
from support.daemons import prime_store
from support.servers import Dovecot

from mailagent.db import models as m

pytestmark = pytest.mark.dovecot


def write_config(tmp_path: Path, dovecot: Dovecot, user: str, db_url: str, **mb: object) -> Path:
    opts = {"batch_size": 50, "poll_seconds": 60, "idle": True, "folders": ["INBOX"]} | mb
    lines = [
        f'rules_dir = "{ROOT / "rules"}"',
        f'templates_dir = "{ROOT / "templates"}"',
        "[store]",
        f'url = "{db_url}"',
        f'dir = "{tmp_path / "store"}"',
        "[imap]",
        "reconnect_max_seconds = 2",
        "[team]",
        'own_domains = ["huaxin-pcb.com"]',
        "[translation]",
        "enabled = false",
        "[[imap.mailboxes]]",
        'name = "sales"',
        'host = "127.0.0.1"',
        f"port = {dovecot.imap_port}",
        'security = "plain"',
        f'username = "{user}"',
        'password_env = "MAILAGENT_TEST_IMAP_PASSWORD"',
        "timeout_seconds = 10",
    ]
    for key, value in opts.items():
        rendered = (
            "[" + ", ".join(f'"{v}"' for v in value) + "]"
            if isinstance(value, list)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
        )
        lines.append(f"{key} = {rendered}")
    path = tmp_path / f"config-{time.monotonic_ns()}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Daemon:
    def __init__(self, config: Path, log: Path) -> None:
        env = dict(
            os.environ,
            MAILAGENT_TEST_IMAP_PASSWORD=os.environ.get(
                "MAILAGENT_TEST_IMAP_PASSWORD", "imap-test-secret"
            ),
        )
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailagent", "--config", str(config), "-v", "run"],
            stdout=subprocess.DEVNULL, stderr=log.open("ab"), stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


@pytest.fixture
def daemons(tmp_path: Path, model_cache: Path) -> Iterator[Callable[[Path], Daemon]]:
    started: list[Daemon] = []
    prime_store(tmp_path / "store", model_cache)  # no 20-40 s of model training per test

    def start(config: Path) -> Daemon:
        d = Daemon(config, tmp_path / f"daemon-{len(started)}.log")
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(10)


def counter(db_url: str) -> Callable[[], tuple[int, int, int]]:
    engine = create_engine(db_url)

    def count() -> tuple[int, int, int]:
        try:
            with engine.connect() as c:
                msgs = c.scalar(select(func.count()).select_from(m.Message.__table__)) or 0
                locs = c.scalar(select(func.count()).select_from(m.MessageLocation.__table__))
                quar = c.scalar(select(func.count()).select_from(m.Quarantine.__table__))
                return int(msgs), int(locs or 0), int(quar or 0)
        except Exception:  # schema not created yet
            return 0, 0, 0

    return count


def wait_until(
    cond: Callable[[], bool], timeout: float, what: str, log: Path | None = None
) -> float:
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")
        time.sleep(0.05)
    return time.monotonic() - start


def raws(n: int, prefix: str = "m") -> list[bytes]:
    return [
        mail(i, message_id=f"<{prefix}-{i}@acmerobotics.com>", subject=f"RFQ {prefix} {i}")
        for i in range(n)
    ]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'daemon.db'}"


def test_daemon_ingests_idle_wakes_and_stops_cleanly(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    sqlite_url: str,
    daemons: Callable[[Path], Daemon],
) -> None:
    dovecot.seed_maildir(imap_user, raws(20))
    d = daemons(write_config(tmp_path, dovecot, imap_user, sqlite_url))
    count = counter(sqlite_url)
    wait_until(lambda: count()[0] == 20, 60, "initial 20 messages", d.log)
    # IDLE: a delivery is processed within 2 s, without waiting for the 60 s poll
    time.sleep(1.0)
    dovecot.deliver_lmtp(imap_user, mail(99, message_id="<idle-1@acmerobotics.com>"))
    latency = wait_until(lambda: count()[0] == 21, 2.0, "IDLE wake-up", d.log)
    assert latency < 2.0
    assert d.terminate() == 0
    assert "daemon stopped" in d.log.read_text()


def test_kill9_mid_batch_then_restart_gives_exact_count(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    sqlite_url: str,
    daemons: Callable[[Path], Daemon],
) -> None:
    total = 1500
    dovecot.seed_maildir(imap_user, raws(total, "k"))
    config = write_config(tmp_path, dovecot, imap_user, sqlite_url, batch_size=25)
    count = counter(sqlite_url)
    d = daemons(config)
    wait_until(lambda: count()[0] >= 100, 120, "first batches", d.log)
    d.kill9()
    stored_at_kill = count()[0]
    assert 0 < stored_at_kill < total, "the kill must land mid-ingest"
    d2 = daemons(config)
    wait_until(lambda: count()[0] >= total, 240, "all messages after restart", d2.log)
    time.sleep(1.0)  # would any duplicate still arrive?
    assert count() == (total, total, 0)
    assert d2.terminate() == 0


def test_server_killed_mid_fetch_reconnects_and_loses_nothing(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    sqlite_url: str,
    daemons: Callable[[Path], Daemon],
) -> None:
    total = 800
    dovecot.seed_maildir(imap_user, raws(total, "s"))
    count = counter(sqlite_url)
    d = daemons(write_config(tmp_path, dovecot, imap_user, sqlite_url, batch_size=20))
    wait_until(lambda: count()[0] >= 60, 120, "first batches", d.log)
    dovecot.kill()
    time.sleep(1.5)
    dovecot.restart()
    wait_until(lambda: count()[0] >= total, 240, "all messages after reconnect", d.log)
    assert count() == (total, total, 0)
    assert "reconnecting" in d.log.read_text()
    assert d.terminate() == 0


def test_uidvalidity_reset_resyncs_without_duplicates(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    sqlite_url: str,
    daemons: Callable[[Path], Daemon],
) -> None:
    dovecot.seed_maildir(imap_user, raws(5, "u"))
    count = counter(sqlite_url)
    config = write_config(tmp_path, dovecot, imap_user, sqlite_url, idle=False, poll_seconds=1)
    d = daemons(config)
    wait_until(lambda: count()[0] == 5, 60, "5 messages", d.log)
    assert d.terminate() == 0
    dovecot.set_uidvalidity(imap_user, "INBOX", 12345)
    dovecot.seed_maildir(imap_user, raws(1, "u-new"))
    d2 = daemons(config)
    wait_until(lambda: count()[0] == 6, 60, "the new message", d2.log)
    time.sleep(1.5)
    msgs, locs, quar = count()
    assert (msgs, quar) == (6, 0)
    assert locs == 11  # 5 old locations + 6 under the new UIDVALIDITY
    assert "UIDVALIDITY" in d2.log.read_text()
    assert d2.terminate() == 0


@pytest.mark.postgres
def test_two_daemons_share_one_postgres_without_double_processing(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    pg_url: str,
    daemons: Callable[[Path], Daemon],
) -> None:
    total = 400
    dovecot.seed_maildir(imap_user, raws(total, "p"))
    count = counter(pg_url)
    a = daemons(write_config(tmp_path, dovecot, imap_user, pg_url, batch_size=20))
    b = daemons(write_config(tmp_path, dovecot, imap_user, pg_url, batch_size=20))
    wait_until(lambda: count()[0] >= total, 180, "all messages", a.log)
    time.sleep(1.5)
    assert count() == (total, total, 0)
    engine = create_engine(pg_url)
    with engine.connect() as c:
        dup = c.execute(
            text(
                "SELECT count(*) FROM (SELECT message_id FROM messages GROUP BY message_id "
                "HAVING count(*) > 1) d"
            )
        ).scalar()
        leases = c.execute(text("SELECT folder, lease_owner FROM folder_states")).all()
    assert dup == 0

    # triage (claimed with SKIP LOCKED by both daemons) ran once per message
    def triaged() -> tuple[int, int]:
        with engine.connect() as c:
            done = c.execute(
                text("SELECT count(*) FROM messages WHERE status = 'triaged'")
            ).scalar()
            twice = c.execute(
                text(
                    "SELECT count(*) FROM (SELECT message_pk FROM drafts WHERE kind = 'reply' "
                    "GROUP BY message_pk HAVING count(*) > 1) d"
                )
            ).scalar()
            return int(done or 0), int(twice or 0)

    wait_until(lambda: triaged()[0] >= total, 120, "all messages triaged", a.log)
    assert triaged() == (total, 0)
    with engine.connect() as c:
        drafted = c.execute(text("SELECT count(DISTINCT message_pk) FROM drafts")).scalar()
    assert drafted == total, "every inquiry got exactly one reply draft"
    folders = [folder for folder, _ in leases]
    assert "INBOX" in folders and len(folders) == len(set(folders))  # INBOX and Sent, once each
    assert all(owner for _, owner in leases), "every folder is held by exactly one worker"
    engine.dispose()
    rc = (a.terminate(), b.terminate())
    assert rc == (0, 0), a.log.read_text()[-6000:] + "\n----- b -----\n" + b.log.read_text()[-3000:]
