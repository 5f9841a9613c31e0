"""Dump the classification rules' hits per message, to compare two versions of the matcher.

    python bench/rule_hits.py [FILE.jsonl ...] [--demo] [--code DIR] [--rules DIR] > hits.jsonl

For every message (``{"text", "subject"?}`` rows of the JSONL files, then with ``--demo``
the demo mailbox's ``.eml`` files, and the project's intent corpus with ``--corpus``) one
line ``{"n": ..., "hits": [[rule_id, intent, reason], ...]}`` in evaluation order. Run it
once with ``--code`` pointing at another checkout (e.g. main) and once here, then ``diff``
the two outputs: a faster matcher must give byte-identical lines. ``--code`` puts that
checkout first on the import path (this script's own checkout otherwise). Evaluation files
are read in place and never copied. Prints the time spent in ``Ruleset.evaluate`` per
message on stderr (CPU seconds of this process).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--demo", action="store_true", help="also the demo mailbox")
    parser.add_argument("--corpus", action="store_true", help="also the shipped intent corpus")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout to import from")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    from mailagent.parse.message import parse_message
    from mailagent.triage.courtesy import strip_courtesy
    from mailagent.triage.rules.ruleset import load_rules

    sys.path.insert(1, str(ROOT / "bench"))
    from classify import to_mail

    ruleset = load_rules(args.rules)
    mails = []
    paths = list(args.files)
    if args.corpus:
        paths.append(ROOT / "mailagent" / "triage" / "data" / "intent_corpus.jsonl")
    for path in paths:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                mails.append(to_mail(str(row.get("subject") or ""), str(row["text"])))
    if args.demo:
        for eml in sorted((ROOT / "mailagent" / "demo" / "mail").glob("*.eml")):
            mails.append(parse_message(eml.read_bytes()))
    out = sys.stdout
    spent = 0.0
    for number, mail in enumerate(mails):
        for text in (mail.new_text, strip_courtesy(mail.new_text)):  # as classify reads it
            probe = mail if text == mail.new_text else replace(mail, new_text=text)
            started = time.process_time()
            hits = ruleset.evaluate(probe)
            spent += time.process_time() - started
            rows = [[h.rule_id, h.intent.value, h.reason] for h in hits]
            out.write(json.dumps({"n": number, "hits": rows}, ensure_ascii=False) + "\n")
    evaluated = 2 * len(mails)
    print(
        f"{evaluated} evaluations, {spent / max(evaluated, 1) * 1e6:.0f} us each (CPU)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
