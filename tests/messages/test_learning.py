"""Learning from corrections: the corrections store (SQLite + PostgreSQL), the reclassify
path that fills it, and the model adapting so the same kind of mail is right next time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.db import corrections
from mailagent.db import models as m
from mailagent.messages.learning import refresh_if_corrected, refresh_model
from mailagent.messages.listing import MessageFilter, list_messages
from mailagent.messages.service import reclassify
from mailagent.records import Intent
from mailagent.triage.intent_model import Example, IntentModel

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

# A tiny corpus of our own: enough for a model that knows the five intents, small enough
# to train in well under a second.
MINI = {
    "inquiry": [
        "Please quote 500 pcs of 4-layer boards and tell us the lead time.",
        "What is your MOQ and unit price for aluminium PCBs?",
        "Could you send your price list and a catalogue?",
        "Do you offer samples before we order?",
    ],
    "order": [
        "Attached is our purchase order PO 4711 for 2,000 pcs, please confirm.",
        "We place the order as quoted, please start production.",
        "Please confirm our PO and the delivery date.",
        "Repeat order: same boards as last time, 1,000 pcs.",
    ],
    "complaint": [
        "The boards you shipped are defective, many show shorts.",
        "We received damaged goods and want a replacement.",
        "The delivery is three weeks late, this is unacceptable.",
        "Half of the units fail our test, we return them.",
    ],
    "payment": [
        "We paid the 30% deposit today, bank slip attached.",
        "Your invoice amount is wrong, please correct it.",
        "Please send your bank details for the balance payment.",
        "Has our transfer arrived? Please confirm receipt.",
    ],
    "other": [
        "Our office is closed next week for the holiday.",
        "Can we meet at the trade fair in Munich?",
        "Happy new year to you and your team.",
        "Please update our company address in your records.",
    ],
}


@pytest.fixture
def mini_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for label, texts in MINI.items():
            for text in texts:
                fh.write(json.dumps({"subject": "", "text": text, "label": label}) + "\n")
    return path


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    yield a
    a.close()


def _store(app: App, n: int, subject: str, body: str) -> int:
    (result,) = ingest_raw(app, [(mail(n, subject=subject, body=body), f"m{n}")])
    assert result.message_pk is not None
    return result.message_pk


def test_reclassify_keeps_the_correction_as_an_example(app: App) -> None:
    pk = _store(app, 1, "Warranty card", "Please register the warranty card of unit 88-123.")
    with app.sessions() as s, s.begin():
        row = s.get(m.Message, pk)
        assert row is not None
        row.needs_review, row.review_reasons = True, ["confidence 0.30 below 0.55"]
        before = corrections.digest(s)
    assert [x.id for x in list_messages(app, MessageFilter(needs_review=True))] == [pk]
    reclassify(app, pk, "complaint", "lily")
    assert (
        list_messages(app, MessageFilter(needs_review=True)) == []
    )  # a person decided: off the queue
    with app.sessions() as s:
        (kept,) = s.scalars(select(m.TriageCorrection)).all()
        assert (kept.kind, kept.label, kept.actor, kept.message_pk) == (
            "intent",
            "complaint",
            "lily",
            pk,
        )
        assert kept.subject == "Warranty card"
        assert "register the warranty card" in kept.text
        assert corrections.digest(s) != before
        assert corrections.examples(s) == [Example("Warranty card", kept.text, "complaint")]
    reclassify(app, pk, "other", "tom")  # corrected again: the last label wins
    with app.sessions() as s:
        assert [e.label for e in corrections.examples(s)] == ["other"]
        assert len(s.scalars(select(m.TriageCorrection)).all()) == 2  # both kept for audit


def test_disposition_corrections_share_the_store_but_not_the_intent_examples(app: App) -> None:
    with app.sessions() as s, s.begin():
        corrections.record(
            s, kind="disposition", label="spam", subject="WIN", text="cheap pills",
            actor="lily", now=NOW, previous="customer",
        )  # fmt: skip
        corrections.record(
            s, kind="intent", label="payment", subject="", text="bank slip", actor="lily", now=NOW
        )
        with pytest.raises(ValueError, match="unknown correction kind 'junk'"):
            corrections.record(s, kind="junk", label="x", subject="", text="", actor="a", now=NOW)
    with app.sessions() as s:
        assert [e.label for e in corrections.examples(s, "disposition")] == ["spam"]
        assert [e.label for e in corrections.examples(s)] == ["payment"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_model_adapts_so_the_same_kind_of_mail_is_right_next_time(
    app: App, mini_corpus: Path
) -> None:
    app.model = IntentModel.load_or_train(Path(app.settings.store.dir), mini_corpus)
    kind = "Calibration certificate for gauge {n}: the certificate for gauge {n} has expired."
    probe = ("", kind.format(n="K-7731"))
    assert app.model.predict_text(*probe)[0][0] is not Intent.COMPLAINT  # before learning
    for n, gauge in enumerate(("G-100", "G-220", "H-310"), 1):
        pk = _store(app, n, "", kind.format(n=gauge))
        reclassify(app, pk, "complaint", "lily")
    old_key = app.model.key
    model = refresh_model(app, mini_corpus)
    assert model is not None and model.key != old_key and model.corrections == 3
    assert app.model is model
    assert app.model.predict_text(*probe)[0][0] is Intent.COMPLAINT
    assert (Path(app.settings.store.dir) / "models" / f"intent-{model.key}.joblib").exists()
    # persisted: another process opening the store loads the same adapted model
    with app.sessions() as s:
        examples = corrections.examples(s)
    again = IntentModel.load_or_train(Path(app.settings.store.dir), mini_corpus, examples)
    assert again.key == model.key and again.train_seconds == 0.0
    # the daemon's job sees nothing new, then a correction from elsewhere
    assert refresh_if_corrected(app, mini_corpus) is False
    pk = _store(app, 9, "", "Please quote 300 pcs of flex boards.")
    reclassify(app, pk, "inquiry", "cli")
    assert refresh_if_corrected(app, mini_corpus) is True
    assert app.model.corrections == 4


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_triage_worker_adapts_its_own_model_to_corrections_made_elsewhere(
    app: App, mini_corpus: Path
) -> None:
    """Each triage worker process has its own model (the daemon's learn job cannot swap
    it): the worker adapts it at start, then at most every ``learn_minutes``."""
    import threading
    import time

    from mailagent.daemon.triageworker import TriageWorker

    app.model = IntentModel.load_or_train(Path(app.settings.store.dir), mini_corpus)
    worker = TriageWorker(app, threading.Event(), 60.0, corpus=mini_corpus)
    assert worker.learn_seconds == 60.0 * app.settings.scheduler.learn_minutes > 0
    kind = "Calibration certificate for gauge {n}: the certificate for gauge {n} has expired."
    probe = ("", kind.format(n="K-7731"))
    assert app.model.predict_text(*probe)[0][0] is not Intent.COMPLAINT
    for n, gauge in enumerate(("G-100", "G-220", "H-310"), 1):  # made in "another process"
        reclassify(app, _store(app, n, "", kind.format(n=gauge)), "complaint", "lily")
    assert worker.learn() is False  # not due yet: the first check waits learn_minutes
    assert worker.learn(now=True) is True  # at the worker's start
    assert app.model.corrections == 3 and worker.learned == 1
    assert app.model.predict_text(*probe)[0][0] is Intent.COMPLAINT
    worker.learn_due = time.monotonic()  # due: nothing new costs one digest query
    assert worker.learn() is False and worker.learned == 1
    reclassify(app, _store(app, 9, "", "Please quote 300 pcs of flex boards."), "inquiry", "cli")
    worker.learn_due = time.monotonic()
    assert worker.learn() is True and app.model.corrections == 4
