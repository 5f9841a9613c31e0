"""Ingest benchmark: the raw floor, capture, and capture + triage + drafts end to end.

Starts a private Dovecot (the test helper in tests/support/servers.py), seeds N varied
messages (``bench_corpus.varied_corpus``: the demo mailbox with new identities, generated
mail in eight languages, the shared raw-mail fixtures read in place), then in one run on
that same mailbox measures

* the floor: imapclient UID SEARCH + FETCH BODY.PEEK[] in batches + ``email`` parse of
  every message (policy.default), nothing stored;
* capture: the ingest spine exactly as the daemon runs it (``ImapSource`` + ``poll_folder``
  + ``ingest_batch(triage=False)``: raw blob written and fsynced, full parse, threads,
  SQLite store, UID state committed with the batch), in a child process so its peak RSS is
  its own; RSS is sampled every 1,000 messages;
* end to end: a fresh store, the same capture with a triage worker *process* beside it
  (``TriagePool``, as ``mailagent run`` does: language, rules + intent model, filing,
  prospects, drafts), timed until every message is captured, triaged and drafted for;
* per-stage ms/message: the triage of the capture-only store, in process, with each
  pipeline stage, thread filing and drafting timed.

Usage: python bench/ingest.py [--messages 10000] [--batch 100] [--no-triage] [--workers 1]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from bench_corpus import varied_corpus
from servers import Dovecot, unique_name


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def floor(settings, batch: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    from imapclient import IMAPClient

    start = time.perf_counter()
    client = IMAPClient(settings.host, settings.port, ssl=False, timeout=60)
    client.login(settings.username, "imap-test-secret")
    client.select_folder("INBOX", readonly=True)
    uids = client.search(["ALL"])
    count = 0
    for i in range(0, len(uids), batch):
        data = client.fetch(uids[i : i + batch], ["BODY.PEEK[]"])
        for item in data.values():
            email.message_from_bytes(item[b"BODY[]"], policy=email.policy.default)
            count += 1
    client.logout()
    return count, time.perf_counter() - start


def _settings(store: str):  # type: ignore[no-untyped-def]
    import dataclasses

    from mailagent.config import Settings, StoreSettings

    base = Settings()
    return dataclasses.replace(
        base,
        store=StoreSettings(url=f"sqlite:///{store}/bench.db", dir=store),
        rules_dir=str(ROOT / "rules"),
        templates_dir=str(ROOT / "templates"),
        translation=dataclasses.replace(base.translation, enabled=False),
    )


def _capture(app, settings, batch: int, on_batch=None):  # type: ignore[no-untyped-def]
    import dataclasses

    from mailagent.capture.imap import ImapSource, poll_folder
    from mailagent.capture.ingest import ingest_batch

    samples: list[tuple[int, float]] = []
    done = 0
    with ImapSource(dataclasses.replace(settings, batch_size=batch)) as source:

        def handle(msgs, state):  # type: ignore[no-untyped-def]
            nonlocal done
            ingest_batch(app, "bench", msgs, state, triage=False)
            before = done
            done += len(msgs)
            if done // 1000 != before // 1000:
                samples.append((done, rss_mb()))
            if on_batch:
                on_batch()

        poll_folder(source, "INBOX", None, handle)
    return done, samples


def capture_only(settings, store: str, batch: int, triage: bool, queue) -> None:  # type: ignore[no-untyped-def]
    from mailagent.app import open_app

    # without triage, as the capture process of ``mailagent run`` (worker processes triage):
    # no intent model
    app = open_app(_settings(store), with_model=triage)
    start = time.perf_counter()
    done, samples = _capture(app, settings, batch)
    elapsed = time.perf_counter() - start
    capture_peak = peak_mb()
    stages: dict[str, float] = {}
    triaged, triage_seconds = 0, 0.0
    if triage:
        triaged, triage_seconds, stages = _timed_triage(app)
    queue.put((done, elapsed, capture_peak, samples, triaged, triage_seconds, stages))


def _timed_triage(app):  # type: ignore[no-untyped-def]
    """Triage the stored rows in process with every stage timed (seconds per stage)."""
    from collections import defaultdict

    from mailagent.triage import pipeline
    from mailagent.triage import worker as tw

    spent: dict[str, float] = defaultdict(float)

    def timed(name, fn):  # type: ignore[no-untyped-def]
        def wrapper(*a, **kw):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    pipeline.STAGES = tuple((n, timed(n, f)) for n, f in pipeline.STAGES)
    tw.prepare_drafts = timed("drafts", tw.prepare_drafts)
    tw._file_thread = timed("thread filing", tw._file_thread)
    start, cpu = time.perf_counter(), time.process_time()
    triaged = tw.triage_pending(app)
    spent["(CPU of the whole triage)"] = time.process_time() - cpu
    return triaged, time.perf_counter() - start, dict(spent)


def end_to_end(settings, store: str, batch: int, workers: int, queue) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from mailagent.app import open_app
    from mailagent.daemon.triageworker import TriagePool
    from mailagent.db import models as m

    app = open_app(_settings(store))
    pool = TriagePool(app, workers, interval=1.0).start()
    while not all(r.is_set() for r in pool.ready):  # the daemon's workers are warm too
        time.sleep(0.1)
    start = time.perf_counter()
    done, _samples = _capture(app, settings, batch, on_batch=pool.notify)
    captured = time.perf_counter() - start
    waiting = select(func.count()).select_from(m.Message).where(m.Message.status == "new")
    while True:
        with app.sessions() as s:  # a reader: it must not queue for (and get) the write lock
            s.connection(execution_options={"sqlite_begin": "DEFERRED"})
            if not s.scalar(waiting):
                break
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    worker_peaks = []
    for proc in pool.procs:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            worker_peaks.append(
                int(next(ln for ln in status.splitlines() if ln.startswith("VmHWM:")).split()[1])
                / 1024
            )
        except (OSError, StopIteration):
            pass
    pool.close()
    with app.sessions() as s:
        drafted = s.scalar(select(func.count(func.distinct(m.Draft.message_pk))))
    queue.put((done, captured, elapsed, peak_mb(), worker_peaks, drafted))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1, help="triage worker processes")
    ap.add_argument("--no-triage", action="store_true", help="measure capture only")
    args = ap.parse_args()
    server = Dovecot().start()
    try:
        user = unique_name("bench") + "@example.test"
        corpus = varied_corpus(args.messages)
        size = sum(map(len, corpus))
        server.seed_maildir(user, corpus)
        del corpus
        settings = server.mailbox_settings(user, batch_size=args.batch)
        n_floor, t_floor = floor(settings, args.batch)
        ctx = mp.get_context("spawn")
        with tempfile.TemporaryDirectory() as store:
            queue = ctx.Queue()
            proc = ctx.Process(
                target=capture_only,
                args=(settings, store, args.batch, not args.no_triage, queue),
            )
            proc.start()
            n_cap, t_cap, peak, samples, n_tri, t_tri, stages = queue.get()
            proc.join()
        floor_rate, cap_rate = n_floor / t_floor, n_cap / t_cap
        print(f"mailbox: {args.messages} varied messages, {size / 1e6:.1f} MB, batch {args.batch}")
        print(f"{'run':<44}{'messages':>9}{'seconds':>9}{'msg/s':>8}{'x floor':>9}")
        print(f"{'floor: FETCH + email parse':<44}{n_floor:>9}{t_floor:>9.1f}{floor_rate:>8.0f}")
        print(
            f"{'capture (SQLite)':<44}{n_cap:>9}{t_cap:>9.1f}{cap_rate:>8.0f}"
            f"{cap_rate / floor_rate:>9.2f}"
        )
        print(f"capture peak RSS: {peak:.0f} MB; by messages: "
              + ", ".join(f"{n}: {mb:.0f}" for n, mb in samples))  # fmt: skip
        if args.no_triage:
            return
        with tempfile.TemporaryDirectory() as store:
            queue = ctx.Queue()
            proc = ctx.Process(
                target=end_to_end, args=(settings, store, args.batch, args.workers, queue)
            )
            proc.start()
            n_e2e, t_captured, t_e2e, peak_e2e, worker_peaks, drafted = queue.get()
            proc.join()
        e2e_rate = n_e2e / t_e2e
        label = f"capture + triage + drafts ({args.workers} worker)"
        print(
            f"{label:<44}{n_e2e:>9}{t_e2e:>9.1f}{e2e_rate:>8.0f}{e2e_rate / floor_rate:>9.2f}"
            f"  (target >= 0.5)"
        )
        print(
            f"  capture done after {t_captured:.1f} s; messages with drafts: {drafted}; peak RSS "
            f"capture process {peak_e2e:.0f} MB, triage worker(s) "
            + ", ".join(f"{p:.0f} MB" for p in worker_peaks)
        )
        print(f"triage in process (capture-only store): {n_tri} in {t_tri:.1f} s = "
              f"{n_tri / t_tri:.0f} msg/s, {t_tri / n_tri * 1e3:.1f} ms/message")  # fmt: skip
        print(f"capture: {t_cap / n_cap * 1e3:.2f} ms/message")
        for name, secs in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"  triage stage {name:<16}{secs / n_tri * 1e3:>8.2f} ms/message")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
