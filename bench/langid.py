"""Benchmark the language stage on a JSONL file of ``{"text", "lang", "kind"}`` lines.

    python bench/langid.py [FILE.jsonl] [--kinds sentence,word_pair,single_word] [--errors N]
                           [--abstained N] [--langs ru,es]

Defaults to ``../shared/eval/langid/lingua_sample.jsonl`` (read in place, never copied).
"unknown" is an abstention; "other" (a language the detector does not name) counts as
right for languages outside ``detect.ANSWERED`` and wrong for the others. For each
language and kind the table shows accuracy (right / all), abstention rate, wrong-answer
rate (wrong / all) and precision (right / answered), plus the mean time per text. A second
source: ``bench/langid_sentences.py`` writes sentences of our own in 24 languages.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout
from mailagent.triage.stages.language.detect import ANSWERED, OTHER, UNKNOWN, detect

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared/eval/langid/lingua_sample.jsonl"
KINDS = ("sentence", "word_pair", "single_word")


class Tally:
    """Right / abstained / wrong counts and total seconds for one cell of the table."""

    def __init__(self) -> None:
        self.right = self.abstained = self.wrong = 0
        self.seconds = 0.0

    def add(self, truth: str, guess: str, seconds: float) -> None:
        self.seconds += seconds
        if guess == UNKNOWN:
            self.abstained += 1
        elif guess == truth or (guess == OTHER and truth not in ANSWERED):
            self.right += 1  # "other language" is the right answer for one it does not name
        else:
            self.wrong += 1

    def merge(self, other: Tally) -> None:
        self.right += other.right
        self.abstained += other.abstained
        self.wrong += other.wrong
        self.seconds += other.seconds

    @property
    def total(self) -> int:
        return self.right + self.abstained + self.wrong

    def row(self) -> str:
        n = max(self.total, 1)
        answered = self.right + self.wrong
        precision = self.right / answered if answered else 0.0
        return (
            f"{self.total:6d} {100 * self.right / n:7.2f} {100 * self.abstained / n:7.2f} "
            f"{100 * self.wrong / n:7.2f} {100 * precision:7.2f} {1000 * self.seconds / n:7.3f}"
        )


HEADER = f"{'lang':6s} {'kind':12s} {'n':>6s} {'acc%':>7s} {'abst%':>7s} {'wrong%':>7s} " + (
    f"{'prec%':>7s} {'ms':>7s}"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--errors", type=int, default=0, help="print N wrong answers per kind")
    parser.add_argument(
        "--abstained", type=int, default=0, help="print N abstentions per kind (with why)"
    )
    parser.add_argument("--langs", default="", help="only these languages (comma-separated)")
    args = parser.parse_args(argv)
    kinds = tuple(args.kinds.split(","))
    langs = set(filter(None, args.langs.split(",")))
    cells: dict[tuple[str, str], Tally] = defaultdict(Tally)
    errors: dict[str, list[str]] = defaultdict(list)
    abstained: dict[str, list[str]] = defaultdict(list)
    confusions: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    detect("warm up the detector factory before timing")
    with args.file.open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            if item["kind"] not in kinds or (langs and item["lang"] not in langs):
                continue
            start = time.perf_counter()
            info = detect(item["text"])
            cells[item["lang"], item["kind"]].add(
                item["lang"], info.lang, time.perf_counter() - start
            )
            right_other = info.lang == OTHER and item["lang"] not in ANSWERED
            if info.lang not in (UNKNOWN, item["lang"]) and not right_other:
                confusions[item["kind"]][item["lang"], info.lang] += 1
                if len(errors[item["kind"]]) < args.errors:
                    errors[item["kind"]].append(
                        f"  {item['lang']}->{info.lang} {info.method} {info.confidence}: "
                        f"{item['text'][:70]!r}"
                    )
            elif info.lang == UNKNOWN and len(abstained[item["kind"]]) < args.abstained:
                top = " ".join(f"{lang}:{p:.3f}" for lang, p in info.candidates[:3])
                abstained[item["kind"]].append(
                    f"  {item['lang']}? {info.method} [{top}]: {item['text'][:70]!r}"
                )
    print_table(cells, kinds)
    for kind in kinds:
        top = ", ".join(f"{a}->{b} {n}" for (a, b), n in confusions[kind].most_common(8))
        print(f"{kind} confusions: {top or '-'}")
        for err in errors[kind]:
            print(err)
        if abstained[kind]:
            print(f"{kind} abstentions:")
            print("\n".join(abstained[kind]))
    return 0


def print_table(cells: dict[tuple[str, str], Tally], kinds: tuple[str, ...]) -> None:
    """Per-language rows for each kind, then an all-language row per kind."""
    print(HEADER)
    for kind in kinds:
        overall = Tally()
        for lang in sorted({lang for lang, k in cells if k == kind}):
            tally = cells[lang, kind]
            overall.merge(tally)
            print(f"{lang:6s} {kind:12s} {tally.row()}")
        print(f"{'ALL':6s} {kind:12s} {overall.row()}")
        print()


if __name__ == "__main__":
    sys.exit(main())
