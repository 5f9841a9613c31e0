"""Tests for intent_model.py and the shipped training corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from support.modelcache import shared_model

from mailagent.records import AutoReplyKind, InboundMail, Intent
from mailagent.triage.intent_model import CORPUS, IntentModel, cache_key, load_corpus, mail_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return shared_model()  # trained once per test run; the cache tests below train their own


def test_corpus_is_big_diverse_and_valid() -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 1000
    labels = Counter(row["label"] for row in rows)
    assert set(labels) == {i.value for i in Intent}
    assert min(labels.values()) >= 300
    langs = Counter(row["lang"] for row in rows)
    assert {"en", "zh", "de", "es", "ja", "fr", "pt", "it", "ru"} <= set(langs)
    assert all(count >= 100 for count in langs.values())
    texts, _ = load_corpus()
    assert len(set(texts)) == len(texts)


def test_shipped_corpus_matches_its_generator() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_intent_corpus.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_predict_returns_probabilities_best_first(model: IntentModel) -> None:
    result = model.predict_text("RFQ", "Please quote 500 pcs of 4-layer boards")
    assert result[0][0] is Intent.INQUIRY
    assert {intent for intent, _ in result} == set(Intent)
    assert sum(p for _, p in result) == pytest.approx(1.0)
    assert [p for _, p in result] == sorted((p for _, p in result), reverse=True)


@pytest.mark.parametrize(
    ("subject", "body", "intent"),
    [
        ("", "My card payment was declined at the shop", Intent.PAYMENT),
        ("", "I want a refund, the blender arrived broken", Intent.COMPLAINT),
        ("", "where is my package? I ordered last week", Intent.ORDER),
        ("", "I forgot my password and cannot log in", Intent.OTHER),
        ("询价", "请报一下四层板的价格", Intent.INQUIRY),
        ("Bestellung", "Anbei unsere Bestellung über 500 Stück", Intent.ORDER),
    ],
)
def test_model_alone_gets_clear_cases(
    model: IntentModel, subject: str, body: str, intent: Intent
) -> None:
    assert model.predict_text(subject, body)[0][0] is intent


def test_fast_path_equals_scikit_learn(model: IntentModel) -> None:
    items = [
        ("", "My card payment was declined 123"),
        ("PO 45001", "Attached our purchase order"),
        ("注文", "注文書を送ります"),
        ("", "zzzz qqqq"),
        ("", ""),
        (
            "Rechnungsabweichung",
            "Sehr geehrte Damen und Herren,\n\nauf der Rechnung 2026-118 ist der Betrag falsch. "
            "Die Rechnung wurde doppelt belastet, bitte prüfen Sie die Rechnung.\n\nMfG\nAnna",
        ),
        ("Re: Rechnungsabweichung", "Die Rechnung ist noch immer falsch: a ab abc."),
    ]
    for _ in range(2):  # the second round reads every word from the per-word cache
        batch = model.predict_many(items)
        for (subject, body), expected in zip(items, batch, strict=True):
            single = dict(model.predict_text(subject, body))
            for intent, p in expected:
                assert single[intent] == pytest.approx(p, abs=1e-9)


def test_predict_mail_uses_subject_and_new_text(model: IntentModel) -> None:
    quoted = "> please quote 5000 pcs, what is the price?"
    mail = InboundMail(
        raw_sha256="0" * 64, raw_size=1, message_id="m@x", message_id_synthetic=False,
        subject="Payment", from_=None, sender=None, reply_to=(), to=(), cc=(), date=None,
        in_reply_to=None, references=(), headers=(), text=f"Bank slip attached\n{quoted}",
        html=None, new_text="Bank slip attached", quoted_text=quoted, signature="",
        attachments=(), auto_reply=AutoReplyKind.NONE, auto_reply_reason=None, charsets=(),
        defects=(),
    )  # fmt: skip
    assert model.predict(mail) == model.predict_text("Payment", "Bank slip attached")


def test_cache_is_written_and_reused(tmp_path: Path) -> None:
    first = IntentModel.load_or_train(tmp_path)
    files = list((tmp_path / "models").glob("intent-*.joblib"))
    assert [f.name for f in files] == [f"intent-{cache_key(CORPUS)}.joblib"]
    assert first.train_seconds > 0
    second = IntentModel.load_or_train(tmp_path)
    assert second.train_seconds == 0.0  # loaded, not trained
    assert second.predict_text("", "bank slip attached") == first.predict_text(
        "", "bank slip attached"
    )


def test_corrupt_cache_is_retrained(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path / "small.jsonl")  # the retraining, not the corpus, is tested
    path = tmp_path / "models" / f"intent-{cache_key(corpus)}.joblib"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    model = IntentModel.load_or_train(tmp_path, corpus)
    assert model.train_seconds > 0
    assert IntentModel.load_or_train(tmp_path, corpus).train_seconds == 0.0  # overwritten


def _small_corpus(path: Path, per_label: int = 12) -> Path:
    """The first ``per_label`` rows of each intent of the shipped corpus (trains in a blink)."""
    kept: Counter[str] = Counter()
    with path.open("w", encoding="utf-8") as out:
        for line in CORPUS.read_text(encoding="utf-8").splitlines():
            label = json.loads(line)["label"]
            if kept[label] < per_label:
                kept[label] += 1
                out.write(line + "\n")
    return path


def test_cache_key_follows_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(CORPUS.read_text(encoding="utf-8"), encoding="utf-8")
    before = cache_key(corpus)
    with corpus.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"subject": "", "text": "one more", "label": "other"}) + "\n")
    assert cache_key(corpus) != before


def test_bad_label_is_rejected(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"subject": "", "text": "x", "label": "sales"}) + "\n")
    with pytest.raises(ValueError, match="sales"):
        load_corpus(corpus)


def test_mail_text_is_bounded() -> None:
    assert len(mail_text("s", "x" * 100_000)) <= 4000
