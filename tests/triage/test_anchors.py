"""The phrase-list pre-check never hides a match the regex would find, and skips most lists."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from mailagent.triage.intent_model import CORPUS
from mailagent.triage.rules.anchors import Anchors
from mailagent.triage.rules.match import compile_phrases, fold, phrase_text
from mailagent.triage.rules.ruleset import load_rules

ROOT = Path(__file__).resolve().parents[2]

PHRASES = ["defect*", "*reklamation", "*garanti*", "P.O.", "8D report", "询价", "100%", "what's"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the boards are defective", "defective"),
        ("Mängelrüge und Kundenreklamation", "kundenreklamation"),
        ("Garantiefall gemeldet", "garantiefall"),
        ("see p.o. 4711", "p.o."),
        ("please send the 8d  report", "8d  report"),
        ("请询价四层板", "询价"),
        ("pay 100% in advance", "100%"),
        ("what's the status", "what's"),
        ("nothing to see here", None),
    ],
)
def test_precheck_agrees_with_the_regex(text: str, expected: str | None) -> None:
    folded = fold(text)
    pattern = compile_phrases(PHRASES)
    found = pattern.search(folded)
    assert (phrase_text(folded, found) if found else None) == expected
    anchors = Anchors.of(PHRASES)
    if found:
        assert anchors.may_match(folded)


def test_precheck_skips_text_without_any_anchor() -> None:
    anchors = Anchors.of(["invoice", "bank slip", "*zahlung"])
    assert not anchors.may_match(fold("Please quote 500 pcs of 4-layer boards"))
    assert anchors.may_match(fold("Die Anzahlung ist unterwegs"))


def test_shipped_vocabularies_find_the_same_with_and_without_precheck() -> None:
    ruleset = load_rules(ROOT / "rules")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[::7]
    texts = [fold(f"{r['subject']}\n{r['text']}") for r in map(json.loads, lines)]
    skipped = 0
    for vocabulary in ruleset.vocabularies.values():
        plain = dataclasses.replace(vocabulary, anchors=None)
        for text in texts:
            assert vocabulary.find(text) == plain.find(text), (vocabulary.name, text)
            skipped += vocabulary.anchors is not None and not vocabulary.anchors.may_match(text)
    assert skipped > len(texts) * len(ruleset.vocabularies) // 2  # most lists are skipped
