"""The phrase index never hides a match the regex would find, and skips most searches."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from mailagent.parse.message import parse_message
from mailagent.triage.intent_model import CORPUS
from mailagent.triage.rules.anchors import PhraseIndex
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
    index = PhraseIndex(PHRASES)
    candidates = index.candidates(folded)
    for phrase in PHRASES:  # every phrase that matches on its own is a candidate
        if compile_phrases([phrase]).search(folded):
            assert index.add(phrase) in candidates, phrase
    if found is None:  # only a phrase without letters is always looked for
        assert candidates == {index.add("100%")}


def test_index_needs_every_word_of_a_phrase() -> None:
    index = PhraseIndex(["invoice", "bank slip", "*zahlung", "defect*", "*garanti*", "询价 单"])
    ids = {p: index.add(p) for p in ["bank slip", "*zahlung", "defect*", "*garanti*", "询价 单"]}
    assert not index.candidates(fold("Please quote 500 pcs of 4-layer boards"))
    assert index.candidates(fold("Die Anzahlung ist unterwegs")) == {ids["*zahlung"]}
    assert not index.candidates(fold("the bank sent the goods"))  # "slip" is missing
    assert index.candidates(fold("slip from the bank")) == {ids["bank slip"]}  # regex decides
    assert index.candidates(fold("Defekte Platine, Garantieanspruch")) == {ids["*garanti*"]}
    assert index.candidates(fold("defective")) == {ids["defect*"]}
    assert not index.candidates(fold("请询价"))  # "询价 单" needs both pieces: 询价, 单
    assert index.candidates(fold("询价 单")) == {ids["询价 单"]}


def test_shipped_vocabularies_find_the_same_with_and_without_the_index() -> None:
    """The differential check (bench/rule_hits.py compares whole rule sets on real mail)."""
    ruleset = load_rules(ROOT / "rules")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[::7]
    texts = [fold(f"{r['subject']}\n{r['text']}") for r in map(json.loads, lines)]
    for eml in sorted((ROOT / "mailagent" / "demo" / "mail").glob("*.eml")):
        mail = parse_message(eml.read_bytes())
        texts.append(fold(f"{mail.subject}\n{mail.new_text}"))
    skipped = 0
    for vocabulary in ruleset.vocabularies.values():
        plain = dataclasses.replace(vocabulary, index=None)
        assert vocabulary.index is not None
        for text in texts:
            assert vocabulary.find(text) == plain.find(text), (vocabulary.name, text)
            skipped += vocabulary.all_ids.isdisjoint(vocabulary.index.candidates(text))
    assert skipped > len(texts) * len(ruleset.vocabularies) * 3 // 4  # most lists are skipped
