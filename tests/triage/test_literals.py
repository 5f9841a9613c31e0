"""The pre-check of ``matches`` regexes never hides a match, and skips most text."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from mailagent.triage.intent_model import CORPUS
from mailagent.triage.rules.literals import required
from mailagent.triage.rules.match import to_simplified

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"(?i)\bship(?:ping)?\b", "ſHIP today", True),  # ſ is an s case-insensitively
        (r"(?i)\bion\b", "İON", True),
        (r"(?i)\bion\b", "ıon", True),  # dotless i
        (r"(?i)\b(?:8D|CAPA)\b|原因分析", "请提供原因分析", True),
        (r"(?i)\b(?:8D|CAPA)\b|原因分析", "please send the capa", True),
        (r"(?i)\b(?:8D|CAPA)\b|原因分析", "nothing here", False),
        (r"\bPO\s*[:#]?\s*\d{4,}", "see po 12345", False),  # case-sensitive
        (r"\bPO\s*[:#]?\s*\d{4,}", "see PO 12345", True),
        (r"(?i:orden de compra)\s*\d+", "ORDEN DE COMPRA 77", True),
        (r"(?:ab)+c", "ababc", True),
        (r"x?y*z", "z", True),
    ],
)
def test_precheck_never_hides_a_match(pattern: str, text: str, matches: bool) -> None:
    found = re.search(pattern, text) is not None
    assert found == matches
    need = required(pattern)
    if found:
        assert need is None or need.may_match(text)
    elif need is not None and "nothing" in text:
        assert not need.may_match(text)


def test_optional_parts_require_nothing() -> None:
    assert required(r"x?y*") is None
    assert required(r"\d+") is None
    need = required(r"(?i)\b(?:invoice|bill)\b")
    assert need is not None and need.folded == ("ll", "nvo")  # i is never looked for


def test_shipped_regexes_agree_with_the_precheck_on_the_corpus() -> None:
    rules = tomllib.loads((ROOT / "rules" / "classify.toml").read_text(encoding="utf-8"))
    patterns = [
        to_simplified(ops["matches"])
        for rule in rules["rule"]
        for ops in rule.get("when", {}).values()
        if isinstance(ops, dict) and isinstance(ops.get("matches"), str)
    ]
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[::11]
    texts = [to_simplified(f"{r['subject']}\n{r['text']}") for r in map(json.loads, lines)]
    skipped = 0
    for source in patterns:
        pattern, need = re.compile(source), required(source)
        for text in texts:
            if need is not None and not need.may_match(text):
                assert pattern.search(text) is None, (source, text)
                skipped += 1
    assert skipped > len(texts)  # the pre-check does skip text
