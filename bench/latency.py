"""Latency benchmark: arrival (IMAP APPEND) -> stored -> triaged -> draft visible, under IDLE.

Starts a private Dovecot, seeds a backlog (default 2,000 varied messages whose INTERNALDATE
is a week old, as on day one on an existing mailbox), starts ``mailagent run`` on SQLite
(or PostgreSQL with ``--pg``) and, once it is up, APPENDs ``--messages`` new inquiries at
random intervals (exponential, mean ``--mean`` seconds) with a burst of 5-10 now and then,
while the daemon is still backfilling. For every appended message it reports, from the
moment just before the APPEND, when it was stored (``messages.created_at``), triaged
(``triaged_at``) and when its reply draft was visible (``drafts.created_at``): p50, p95,
max. Also how much of the backlog was triaged meanwhile, and lock errors in the log.

Usage: python bench/latency.py [--backlog 2000] [--messages 200] [--mean 0.3] [--pg]
                               [--triage-workers N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bench_corpus import varied_corpus
from support.apptools import mail
from support.daemons import DaemonProcess, wait_until, write_config
from support.servers import Dovecot, Postgres, unique_name


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backlog", type=int, default=2000)
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--mean", type=float, default=0.3, help="mean seconds between arrivals")
    ap.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    ap.add_argument("--triage-workers", default="1")
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    from imapclient import IMAPClient
    from sqlalchemy import create_engine, func, select

    from mailagent.db import models as m

    dovecot = Dovecot().start()
    pg = Postgres().start() if args.pg else None
    tmp = Path(tempfile.mkdtemp(prefix="latency-"))
    try:
        user = unique_name("lat") + "@example.test"
        dovecot.seed_maildir(
            user, varied_corpus(args.backlog, seed=args.seed), received=time.time() - 7 * 86400
        )
        db_url = pg.create_database(unique_name("lat")) if pg else f"sqlite:///{tmp}/lat.db"
        config = write_config(tmp / "config.toml", dovecot, user, db_url, tmp / "store")
        subprocess.run(  # `mailagent run` wants a store that exists
            [sys.executable, "-m", "mailagent", "--config", str(config), "db", "upgrade"],
            check=True, capture_output=True,
        )  # fmt: skip
        daemon = DaemonProcess(config, tmp / "daemon.log", "--triage-workers", args.triage_workers)
        wait_until(
            lambda: (
                "triage worker process" in daemon.tail(100_000)
                or "triage worker stopped" in daemon.tail(100_000)
                or args.triage_workers == "0"
            ),
            300,
            "the daemon and its triage worker",
            daemon.log,
        )
        engine = create_engine(db_url)
        count = select(func.count()).select_from(m.Message)
        wait_until(lambda: _scalar(engine, count) >= 1, 120, "the backfill", daemon.log)
        client = IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False, timeout=30)
        client.login(user, "imap-test-secret")
        arrived: dict[str, float] = {}
        i = 0
        while i < args.messages:
            burst = rng.randint(5, 10) if rng.random() < 0.08 else 1
            for _ in range(min(burst, args.messages - i)):
                mid = f"lat-{i}@acmerobotics.com"
                raw = mail(
                    i,
                    message_id=f"<{mid}>",
                    subject=f"RFQ {i}: 4-layer PCB",
                    sender=f"buyer{i % 13}@acmerobotics.com",
                    date=datetime.now(UTC),
                )
                arrived[mid] = time.time()
                client.append("INBOX", raw)
                i += 1
            time.sleep(rng.expovariate(1 / args.mean))
        client.logout()
        sent_done = time.time()
        done = (
            select(func.count())
            .select_from(m.Draft)
            .join(m.Message, m.Message.id == m.Draft.message_pk)
            .where(m.Message.message_id.in_(list(arrived)), m.Draft.kind == "reply")
        )
        wait_until(
            lambda: _scalar(engine, done) >= len(arrived), 600, "drafts of the new mail", daemon.log
        )
        triaged_backlog = _scalar(
            engine,
            select(func.count())
            .select_from(m.Message)
            .where(m.Message.status == "triaged", m.Message.message_id.like("bench-%")),
        )
        with engine.connect() as c:
            rows = c.execute(
                select(
                    m.Message.message_id,
                    m.Message.created_at,
                    m.Message.triaged_at,
                    func.min(m.Draft.created_at),
                )
                .join(m.Draft, m.Draft.message_pk == m.Message.id)
                .where(m.Message.message_id.in_(list(arrived)))
                .group_by(m.Message.id)
            ).all()
        daemon.terminate()
        log = daemon.tail(10**9)
        stages: dict[str, list[float]] = {"stored": [], "triaged": [], "draft visible": []}
        for mid, stored, triaged, drafted in rows:
            t0 = arrived[mid]
            for name, t in (("stored", stored), ("triaged", triaged), ("draft visible", drafted)):
                stages[name].append(aware(t).timestamp() - t0)
        backend = "PostgreSQL" if pg else "SQLite"
        print(
            f"{backend}, backlog {args.backlog} (INTERNALDATE a week ago), {len(arrived)} "
            f"appended over {sent_done - min(arrived.values()):.0f} s, "
            f"triage workers {args.triage_workers}"
        )
        print(f"{'arrival ->':<16}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
        for name, values in stages.items():
            print(f"{name:<16}{pct(values, 0.5):>8.2f}{pct(values, 0.95):>8.2f}{max(values):>8.2f}")
        print(f"backlog triaged by the time the last draft was visible: {triaged_backlog}")
        print(
            f"'database is locked' in the log: {log.count('database is locked')}; "
            f"failed triage passes: {log.count('triage pass failed')}"
        )
        print(f"mean stored latency {statistics.mean(stages['stored']):.2f} s")
        engine.dispose()
    finally:
        dovecot.stop()
        if pg:
            pg.stop()


def _scalar(engine, query) -> int:  # type: ignore[no-untyped-def]
    try:
        with engine.connect() as c:
            return int(c.scalar(query) or 0)
    except Exception:  # schema not there yet
        return 0


if __name__ == "__main__":
    main()
