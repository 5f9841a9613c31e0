"""Bounded text memos: entries and what each keeps stay bounded, results do not change."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from support.apptools import ROOT

from mailagent.drafts.asks import extract, load_ask_rules
from mailagent.memo import TextMemo, text_memo
from mailagent.triage.intent_model import mail_text
from mailagent.triage.rules.anchors import PhraseIndex
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


def test_ngram_cache_skips_long_tokens_and_interns_grams() -> None:
    from mailagent.triage.stages.language import ngram

    before = ngram._cached_grams.cache_info().currsize
    tokens = [f"Verylongtokenwithoutspaces{i:06d}xyz" for i in range(200)]
    for token in tokens:
        assert ngram._token_grams(token) == ngram._grams_of(token)
    assert ngram._cached_grams.cache_info().currsize == before, "tokens over 24 chars: none"
    assert ngram._cached_grams.cache_info().maxsize == ngram.GRAM_CACHE
    grams = ngram._token_grams("shipment")
    assert grams == ngram._grams_of("shipment") and grams
    assert all(g is sys.intern(g) for g in grams), "one copy of each gram"


def test_phrase_index_keeps_digests_and_short_words_only() -> None:
    from mailagent.triage.rules import anchors

    index = PhraseIndex(["lead time", "packing list", "pro*forma"])
    fresh = PhraseIndex(["lead time", "packing list", "pro*forma"])
    bodies = _long_texts(300, 2_000)
    texts = [t.lower() + " x" * 3_000 + f" {'q' * 60}{i}" for i, t in enumerate(bodies)]
    for text in texts:
        assert index.candidates(text) == fresh.candidates(text) == index.candidates(text)
        fresh._text_memo.clear()
    assert 0 < len(index._text_memo) <= anchors._TEXT_CACHE
    assert all(isinstance(k, bytes) for k in index._text_memo), "digests, not the texts"
    assert all(len(w) <= anchors._WORD_CHARS for w in index._word_memo)
    assert len(anchors.text_words) <= anchors._WORDS_MEMO
    assert _kept_bytes(anchors.text_words) < anchors._WORDS_MEMO * 200


def test_intent_columns_cache_skips_long_words_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from support.modelcache import shared_model

    model = shared_model()
    fast = model._fast
    monkeypatch.setattr(fast, "_WORD_CACHE", 50)
    fast._words.clear()
    body = " ".join(f"word{i} {'z' * 40}{i}" for i in range(400))
    expected = model._pipeline.predict_proba([mail_text("RFQ", body)])[0]
    assert list(fast.proba(mail_text("RFQ", body))) == pytest.approx(list(expected))
    assert len(fast._words) <= 51
    assert all(len(w) <= fast._WORD_CHARS for w in fast._words)
    fast._words.clear()


def test_name_similarity_cache_skips_long_lines() -> None:
    from mailagent.customers import names

    before = names._cached_similarity.cache_info().currsize
    lines = [f"acme trading {i} " + "lorem ipsum " * 30 for i in range(100)]
    for line in lines:
        assert names.similarity("acme trading", line) == names._similarity("acme trading", line)
    assert names._cached_similarity.cache_info().currsize == before
    assert names.similarity("acme trading", "acme trading co") == pytest.approx(
        names._similarity("acme trading", "acme trading co")
    )
    assert names._cached_similarity.cache_info().maxsize == names.SIMILARITY_CACHE
