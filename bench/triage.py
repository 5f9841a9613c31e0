"""Triage benchmark: CPU milliseconds and SQL statements per message, optionally profiled.

Stores N varied messages (``bench_corpus.varied_corpus``, as bench/ingest.py seeds its
mailbox) with the ingest spine and no triage, into a fresh SQLite store (no IMAP server:
the bytes are handed to ``ingest_batch`` directly, received now so none of it is history),
then triages them in process exactly as the daemon's worker does (``triage_pending`` in
claims of ``--claim`` rows) and reports wall and CPU ms per message (CPU is the steadier
figure on a shared box), SQL statements per message by kind, and messages with drafts.
With ``--profile`` the triage runs under cProfile and the top functions are printed.

Flatness: the run is triaged in ``--segments`` equal parts (quarters by default), each
timed on its own, and wall and CPU ms/message are printed per part: when the cost of a
message grows with the store or with its thread, the last part is slower than the first.

The first ``--warm`` messages are triaged before measuring (one-time loading of language
profiles, model and templates, which the daemon's worker does once per process).

With ``--outcomes FILE`` every message's triage outcome (status, language, intent,
customer code, order number, link method and reasons, thread, each draft's kind, intent,
template, language, subject and body, clock times masked: deadlines count from the time of
the run) is written as sorted JSON lines: run it on two
branches and compare the files (``cmp``) to show a change leaves results alone. Run the
branch's bench against another checkout's package with ``PYTHONPATH=/that/checkout``.

With ``--rss-every N`` the triage runs in steps of N messages and the process's resident
set (VmRSS) is printed after each step, so growth per 1,000 messages shows; with
``--tracemalloc`` the allocations that grew most between steps are listed as well
(tracemalloc slows the triage several times over: use it to find what grows, not to time).

Usage: python bench/triage.py [--messages 300] [--claim 100] [--segments 4] [--profile]
                              [--pg URL] [--outcomes FILE] [--rss-every 1000 [--tracemalloc]]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from bench_corpus import varied_corpus


def _settings(store: str, url: str | None):  # type: ignore[no-untyped-def]
    from mailagent.config import Settings, StoreSettings

    base = Settings()
    return dataclasses.replace(
        base,
        store=StoreSettings(url=url or f"sqlite:///{store}/bench.db", dir=store),
        rules_dir=str(ROOT / "rules"),
        templates_dir=str(ROOT / "templates"),
        translation=dataclasses.replace(base.translation, enabled=False),
    )


def _seed(app, n: int, batch: int) -> None:  # type: ignore[no-untyped-def]
    from mailagent.capture.ingest import ingest_batch
    from mailagent.records import FetchedMail

    now = datetime.now(UTC)
    corpus = varied_corpus(n)
    for start in range(0, n, batch):
        msgs = [
            FetchedMail(
                raw=raw,
                mailbox="bench",
                folder="INBOX",
                uidvalidity=1,
                uid=start + i + 1,
                origin=f"bench:INBOX/{start + i + 1}",
                internal_date=now,
            )
            for i, raw in enumerate(corpus[start : start + batch])
        ]
        ingest_batch(app, "bench", msgs, None, triage=False)


def _package(path: str) -> str:
    for marker in ("/mailagent/", "/site-packages/"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            head = rest.split("/", 1)[0]
            return ("mailagent/" + head) if marker == "/mailagent/" else head
    return "python" if path.startswith("/") else path[:20]


def _clock(text: str) -> str:
    """Draft text without clock times: deadlines count from the (real) triage time."""
    return re.sub(r"\b\d{1,2}:\d{2}\b", "hh:mm", text)


def _outcomes(app, path: str) -> int:  # type: ignore[no-untyped-def]
    """Write each message's triage outcome as a JSON line (by Message-ID); returns how many."""
    from sqlalchemy import select

    from mailagent.db import models as m

    lines = []
    with app.sessions() as s:
        codes = {r[0]: r[1] for r in s.execute(select(m.Customer.id, m.Customer.code))}
        orders = {r[0]: r[1] for r in s.execute(select(m.Order.id, m.Order.order_no))}
        first = {}  # a thread by its first message (ids differ between stores)
        for tid, mid in s.execute(select(m.Message.thread_id, m.Message.message_id).order_by(
                m.Message.thread_id, m.Message.received_at, m.Message.id)):  # fmt: skip
            first.setdefault(tid, mid)
        drafts: dict[int, list[list[str]]] = {}
        for d in s.scalars(select(m.Draft).order_by(m.Draft.id)):
            drafts.setdefault(d.message_pk or 0, []).append(
                [d.kind, d.intent, d.template, d.language, _clock(d.subject), _clock(d.body)]
            )
        for row in s.scalars(select(m.Message)):
            lines.append(json.dumps({
                "message_id": row.message_id, "status": row.status, "language": row.language,
                "intent": row.intent, "customer": codes.get(row.customer_id),
                "order": orders.get(row.order_id), "link": row.link_method,
                "order_link": row.order_link_method, "reasons": row.link_reasons,
                "thread": first.get(row.thread_id), "thread_method": row.thread_method,
                "drafts": drafts.get(row.id, []),
            }, ensure_ascii=False, sort_keys=True, default=str))  # fmt: skip
    Path(path).write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    return len(lines)


def _rss_mb() -> float:
    """This process's resident set in MB (VmRSS from /proc/self/status)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _triage_sampled(app, tw, args) -> int:  # type: ignore[no-untyped-def]
    """Triage in steps of ``--rss-every`` messages, printing RSS (and tracemalloc growth)."""
    import tracemalloc

    if args.tracemalloc:
        tracemalloc.start(1)
    before = tracemalloc.take_snapshot() if args.tracemalloc else None
    first = _rss_mb()
    print(f"RSS before triage: {first:.1f} MB")
    done = 0
    while True:
        step = tw.triage_pending(app, limit=args.rss_every, claim_size=args.claim)
        if not step:
            break
        done += step
        rss = _rss_mb()
        print(f"RSS after {done:>6} triaged: {rss:7.1f} MB ({rss - first:+.1f} MB)", flush=True)
        if before is not None:
            after = tracemalloc.take_snapshot()
            for stat in after.compare_to(before, "lineno")[: args.top_growth]:
                print(f"    {stat}")
            before = after
    return done


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=300)
    ap.add_argument("--claim", type=int, default=100, help="rows per claim")
    ap.add_argument("--profile", action="store_true", help="run the triage under cProfile")
    ap.add_argument("--top", type=int, default=40, help="profile rows printed")
    ap.add_argument("--dump", default=None, help="write the profile's stats to this file")
    ap.add_argument("--pg", default=None, help="a PostgreSQL URL (an empty database)")
    ap.add_argument("--warm", type=int, default=20, help="messages triaged before measuring")
    ap.add_argument("--outcomes", default=None, help="write each message's outcome here")
    ap.add_argument("--segments", type=int, default=4, help="parts timed separately")
    ap.add_argument(
        "--rss-every", type=int, default=0, help="print RSS after every N messages triaged"
    )
    ap.add_argument(
        "--tracemalloc", action="store_true", help="with --rss-every: list what grew between"
    )
    ap.add_argument("--top-growth", type=int, default=12, help="tracemalloc rows per step")
    args = ap.parse_args()

    from sqlalchemy import event, func, select

    from mailagent.app import open_app
    from mailagent.db import models as m
    from mailagent.triage import worker as tw

    with tempfile.TemporaryDirectory() as store:
        app = open_app(_settings(store, args.pg))
        t = time.perf_counter()
        _seed(app, args.messages, 100)
        print(f"stored {args.messages} messages in {time.perf_counter() - t:.1f} s")
        if args.warm:  # the daemon's worker is warm (language profiles, model, templates)
            tw.triage_pending(app, limit=args.warm, claim_size=args.claim)
        kinds: Counter[str] = Counter()

        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
            kinds[word + (" many" if executemany else "")] += 1

        with app.sessions() as s:
            pending = s.scalar(
                select(func.count()).select_from(m.Message).where(m.Message.status == "new")
            )
        part = max(1, -(-int(pending or 0) // max(1, args.segments)))
        event.listen(app.engine, "before_cursor_execute", count)
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU time
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        parts: list[tuple[int, float, float]] = []  # (messages, wall s, CPU s)
        done = 0
        if args.rss_every:
            done = _triage_sampled(app, tw, args)
        while not args.rss_every:
            w0, c0 = time.perf_counter(), time.process_time()
            n = tw.triage_pending(app, limit=part, claim_size=args.claim)
            if not n:
                break
            parts.append((n, time.perf_counter() - w0, time.process_time() - c0))
            done += n
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        event.remove(app.engine, "before_cursor_execute", count)
        with app.sessions() as s:
            drafted = s.scalar(select(func.count(func.distinct(m.Draft.message_pk))))
            drafts = s.scalar(select(func.count()).select_from(m.Draft))
        statements = sum(kinds.values())
        if args.outcomes:
            print(f"outcomes of {_outcomes(app, args.outcomes)} messages in {args.outcomes}")
        print(
            f"triaged {done} in {wall:.1f} s: {wall / done * 1e3:.1f} ms/message wall, "
            f"{cpu / done * 1e3:.1f} ms/message CPU; {drafts} drafts for {drafted} messages"
        )
        print(
            f"SQL statements: {statements / done:.1f}/message ("
            + ", ".join(f"{k} {v / done:.1f}" for k, v in kinds.most_common())
            + ")"
        )
        shown = [f"{n}: {w / n * 1e3:.1f}, {c / n * 1e3:.1f}" for n, w, c in parts]
        print("per part (messages: ms/message wall, CPU): " + "; ".join(shown))
        if len(parts) > 1:
            (n1, w1, c1), (nl, wl, cl) = parts[0], parts[-1]
            print(
                f"last part / first part: wall {wl / nl / (w1 / n1):.2f}x, "
                f"CPU {cl / nl / (c1 / n1):.2f}x"
            )
        if profiler:
            stats = pstats.Stats(profiler)
            if args.dump:
                stats.dump_stats(args.dump)
            shares: Counter[str] = Counter()
            for (path, _line, _fn), row in stats.stats.items():  # type: ignore[attr-defined]
                shares[_package(path)] += row[2]  # own time
            total = sum(shares.values())
            print("own CPU time by package: " + ", ".join(
                f"{k} {v / total:.0%}" for k, v in shares.most_common(8)))  # fmt: skip
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
