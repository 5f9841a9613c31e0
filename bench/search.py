"""Search latency on a large store: the inbox query with a full-text term, 100,000 messages.

Fills a scratch store (SQLite by default, or ``--url`` for PostgreSQL) with generated
multilingual mail rows straight through SQL (the search index is filled by the same
triggers as in production), then times ``messages.listing.list_messages`` — what the web
inbox and ``mailagent messages list --search`` run — for a set of queries: median and max
over repeated runs, in milliseconds. Target: < 200 ms per query at 100,000 messages.

    python bench/search.py [--messages 100000] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select

from mailagent.app import open_app
from mailagent.config import Settings, StoreSettings
from mailagent.db import models as m
from mailagent.messages.listing import MessageFilter, list_messages

WORDS = {
    "en": [
        "please",
        "quote",
        "lead",
        "time",
        "samples",
        "shipment",
        "invoice",
        "payment",
        "received",
        "defect",
        "boards",
        "solder",
        "mask",
        "impedance",
        "stackup",
        "drawing",
        "revision",
        "urgent",
        "delivery",
        "container",
    ],
    "de": [
        "Angebot",
        "Anfrage",
        "Lieferzeit",
        "Muster",
        "Rechnung",
        "Zahlung",
        "Reklamation",
        "Leiterplatte",
        "Lötstopplack",
        "Bestellung",
        "Lieferung",
        "dringend",
        "Zeichnung",
        "Prüfbericht",
    ],
    "es": [
        "cotización",
        "plazo",
        "muestras",
        "factura",
        "pago",
        "reclamación",
        "placas",
        "pedido",
        "entrega",
        "urgente",
        "dibujo",
    ],
    "zh": [
        "询价",
        "报价",
        "交期",
        "样品",
        "发票",
        "付款",
        "投诉",
        "铝基板",
        "阻焊",
        "订单",
        "出货",
        "加急",
        "图纸",
        "阻抗",
    ],
    "pt": [
        "cotação",
        "prazo",
        "amostras",
        "fatura",
        "pagamento",
        "reclamação",
        "placas",
        "pedido",
        "entrega",
    ],
}
QUERIES = [
    "Reklamation",  # German, common
    "Prüfbericht",  # German, with umlaut
    "铝基板",  # Chinese, 3 characters (indexed)
    "询价",  # Chinese, 2 characters (index-table scan)
    "PO-4500123871",  # an order number in the text
    "impedance stackup",  # two terms
    "nothing-matches-this",
]


def fill(url: str, store: str, n: int, seed: int = 7) -> None:
    app = open_app(Settings(store=StoreSettings(url=url, dir=store)), with_model=False)
    rng = random.Random(seed)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    langs = list(WORDS)
    batch = 5000
    start = time.perf_counter()
    with app.engine.begin() as conn:
        for base in range(0, n, batch):
            rows = []
            for i in range(base, min(base + batch, n)):
                lang = rng.choice(langs)
                words = WORDS[lang]
                sep = "" if lang == "zh" else " "
                body = sep.join(rng.choice(words) for _ in range(rng.randint(20, 80)))
                po = f"PO-{4500000000 + rng.randrange(10**6)}"
                rows.append(
                    {
                        "message_id": f"<bench-{i}@example.com>",
                        "raw_sha256": f"{i:064x}",
                        "raw_size": len(body),
                        "subject": f"{sep.join(rng.sample(words, 3))} {po}",
                        "from_name": f"Buyer {i % 997}",
                        "from_email": f"buyer{i % 997}@customer{i % 211}.example",
                        "received_at": t0 + timedelta(minutes=7 * i),
                        "created_at": t0 + timedelta(minutes=7 * i),
                        "new_text": body + f"\n{po}",
                        "text": body,
                        "language": lang,
                        "intent": rng.choice(["inquiry", "order", "complaint", "payment"]),
                        "status": "triaged",
                    }
                )
            conn.execute(insert(m.Message), rows)
    print(f"filled {n:,} messages in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
    app.close()


def measure(url: str, store: str, repeat: int) -> bool:
    app = open_app(Settings(store=StoreSettings(url=url, dir=store)), with_model=False)
    with app.sessions() as s:
        # the order number of one stored message, so that query has exactly one answer
        QUERIES[4] = str(s.scalar(select(m.Message.subject).limit(1))).rsplit(" ", 1)[-1]
    ok = True
    print(f"{'query':<24} {'hits':>5} {'median ms':>10} {'max ms':>8}")
    for query in [*QUERIES, ""]:
        flt = MessageFilter(text=query, per_page=50)
        times, hits = [], 0
        for _ in range(repeat):
            t = time.perf_counter()
            hits = len(list_messages(app, flt))
            times.append((time.perf_counter() - t) * 1000)
        med = statistics.median(times)
        ok &= med < 200
        print(f"{(query or '(no search)'):<24} {hits:>5} {med:>10.1f} {max(times):>8.1f}")
    for query, extra in (("Reklamation", {"intent": "complaint"}), ("pago", {"language": "es"})):
        flt = MessageFilter(text=query, per_page=50, **extra)  # type: ignore[arg-type]
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            list_messages(app, flt)
            times.append((time.perf_counter() - t) * 1000)
        med = statistics.median(times)
        ok &= med < 200
        print(f"{query + ' + ' + str(extra):<24} {'':>5} {med:>10.1f} {max(times):>8.1f}")
    app.close()
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--url", default="", help="database URL (default: a scratch SQLite file)")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailagent-search-") as tmp:
        url = args.url or f"sqlite:///{tmp}/search.db"
        fill(url, tmp, args.messages)
        ok = measure(url, tmp, args.repeat)
    print("target < 200 ms per query:", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
