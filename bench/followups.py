"""Benchmark the follow-up engine's periodic job on a synthetic store.

    python bench/followups.py [--threads N] [--orders N] [--store DIR]

Builds an SQLite store with N customers (countries DE, US, CN, BR, AE in turn), each with a
thread of an inquiry and our priced quotation (a third of them answered by a colleague), and
N orders with due dates spread around "now"; then times one ``run_followups`` pass (which
drafts the due follow-ups, payment reminders and greetings), a second pass (nothing new:
every step is keyed) and the supervisor list. Prints the counts and seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
from mailagent.app import open_app
from mailagent.config import Settings, StoreSettings, TeamSettings
from mailagent.db import models as m
from mailagent.followups.report import open_followups
from mailagent.followups.service import run_followups

COUNTRIES = ("DE", "US", "CN", "BR", "AE")
NOW = datetime(2026, 12, 21, 2, 0, tzinfo=UTC)


def build(store: Path, threads: int, orders: int) -> object:
    settings = Settings(
        store=StoreSettings(url=f"sqlite:///{store / 'bench.db'}", dir=str(store)),
        team=TeamSettings(own_domains=["huaxin-pcb.com"]),
        rules_dir=str(ROOT / "rules"),
        templates_dir=str(ROOT / "templates"),
    )
    app = open_app(settings, with_model=False, clock=lambda: NOW)
    with app.sessions() as s, s.begin():
        for i in range(max(threads, orders)):
            c = m.Customer(
                code=f"C{i}",
                name=f"Customer {i}",
                country=COUNTRIES[i % 5],
                language="en",
                salesperson=f"sp{i % 7}@huaxin-pcb.com",
                created_at=NOW,
            )
            c.domains.append(m.CustomerDomain(domain=f"c{i}.example"))
            c.contacts.append(m.Contact(name=f"Buyer {i}", email=f"buyer@c{i}.example"))
            s.add(c)
            s.flush()
            if i < orders:
                s.add(
                    m.Order(
                        order_no=f"SO-{i}",
                        customer_id=c.id,
                        currency="USD",
                        amount=Decimal(1000),
                        paid_amount=Decimal(0),
                        due_date=NOW.date() + timedelta(days=(i % 50) - 35),
                    )
                )
            if i >= threads:
                continue
            t = m.Thread(
                subject=f"RFQ {i}",
                subject_norm=f"rfq {i}",
                customer_id=c.id,
                first_at=NOW - timedelta(days=12),
                last_at=NOW - timedelta(days=10),
            )
            s.add(t)
            s.flush()
            rows = [
                ("inbound", f"buyer@c{i}.example", 12, "Please quote 500 pcs."),
                ("outbound", "sales@huaxin-pcb.com", 10, "Please find our quotation: USD 2.65/pc."),
            ]
            if i % 3 == 0:
                rows.append(("inbound", f"colleague@c{i}.example", 8, "Thanks, we will order."))
            for n, (direction, sender, days, text) in enumerate(rows):
                at = NOW - timedelta(days=days)
                s.add(
                    m.Message(
                        message_id=f"m{i}.{n}@bench",
                        raw_sha256="0" * 64,
                        raw_size=1,
                        direction=direction,
                        subject=f"RFQ {i}",
                        from_email=sender,
                        received_at=at,
                        text=text,
                        new_text=text,
                        thread_id=t.id,
                        customer_id=c.id,
                        status="triaged",
                        created_at=at,
                        headers=[["Date", at.strftime("%a, %d %b %Y %H:%M:%S +0000")]],
                    )
                )
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=500)
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--store", type=Path)
    args = ap.parse_args()
    store = args.store or Path(tempfile.mkdtemp(prefix="bench-followups-"))
    store.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    app = build(store, args.threads, args.orders)
    took = time.perf_counter() - t0
    print(f"store: {args.threads} threads, {args.orders} orders in {took:.1f} s ({store})")
    t0 = time.perf_counter()
    first = run_followups(app, NOW)  # type: ignore[attr-defined]
    t1 = time.perf_counter()
    print(f"first pass: {first.describe()} in {t1 - t0:.2f} s")
    second = run_followups(app, NOW)  # type: ignore[attr-defined]
    t2 = time.perf_counter()
    print(f"second pass (idempotent): {second.describe()} in {t2 - t1:.2f} s")
    rows = open_followups(app, NOW)  # type: ignore[arg-type]
    print(f"supervisor list: {len(rows)} open follow-ups in {time.perf_counter() - t2:.2f} s")


if __name__ == "__main__":
    main()
