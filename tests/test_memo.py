"""Bounded text memos: entries and what each keeps stay bounded, results do not change."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from support.apptools import ROOT

from mailagent.drafts.asks import extract, load_ask_rules
from mailagent.memo import TextMemo, text_memo
from mailagent.triage.stages.language import detect as language

RULES = load_ask_rules(str(ROOT / "rules"))


def _long_texts(n: int, size: int) -> list[str]:
    line = "Could you please send the PI and the packing list? What is the lead time? "
    return [f"Order {i}: " + line * (size // len(line)) + f"Regards, buyer {i}" for i in range(n)]


def _kept_bytes(memo: TextMemo[..., object]) -> int:
    """What the memo's keys hold (the texts would be kilobytes each)."""
    return sum(sys.getsizeof(k) + sum(sys.getsizeof(p) for p in k) for k in memo._kept)


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The two mail-text memos shrunk to 8 entries (the bound, not its size, is tested)."""
    for memo in (extract, language._detect):
        monkeypatch.setattr(memo, "maxsize", 8)
        memo.clear()
    yield
    for memo in (extract, language._detect):
        memo.clear()


def test_memo_keeps_at_most_maxsize_digests_and_the_same_results() -> None:
    calls: list[str] = []

    @text_memo(maxsize=5, max_chars=10_000)
    def length(text: str, extra: int = 0) -> int:
        calls.append(text)
        return len(text) + extra

    texts = _long_texts(40, 5_000)
    assert [length(t) for t in texts] == [len(t) for t in texts]
    assert len(length) == 5
    assert _kept_bytes(length) < 5 * 200, "digests are kept, not 5,000-character texts"
    assert length(texts[-1]) == len(texts[-1]) and len(calls) == 40, "recent: remembered"
    assert length(texts[0]) == len(texts[0]) and len(calls) == 41, "oldest: evicted"
    assert length(texts[0], extra=1) == len(texts[0]) + 1 and len(calls) == 42
    big = "x" * 10_001
    assert length(big) == 10_001 and length(big) == 10_001
    assert len(calls) == 44 and len(length) == 5, "a text over max_chars is never kept"
    assert length("short") == 5 and ("short",) in length._kept, "a short text is its own key"


def test_asks_memo_stays_bounded_on_many_long_bodies(small: None) -> None:
    texts = _long_texts(12, 2_000)
    for text in texts:
        assert extract(text, RULES) == extract.__wrapped__(text, RULES)
    assert len(extract) == 8
    assert _kept_bytes(extract) < 8 * 300
    assert [a.kind for a in extract(texts[-1], RULES)] == ["pi", "packing_list", "lead_time"]


def test_language_memo_stays_bounded_on_many_long_texts(small: None) -> None:
    texts = _long_texts(12, 2_000)
    for text in texts:
        assert language.detect(text) == language._detect.__wrapped__(text)
    assert len(language._detect) == 8
    assert _kept_bytes(language._detect) < 8 * 200
    assert language.detect(texts[0]).lang == "en"
