"""Scale benchmark: one daemon vs two on PostgreSQL, and a long run's memory and disk use.

Starts a private Dovecot and PostgreSQL, seeds one mailbox with ``--messages`` varied
messages (``bench_corpus.varied_corpus``: demo mailbox variants, generated mail in eight
languages, the shared raw-mail fixtures and SpamAssassin ham, read in place; INTERNALDATE
now, so every inquiry gets its drafts), then:

* default (``compare``): ``mailagent run`` once with one daemon, then with two daemons on a
  fresh database over the same mailbox (``--workers``: one daemon with two triage worker
  processes instead), each daemon with ``--triage-workers 1``. Each run is timed from the
  start of the daemons until every message is stored and triaged; it reports msg/s, the
  throughput ratio (two / one), and the duplicates (a Message-ID stored twice) and double
  drafts (two drafts of one kind for one message) of each run, which must be 0;
* ``--long``: one daemon (``--triage-workers 1``) on PostgreSQL and then on SQLite over
  the whole mailbox, sampling the resident memory of every daemon process (the daemon and
  its triage workers, translation off) each ``--sample-every`` triaged messages, and the
  database size per 1,000 messages at the end (PostgreSQL: ``pg_database_size``; SQLite:
  the database file with its WAL), less the empty schema's size. The issue's target is
  100,000 messages (``--long --messages 100000``), RSS flat and at most 300 MB a process.

Usage: python bench/scale.py [--messages 20000] [--workers]
       python bench/scale.py --long [--messages 100000] [--backend both|postgresql|sqlite]
                             [--triage-workers 1] [--sample-every 10000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from bench_corpus import varied_corpus
from support.daemons import DaemonProcess, prime_store, write_config
from support.servers import Dovecot, Postgres, unique_name

POLL_SECONDS = 1.0  # progress poll; the run's end is known to within this


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat (all cores;
    idle and iowait are not busy)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    hz = os.sysconf("SC_CLK_TCK")
    return (total - fields[3] - fields[4]) / hz, total / hz


def rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def family(pid: int) -> list[int]:
    """``pid`` and its descendants (the daemon and its triage worker processes)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(proc.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


class Counts:
    """Queries on the benchmark's database (own engine, short connections)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url)

    def scalar(self, sql: str) -> int:
        from sqlalchemy import text

        try:
            with self.engine.connect() as c:
                return int(c.scalar(text(sql)) or 0)
        except Exception:  # the schema is not there yet
            return 0

    def stored(self) -> int:
        return self.scalar("select count(*) from messages")

    def triaged(self) -> int:
        """Stored messages no longer waiting for triage. Counted as all minus ``new`` (both
        read by index) so that the poll itself costs the measured system little CPU: a
        scan of ``status <> 'new'`` over 100,000 rows every poll took a share of a core."""
        row = self.row(
            "select (select count(*) from messages), "
            "(select count(*) from messages where status = 'new')"
        )
        return row[0] - row[1]

    def row(self, sql: str) -> tuple[int, ...]:
        from sqlalchemy import text

        try:
            with self.engine.connect() as c:
                got = c.execute(text(sql)).one()
                return tuple(int(v or 0) for v in got)
        except Exception:  # the schema is not there yet
            return (0, 0)

    def duplicates(self) -> int:
        return self.scalar(
            "select count(*) from (select message_id from messages group by message_id "
            "having count(*) > 1) d"
        )

    def double_drafts(self) -> int:
        return self.scalar(
            "select count(*) from (select message_pk, kind from drafts "
            "where message_pk is not null group by message_pk, kind having count(*) > 1) d"
        )

    def drafted(self) -> int:
        return self.scalar("select count(distinct message_pk) from drafts")


def run_daemons(
    tmp: Path,
    dovecot: Dovecot,
    user: str,
    url: str,
    cache: Path,
    n: int,
    daemons: int,
    workers: int,
    *,
    on_progress: Callable[[int, list[DaemonProcess]], None] | None = None,
    on_store: Callable[[], None] | None = None,
) -> tuple[float, float, Counts, list[DaemonProcess]]:
    """Start ``daemons`` daemons (``workers`` triage processes each) on one database.

    Returns the seconds until all ``n`` messages are stored and triaged, and the steady
    rate (msg/s) from the first 5 % triaged to the end, which leaves out the start-up
    (loading the model in every process) that a long backfill does not notice."""
    store = tmp / "store"
    prime_store(store, cache)
    config = write_config(tmp / "config.toml", dovecot, user, url, store)
    subprocess.run(  # `mailagent run` wants a store that exists
        [sys.executable, "-m", "mailagent", "--config", str(config), "db", "upgrade"],
        check=True, capture_output=True,
    )  # fmt: skip
    if on_store is not None:  # the empty schema, before any mail
        on_store()
    counts = Counts(url)
    busy0 = machine_busy()[0]
    start = time.monotonic()
    procs = [
        DaemonProcess(config, tmp / f"daemon-{i}.log", "--triage-workers", str(workers))
        for i in range(daemons)
    ]
    last, first = 0, None
    while True:
        done = counts.triaged()
        if first is None and done >= max(1, n // 20):
            first = (time.monotonic(), done)
        if on_progress is not None and done != last:
            on_progress(done, procs)
        last = done
        if done >= n and counts.stored() >= n:
            break
        if not all(p.alive() for p in procs):
            raise SystemExit("a daemon died:\n" + "\n".join(p.tail() for p in procs))
        time.sleep(POLL_SECONDS)
    end = time.monotonic()
    t0, n0 = first or (start, 0)
    steady = (n - n0) / (end - t0) if end > t0 and n > n0 else 0.0
    cores = (machine_busy()[0] - busy0) / (end - start)
    print(
        f"  ({daemons} daemon(s): the machine's cores were busy {cores:.2f} of "
        f"{os.cpu_count()} on average: daemons, workers, PostgreSQL, Dovecot, this poll)",
        flush=True,
    )
    return end - start, steady, counts, procs


def compare(args: argparse.Namespace, dovecot: Dovecot, pg: Postgres, user: str) -> None:
    cache = Path(tempfile.mkdtemp(prefix="scale-model-"))
    shapes = [(1, 1), (1, 2) if args.workers else (2, 1)]
    rates: list[tuple[float, float]] = []
    print(f"PostgreSQL, {args.messages} varied messages in one mailbox")
    print(
        f"{'run':<36}{'seconds':>9}{'msg/s':>8}{'steady':>8}{'dups':>6}{'double drafts':>15}"
        f"{'drafted':>9}"
    )
    for daemons, workers in shapes:
        tmp = Path(tempfile.mkdtemp(prefix="scale-"))
        url = pg.create_database(unique_name("scale"))
        elapsed, steady, counts, procs = run_daemons(
            tmp, dovecot, user, url, cache, args.messages, daemons, workers
        )
        for p in procs:
            p.terminate()
        rate = args.messages / elapsed
        rates.append((rate, steady))
        label = f"{daemons} daemon(s) x {workers} triage worker(s)"
        print(
            f"{label:<36}{elapsed:>9.1f}{rate:>8.1f}{steady:>8.1f}{counts.duplicates():>6}"
            f"{counts.double_drafts():>15}{counts.drafted():>9}"
        )
        counts.engine.dispose()
    (one, one_steady), (two, two_steady) = rates
    print(
        f"throughput ratio: {two / one:.2f} start to end, {two_steady / max(one_steady, 1e-9):.2f} "
        "steady (target >= 1.7 on PostgreSQL)"
    )


def long_run(args: argparse.Namespace, dovecot: Dovecot, pg: Postgres, user: str) -> None:
    cache = Path(tempfile.mkdtemp(prefix="scale-model-"))
    print(
        f"{args.messages} varied messages, one daemon with {args.triage_workers} triage worker "
        "process(es)"
    )
    backends = {"both": ("PostgreSQL", "SQLite"), "postgresql": ("PostgreSQL",)}.get(
        args.backend, ("SQLite",)
    )
    for backend in backends:
        tmp = Path(tempfile.mkdtemp(prefix="scale-"))
        url = (
            pg.create_database(unique_name("long"))
            if backend == "PostgreSQL"
            else f"sqlite:///{tmp / 'scale.db'}"
        )
        samples: list[tuple[int, float, list[float]]] = []
        next_at = [args.sample_every]
        began = time.monotonic()

        def progress(
            done: int,
            procs: list[DaemonProcess],
            samples: list[tuple[int, float, list[float]]] = samples,
            next_at: list[int] = next_at,
            began: float = began,
        ) -> None:
            while done >= next_at[0]:
                pids = [p for d in procs for p in family(d.proc.pid)]
                samples.append((next_at[0], time.monotonic() - began, [rss_mb(p) for p in pids]))
                print(f"  {next_at[0]:>8} triaged at {samples[-1][1]:.0f} s", flush=True)
                next_at[0] += args.sample_every

        sizes: list[int] = []

        def size(backend: str = backend, tmp: Path = tmp, url: str = url) -> int:
            if backend == "PostgreSQL":
                return Counts(url).scalar("select pg_database_size(current_database())")
            db = tmp / "scale.db"
            return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())

        elapsed, _steady, counts, procs = run_daemons(
            tmp, dovecot, user, url, cache, args.messages, 1, args.triage_workers,
            on_progress=progress, on_store=lambda sizes=sizes, size=size: sizes.append(size()),
        )  # fmt: skip
        for p in procs:
            p.terminate()
        total = size()
        grown = total - (sizes[0] if sizes else 0)
        print(f"{backend}: {args.messages / elapsed:.1f} msg/s end to end; database "
              f"{total / 1e6:.1f} MB, {grown / 1e6:.1f} MB more than the empty schema = "
              f"{grown / 1e6 / args.messages * 1000:.2f} MB per 1,000 messages")  # fmt: skip
        print(
            "  triaged, seconds, msg/s since the last sample, RSS MB per process (daemon, "
            "triage worker, multiprocessing's resource tracker):"
        )
        last_n, last_t = 0, 0.0
        for n, at, mbs in samples:
            rate = (n - last_n) / (at - last_t) if at > last_t else 0.0
            print(f"  {n:>8} {at:>7.0f} {rate:>7.1f}: " + ", ".join(f"{mb:.0f}" for mb in mbs))
            last_n, last_t = n, at
        counts.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=None, help="20000 (compare), 100000 (long)")
    ap.add_argument("--workers", action="store_true", help="one daemon with 2 triage workers")
    ap.add_argument("--long", action="store_true", help="memory and database size of one run")
    ap.add_argument("--sample-every", type=int, default=10_000)
    ap.add_argument(
        "--backend", choices=("both", "postgresql", "sqlite"), default="both",
        help="databases of --long (both by default)",
    )  # fmt: skip
    ap.add_argument(
        "--triage-workers", type=int, default=1, help="triage processes of the --long daemon"
    )
    args = ap.parse_args()
    if args.messages is None:
        args.messages = 100_000 if args.long else 20_000
    dovecot = Dovecot().start()
    pg = Postgres().start()
    try:
        user = unique_name("scale") + "@example.test"
        dovecot.seed_maildir(user, varied_corpus(args.messages))
        (long_run if args.long else compare)(args, dovecot, pg, user)
    finally:
        dovecot.stop()
        pg.stop()


if __name__ == "__main__":
    main()
