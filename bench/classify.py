"""Benchmark intent classification on labelled JSONL files.

    python bench/classify.py FILE.jsonl [...] [--mode combined|model|rules] [--by-source]
                             [--rules DIR] [--store DIR] [--passes N]

Each line is ``{"text", "subject"?, "label"}`` (``subject`` may be missing, null or empty).
Every message goes through ``stages.classify.run`` one at a time, as in the daemon. Prints
per-class precision/recall/F1, macro-F1, the confusion matrix, how decisions were made and
messages per second, by the clock and per CPU second of this process (the latter is the
steadier figure on a box shared with other jobs; model training/loading is timed
separately). The first pass over a file starts with empty word caches (the model's n-gram
columns and the rules' word index are filled per new word); ``--passes N`` classifies the
file N times and prints each pass's rate, the later ones being the steady state of a
running daemon whose caches have seen the words before. ``--by-source`` adds
accuracy per ``source_label`` (category-level diagnostics, no message text is printed).
Evaluation files are read in place and never copied or used for training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout
from mailagent.records import Address, AutoReplyKind, InboundMail, Intent
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.ruleset import Ruleset, load_rules
from mailagent.triage.stages import classify, review
from mailagent.triage.stages.review import DEFAULT_POLICY

LABELS = [i.value for i in Intent]


def to_mail(subject: str, text: str) -> InboundMail:
    """A minimal InboundMail whose new text is ``text``."""
    digest = hashlib.sha256(f"{subject}\n{text}".encode()).hexdigest()
    return InboundMail(
        raw_sha256=digest, raw_size=len(text), message_id=f"{digest[:16]}@bench",
        message_id_synthetic=True, subject=subject, from_=Address("", "customer@example.com"),
        sender=None, reply_to=(), to=(), cc=(), date=None, in_reply_to=None, references=(),
        headers=(), text=text, html=None, new_text=text, quoted_text="", signature="",
        attachments=(), auto_reply=AutoReplyKind.NONE, auto_reply_reason=None,
        charsets=("utf-8",), defects=(),
    )  # fmt: skip


class _NoRules:
    """Stands in for a Ruleset in --mode model."""

    def evaluate(self, mail: InboundMail) -> list[object]:
        return []


def evaluate(
    path: Path, ruleset: Ruleset, model: IntentModel | None, by_source: bool, passes: int = 1
) -> float:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    mails = [to_mail(str(r.get("subject") or ""), str(r["text"])) for r in rows]
    policy = ruleset.review if isinstance(ruleset, Ruleset) else DEFAULT_POLICY
    rates = []
    for _ in range(max(passes, 1)):
        started, cpu = time.perf_counter(), time.process_time()
        results = [review.run(classify.run(mail, ruleset, model), policy) for mail in mails]
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        rates.append((len(rows) / seconds, len(rows) / max(cpu_seconds, 1e-9)))
    truth = [str(r["label"]) for r in rows]
    guess = [c.intent.value for c in results]
    wall, per_cpu = rates[0]
    print(
        f"\n== {path.name}: {len(rows)} messages, {wall:,.0f} msgs/s "
        f"({per_cpu:,.0f} per CPU second: on a shared box)"
    )
    for number, (wall, per_cpu) in enumerate(rates[1:], 2):
        print(f"   pass {number} (caches warm): {wall:,.0f} msgs/s ({per_cpu:,.0f} per CPU second)")
    macro = report(truth, guess)
    decided = Counter(c.decided_by for c in results)
    print("decided by: " + ", ".join(f"{k} {v}" for k, v in decided.most_common()))
    flagged = sum(1 for c in results if c.review)
    print(f"needs review: {flagged} ({flagged / len(results):.1%})")
    langs = sorted({str(r.get("lang") or "") for r in rows} - {""})
    for lang in langs if len(langs) > 1 else ():
        idx = [i for i, r in enumerate(rows) if r.get("lang") == lang]
        f1 = macro_f1([truth[i] for i in idx], [guess[i] for i in idx])
        print(f"  {lang}: n={len(idx):4d} macro-F1 {f1:.3f}")
    if by_source:
        per: dict[str, Counter[str]] = {}
        for row, g in zip(rows, guess, strict=True):
            per.setdefault(f"{row['label']}/{row.get('source_label', '?')}", Counter())[g] += 1
        for key, counts in sorted(per.items()):
            total = sum(counts.values())
            right = counts[key.split("/")[0]]
            spread = ", ".join(f"{k} {v}" for k, v in counts.most_common())
            print(f"  {key:55s} {right / total:6.1%}  ({spread})")
    return macro


def macro_f1(truth: list[str], guess: list[str]) -> float:
    """Macro-F1 over the labels present in ``truth`` (no printing)."""
    scores = []
    for label in sorted(set(truth)):
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t == g == label)
        predicted, actual = guess.count(label), truth.count(label)
        p, r = (tp / predicted if predicted else 0.0), tp / actual
        scores.append(2 * p * r / (p + r) if p + r else 0.0)
    return sum(scores) / len(scores)


def report(truth: list[str], guess: list[str]) -> float:
    """Print per-class P/R/F1 and the confusion matrix; return macro-F1 over true labels."""
    labels = [label for label in LABELS if label in truth]
    print(f"{'class':10s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'n':>6s}")
    f1s = []
    for label in labels:
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t == g == label)
        predicted = guess.count(label)
        actual = truth.count(label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        print(f"{label:10s} {precision:6.3f} {recall:6.3f} {f1:6.3f} {actual:6d}")
    macro = sum(f1s) / len(f1s)
    accuracy = sum(1 for t, g in zip(truth, guess, strict=True) if t == g) / len(truth)
    print(f"macro-F1 {macro:.3f}   accuracy {accuracy:.3f}")
    print("confusion (rows = truth, columns = predicted):")
    print(" " * 10 + "".join(f"{label[:9]:>10s}" for label in LABELS))
    pairs = Counter(zip(truth, guess, strict=True))
    for t in labels:
        print(f"{t:10s}" + "".join(f"{pairs[t, g]:10d}" for g in LABELS))
    return macro


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--mode", choices=("combined", "model", "rules"), default="combined")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    parser.add_argument("--store", type=Path, default=None, help="model cache dir (default: none)")
    parser.add_argument("--by-source", action="store_true")
    parser.add_argument("--passes", type=int, default=1, help="classify each file N times")
    args = parser.parse_args(argv)
    ruleset = load_rules(args.rules)
    model = None
    if args.mode != "rules":
        started = time.perf_counter()
        model = IntentModel.load_or_train(args.store) if args.store else IntentModel.train()
        print(f"model ready in {time.perf_counter() - started:.2f} s (key {model.key})")
    rules: Ruleset = ruleset if args.mode != "model" else _NoRules()  # type: ignore[assignment]
    print(f"mode {args.mode}: {len(ruleset.rules)} rules")
    scores = [evaluate(path, rules, model, args.by_source, args.passes) for path in args.files]
    if len(scores) > 1:
        print(f"\nmean macro-F1 over {len(scores)} files: {sum(scores) / len(scores):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
