"""Junk-gate benchmark on the SpamAssassin public corpus (read in place, never copied).

Reads every file of ``../shared/eval/raw_mail/spamassassin_dev/{spam,easy_ham}`` (MH-style
numbered files) directly and feeds the bytes through the same ingest + triage functions
``mailagent import`` uses (``capture.ingest.ingest_raw``: parse, store, triage with the
relevance gate, prospects, drafts), into a scratch SQLite store in a temporary directory.
SLA clocks are then created as the daemon's job does (``sla.service.refresh_clocks``, with
the look-back widened to the corpus' era). It prints:

* spam: % of messages that got a reply draft, a Quality relay, a prospect or an SLA clock
  (target <= 5 %), and the dispositions breakdown;
* easy_ham: the dispositions breakdown, and for the personal/business correspondence in it
  (no list/bulk headers: List-Id, List-Unsubscribe, List-Post, Mailing-List, X-Mailing-List,
  Precedence bulk/list/junk, not machine-generated) the % junked as spam or phishing
  (target <= 1 %) and the % not called customer.

The corpus is never trained on; the gate's rules are general (rules/relevance.toml).
Usage: python bench/junk.py [--limit N] [--model] [--show CATEGORY]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from mailagent.app import open_app
from mailagent.capture.ingest import ingest_raw
from mailagent.config import Settings, StoreSettings, TeamSettings
from mailagent.db import models as m
from mailagent.sla.service import refresh_clocks

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "eval" / "raw_mail" / "spamassassin_dev"
_LIST = re.compile(
    rb"^(?:list-id|list-unsubscribe|list-post|mailing-list|x-mailing-list|x-list|"
    rb"precedence:\s*(?:bulk|list|junk))",
    re.I | re.M,
)


def _header_block(raw: bytes) -> bytes:
    end = raw.find(b"\n\n")
    return raw[: end if end > 0 else 20_000]


def _files(folder: str, limit: int | None) -> list[Path]:
    paths = sorted(p for p in (CORPUS / folder).iterdir() if p.is_file() and p.name[0] != ".")
    return paths[:limit] if limit else paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="files per folder")
    ap.add_argument("--model", action="store_true", help="also load/train the intent model")
    ap.add_argument("--show", default="", help="list subjects of easy_ham mail with this relevance")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found: {CORPUS}")
    with tempfile.TemporaryDirectory(prefix="mailagent-junk-") as tmp:
        settings = dataclasses.replace(
            Settings(),
            store=StoreSettings(url=f"sqlite:///{tmp}/bench.db", dir=f"{tmp}/store"),
            team=dataclasses.replace(
                TeamSettings(),
                own_domains=["huaxin-pcb.com"],
                quality_address="quality@huaxin-pcb.com",
            ),
            rules_dir=str(ROOT / "rules"),
            templates_dir=str(ROOT / "templates"),
        )
        app = open_app(settings, with_model=args.model)
        personal: set[int] = set()
        pks: dict[str, list[int]] = {}
        started = time.perf_counter()
        for folder in ("spam", "easy_ham"):
            files = _files(folder, args.limit)
            pks[folder] = []
            for start in range(0, len(files), 200):
                chunk = [(p.read_bytes(), f"{folder}/{p.name}") for p in files[start : start + 200]]
                for (raw, _), result in zip(
                    chunk, ingest_raw(app, chunk, mailbox=folder), strict=True
                ):
                    if result.message_pk is None:
                        continue
                    pks[folder].append(result.message_pk)
                    if folder == "easy_ham" and not _LIST.search(_header_block(raw)):
                        personal.add(result.message_pk)
        refresh_clocks(app, datetime.now(UTC), notify=False, since=datetime(1990, 1, 1, tzinfo=UTC))
        elapsed = time.perf_counter() - started
        with app.sessions() as session:
            for folder, ids in pks.items():
                _report(session, folder, ids, personal, args.show)
        total = sum(len(v) for v in pks.values())
        print(
            f"\n{total} messages ingested and triaged in {elapsed:.1f} s "
            f"({total / elapsed:.0f} msg/s)"
        )
        app.close()


def _report(session: object, folder: str, ids: list[int], personal: set[int], show: str) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    rows = list(session.scalars(select(m.Message).where(m.Message.id.in_(ids))))
    drafts = {
        (pk, kind)
        for pk, kind in session.execute(
            select(m.Draft.message_pk, m.Draft.kind).where(m.Draft.message_pk.in_(ids))
        )
    }
    clocks = set(
        session.scalars(select(m.SlaClock.message_pk).where(m.SlaClock.message_pk.in_(ids)))
    )
    n = len(rows) or 1
    reply = {pk for pk, kind in drafts if kind == "reply"}
    relay = {pk for pk, kind in drafts if kind == "relay"}
    prospect = {r.id for r in rows if r.link_method == "prospect" and r.customer_id}
    worked = reply | relay | prospect | clocks
    print(f"\n== {folder}: {len(rows)} messages")
    print(f"  relevance:   {dict(Counter(r.relevance or '-' for r in rows).most_common())}")
    print(f"  disposition: {dict(Counter(r.disposition for r in rows).most_common())}")
    fraud = Counter(f["kind"] for r in rows for f in r.fraud_flags)
    print(f"  fraud flags: {dict(fraud.most_common())}")
    print(
        f"  got a reply draft {len(reply) / n:.1%}, a Quality relay {len(relay) / n:.1%}, "
        f"a prospect {len(prospect) / n:.1%}, an SLA clock {len(clocks) / n:.1%}"
    )
    print(f"  any of these: {len(worked)} = {len(worked) / n:.2%}")
    if folder == "easy_ham":
        mine = [r for r in rows if r.id in personal and r.auto_reply == "none"]
        k = len(mine) or 1
        junked = [r for r in mine if r.relevance in ("spam", "phishing")]
        other = [r for r in mine if r.relevance != "customer"]
        print(
            f"  personal/business correspondence (no list headers): {len(mine)}; "
            f"junked (spam/phishing) {len(junked)} = {len(junked) / k:.2%}; "
            f"not customer {len(other)} = {len(other) / k:.2%} "
            f"{dict(Counter(r.relevance for r in other))}"
        )
        for r in sorted(other, key=lambda r: r.relevance or "")[:40] if show == "personal" else []:
            print(f"    {r.relevance:12} {r.origin:50} {r.subject[:60]!r}")
            print(f"       {r.relevance_reasons[:4]}")
    if show and show != "personal":
        for r in rows:
            if r.relevance == show:
                print(f"    {r.origin:50} {r.subject[:60]!r}")
                print(f"       {r.relevance_reasons[:4]}")


if __name__ == "__main__":
    main()
