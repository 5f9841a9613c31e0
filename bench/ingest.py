"""Ingest benchmark: end-to-end messages/s vs the raw IMAP+parse floor, and memory.

Starts a private Dovecot (the test helper in tests/servers.py), seeds N realistic messages
(default 10,000: the demo mailbox's mails with unique Message-IDs, so sizes, charsets and
attachments are real), then in the same run measures

* the floor: imapclient UID SEARCH + FETCH BODY.PEEK[] in batches + ``email`` parse of
  every message (policy.default), nothing stored;
* mailagent end to end, the ingest spine exactly as the daemon runs it: ``ImapSource`` +
  ``poll_folder`` + ``ingest_batch(triage=False)`` (raw blob written and fsynced, full
  parse with charset repair, HTML to text, quote/signature split and attachments, thread
  by references/token, SQLite store, UID state committed with the batch), in a child
  process so its peak RSS is its own; RSS is sampled every 1,000 messages to show that
  memory stays flat;
* then, in the same child, the triage stage over the same 10,000 stored messages
  (``triage_pending``: language, rules + intent model, filing, prospects, drafts), which
  the daemon runs beside capture in its triage worker. Its rate is printed separately, and
  so is the time until every message is captured *and* triaged.

Usage: python bench/ingest.py [--messages 10000] [--batch 100] [--no-triage]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import multiprocessing as mp
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from servers import Dovecot, unique_name

from mailagent import demo


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


def make_corpus(n: int) -> list[bytes]:
    samples = [p.read_bytes() for p in sorted(demo.mail_dir().glob("*.eml"))]
    out = []
    for i in range(n):
        raw = samples[i % len(samples)]
        raw = re.sub(
            rb"(?im)^message-id:[^\r\n]*",
            f"Message-ID: <bench-{i}@bench.test>".encode(),
            raw,
            count=1,
        )
        out.append(raw)
    return out


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


def end_to_end(settings, store: str, batch: int, triage: bool, queue) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from mailagent.app import open_app
    from mailagent.capture.imap import ImapSource, poll_folder
    from mailagent.capture.ingest import ingest_batch
    from mailagent.config import Settings, StoreSettings
    from mailagent.triage.worker import triage_pending

    base = Settings()
    cfg = dataclasses.replace(
        base,
        store=StoreSettings(url=f"sqlite:///{store}/bench.db", dir=store),
        rules_dir=str(ROOT / "rules"),
        translation=dataclasses.replace(base.translation, enabled=False),
    )
    app = open_app(cfg)
    samples: list[tuple[int, float]] = []
    done = 0
    mb = dataclasses.replace(settings, batch_size=batch)
    start = time.perf_counter()
    with ImapSource(mb) as source:

        def handle(msgs, state):  # type: ignore[no-untyped-def]
            nonlocal done
            ingest_batch(app, "bench", msgs, state, triage=False)
            before = done
            done += len(msgs)
            if done // 1000 != before // 1000:
                samples.append((done, rss_mb()))

        poll_folder(source, "INBOX", None, handle)
    elapsed = time.perf_counter() - start
    capture_peak = peak_mb()
    start = time.perf_counter()
    triaged = triage_pending(app) if triage else 0
    triage_seconds = time.perf_counter() - start
    queue.put((done, elapsed, capture_peak, samples, triaged, triage_seconds, peak_mb()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--no-triage", action="store_true", help="measure capture only")
    args = ap.parse_args()
    server = Dovecot().start()
    try:
        user = unique_name("bench") + "@example.test"
        corpus = make_corpus(args.messages)
        size = sum(map(len, corpus))
        server.seed_maildir(user, corpus)
        del corpus
        settings = server.mailbox_settings(user, batch_size=args.batch)
        n_floor, t_floor = floor(settings, args.batch)
        with tempfile.TemporaryDirectory() as store:
            ctx = mp.get_context("spawn")
            queue = ctx.Queue()
            proc = ctx.Process(
                target=end_to_end, args=(settings, store, args.batch, not args.no_triage, queue)
            )
            proc.start()
            n_e2e, t_e2e, peak, samples, n_tri, t_tri, peak_all = queue.get()
            proc.join()
        floor_rate, e2e_rate = n_floor / t_floor, n_e2e / t_e2e
        print(f"mailbox: {args.messages} messages, {size / 1e6:.1f} MB, batch {args.batch}")
        print(f"{'run':<34}{'messages':>10}{'seconds':>10}{'msg/s':>10}")
        print(f"{'floor: FETCH + email parse':<34}{n_floor:>10}{t_floor:>10.1f}{floor_rate:>10.0f}")
        print(f"{'mailagent end to end (SQLite)':<34}{n_e2e:>10}{t_e2e:>10.1f}{e2e_rate:>10.0f}")
        print(f"ratio end-to-end / floor: {e2e_rate / floor_rate:.2f} (target >= 0.5)")
        print(f"end-to-end peak RSS: {peak:.0f} MB")
        if args.no_triage:
            print(
                "RSS by messages ingested: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in samples)
            )
            return
        print(
            f"{'triage stage (same messages)':<34}{n_tri:>10}{t_tri:>10.1f}{n_tri / t_tri:>10.0f}"
        )
        total = t_e2e + t_tri
        print(
            f"captured and triaged: {n_tri} in {total:.1f} s = {n_tri / total:.0f} msg/s"
            f" (one core; peak RSS {peak_all:.0f} MB)"
        )
        print("RSS by messages ingested: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in samples))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
