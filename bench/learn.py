"""Benchmark learning from corrections: macro-F1 before and after feeding corrections.

    python bench/learn.py [FILE.jsonl] [--folds K] [--limit N] [--seed S]

Cross-validation within one labelled file (default: the shared multilingual support
tickets, read in place, never copied): the rows are shuffled (seeded) and split into K
folds. For each fold, a fresh SQLite store is opened, the other folds' rows (at most
``--limit``) are imported as real RFC 822 messages and corrected with
``messages.service.reclassify`` -- exactly what a user's "re-classify" does -- and the
model is adapted with ``messages.learning.refresh_model``. The held-out fold is then
classified (rules + model, as the daemon does) before (shipped model) and after. Prints
per-fold and pooled macro-F1 and per-language macro-F1 of the pooled predictions.
Nothing is written outside a temporary directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "bench"))
from classify import to_mail

from mailagent.app import open_app
from mailagent.capture.ingest import ingest_raw
from mailagent.config import Settings, StoreSettings
from mailagent.messages.learning import refresh_model
from mailagent.messages.service import reclassify
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.ruleset import Ruleset, load_rules
from mailagent.triage.stages import classify

DEFAULT = ROOT.parent / "shared" / "eval" / "labeled" / "customer_support_tickets_multilang.jsonl"


def macro_f1(truth: list[str], guess: list[str]) -> float:
    scores = []
    for label in sorted(set(truth)):
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t == g == label)
        predicted, actual = guess.count(label), truth.count(label)
        p = tp / predicted if predicted else 0.0
        r = tp / actual
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return sum(scores) / len(scores)


def raw_mail(n: int, row: dict[str, str]) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"customer{n}@example.net"
    msg["To"] = "support@example.com"
    msg["Subject"] = str(row.get("subject") or "")
    msg["Message-ID"] = f"<learn-{n}@bench.example>"
    msg["Date"] = "Wed, 02 Dec 2026 09:00:00 +0000"
    msg.set_content(str(row["text"]))
    return msg.as_bytes()


def predict(rows: list[dict[str, str]], ruleset: Ruleset, model: IntentModel) -> list[str]:
    mails = [to_mail(str(r.get("subject") or ""), str(r["text"])) for r in rows]
    return [classify.run(mail, ruleset, model).intent.value for mail in mails]


def fold(
    train: list[dict[str, str]], test: list[dict[str, str]], ruleset: Ruleset, base: IntentModel
) -> tuple[list[str], list[str], float]:
    with tempfile.TemporaryDirectory(prefix="mailagent-learn-") as tmp:
        store = StoreSettings(url=f"sqlite:///{tmp}/learn.db", dir=f"{tmp}/store")
        settings = dataclasses.replace(Settings(), store=store, rules_dir=str(ROOT / "rules"))
        app = open_app(settings, with_model=False)
        app.model = base
        try:
            raws = [(raw_mail(i, row), f"row{i}") for i, row in enumerate(train)]
            results = ingest_raw(app, raws)
            started = time.perf_counter()
            for result, row in zip(results, train, strict=True):
                assert result.message_pk is not None, result
                reclassify(app, result.message_pk, str(row["label"]), "bench")  # the user's path
            model = refresh_model(app)
            seconds = time.perf_counter() - started
        finally:
            app.close()
    assert model is not None
    return predict(test, ruleset, base), predict(test, ruleset, model), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="corrections fed per fold")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.file.open(encoding="utf-8") if line.strip()]
    random.Random(args.seed).shuffle(rows)
    ruleset = load_rules(ROOT / "rules")
    base = IntentModel.train()
    truth: list[str] = []
    before: list[str] = []
    after: list[str] = []
    langs: list[str] = []
    for k in range(args.folds):
        test = rows[k :: args.folds]
        train = [r for i, r in enumerate(rows) if i % args.folds != k][: args.limit]
        b, a, seconds = fold(train, test, ruleset, base)
        t = [str(r["label"]) for r in test]
        print(
            f"fold {k + 1}/{args.folds}: {len(train)} corrections fed ({seconds:.1f} s incl. "
            f"retraining), {len(test)} held out: macro-F1 {macro_f1(t, b):.3f} -> "
            f"{macro_f1(t, a):.3f}"
        )
        truth += t
        before += b
        after += a
        langs += [str(r.get("lang") or "?") for r in test]
    print(f"\npooled macro-F1 over {len(truth)} held-out messages: "
          f"before {macro_f1(truth, before):.3f}, after {macro_f1(truth, after):.3f}")  # fmt: skip
    for lang in sorted(set(langs)):
        idx = [i for i, x in enumerate(langs) if x == lang]
        t = [truth[i] for i in idx]
        print(
            f"  {lang}: n={len(idx):3d} before {macro_f1(t, [before[i] for i in idx]):.3f} "
            f"after {macro_f1(t, [after[i] for i in idx]):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
