"""The ingest spine on SQLite and PostgreSQL: store, dedup, thread, quarantine, reprocess."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture import ingest as ingest_mod
from mailagent.capture.imap import FolderState
from mailagent.capture.ingest import IngestResult, IngestStatus, ingest_batch, ingest_raw, reprocess
from mailagent.config import ParseSettings
from mailagent.db import models as m
from mailagent.records import FetchedMail
from mailagent.triage import pipeline


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    yield a
    a.close()


def _count(app: App, model: type[m.Base]) -> int:
    with app.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _fetched(raw: bytes, uid: int, uidvalidity: int = 7, folder: str = "INBOX") -> FetchedMail:
    return FetchedMail(
        raw=raw,
        mailbox="sales",
        folder=folder,
        uidvalidity=uidvalidity,
        uid=uid,
        origin=f"sales/{folder}/{uid}",
    )


def _second_of_three_fails(app: App) -> tuple[list[FetchedMail], list[IngestResult]]:
    """Ingest three messages of which the second (subject "explode") fails somewhere."""
    batch = [_fetched(mail(1), 1), _fetched(mail(2, subject="explode"), 2), _fetched(mail(3), 3)]
    results = ingest_batch(app, "sales", batch, FolderState(7, 3))
    assert [r.status for r in results] == [
        IngestStatus.STORED,
        IngestStatus.QUARANTINED,
        IngestStatus.STORED,
    ]
    return batch, results


def test_raw_bytes_are_kept_and_message_stored(app: App) -> None:
    raw = mail(1)
    (result,) = ingest_raw(app, [(raw, "t1.eml")])
    assert result.status is IngestStatus.STORED
    with app.sessions() as s:
        msg = s.get(m.Message, result.message_pk)
        assert msg is not None
        assert app.blobs.get_raw(msg.raw_sha256) == raw
        assert msg.from_email == "tom@acmerobotics.com"
        assert msg.subject == "Request for quotation: 4-layer PCB"
        assert msg.language == "en"
        assert msg.intent == "inquiry"
        assert msg.intent_reasons, "the decision must record why"
        assert msg.thread_id is not None


def test_same_location_and_same_message_id_are_not_duplicated(app: App) -> None:
    batch = [_fetched(mail(n), uid=n) for n in range(1, 6)]
    first = ingest_batch(app, "sales", batch, FolderState(7, 5))
    assert [r.status for r in first] == [IngestStatus.STORED] * 5
    again = ingest_batch(app, "sales", batch, FolderState(7, 5))
    assert [r.status for r in again] == [IngestStatus.DUPLICATE] * 5
    # the same message seen in another folder: one message, two locations
    ingest_batch(app, "sales", [_fetched(mail(1), uid=1, folder="Archive")], None)
    assert _count(app, m.Message) == 5
    assert _count(app, m.MessageLocation) == 6
    with app.sessions() as s:
        state = s.scalar(select(m.FolderState).where(m.FolderState.folder == "INBOX"))
        assert state is not None and (state.uidvalidity, state.last_uid) == (7, 5)


def test_uidvalidity_change_resyncs_without_duplicates(app: App) -> None:
    ingest_batch(app, "sales", [_fetched(mail(n), uid=n) for n in (1, 2)], FolderState(7, 2))
    # server renumbered everything: same messages under new UIDs, plus one new message
    renumbered = [_fetched(mail(n), uid=10 + n, uidvalidity=8) for n in (1, 2, 3)]
    results = ingest_batch(app, "sales", renumbered, FolderState(8, 13))
    assert [r.status for r in results] == [IngestStatus.DUPLICATE] * 2 + [IngestStatus.STORED]
    assert _count(app, m.Message) == 3
    with app.sessions() as s:
        state = s.scalar(select(m.FolderState))
        assert state is not None and (state.uidvalidity, state.last_uid) == (8, 13)


def test_threading_by_references_token_and_subject(app: App) -> None:
    ingest_raw(app, [(mail(1, message_id="<root@acme>"), "a")])
    ingest_raw(
        app,
        [
            (
                mail(
                    2,
                    subject="Re: Request for quotation: 4-layer PCB",
                    message_id="<r1@acme>",
                    in_reply_to="<root@acme>",
                    references="<root@acme>",
                ),
                "b",
            )
        ],
    )
    # a reply to a message we never stored, referencing the root: same thread
    ingest_raw(
        app,
        [
            (
                mail(
                    3,
                    subject="Re: Re: Request for quotation",
                    message_id="<r2@acme>",
                    references="<root@acme> <unseen@huaxin>",
                ),
                "c",
            )
        ],
    )
    # token thread
    ingest_raw(
        app,
        [
            (
                mail(
                    4, subject="[HX-Q2026-0117] Quotation for 6-layer board", message_id="<t1@acme>"
                ),
                "d",
            )
        ],
    )
    ingest_raw(
        app, [(mail(5, subject="AW: [HX-Q2026-0117] price too high", message_id="<t2@acme>"), "e")]
    )
    with app.sessions() as s:
        tid = {mid: t for mid, t in s.execute(select(m.Message.message_id, m.Message.thread_id))}
        methods = dict(s.execute(select(m.Message.message_id, m.Message.thread_method)).all())
    assert tid["root@acme"] == tid["r1@acme"] == tid["r2@acme"]
    assert methods["r1@acme"] == "references"
    assert tid["t1@acme"] == tid["t2@acme"] != tid["root@acme"]
    assert methods["t2@acme"] == "token"


def test_one_bad_message_is_quarantined_and_the_batch_goes_on(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure in the capture stage: raw + reason + server location kept, not stored."""
    real_parse = ingest_mod.parse_message

    def flaky(raw, *args):  # type: ignore[no-untyped-def]
        if b"explode" in raw:
            raise RuntimeError("parser failure for this message")
        return real_parse(raw, *args)

    monkeypatch.setattr(ingest_mod, "parse_message", flaky)
    batch, results = _second_of_three_fails(app)
    assert "RuntimeError: parser failure" in results[1].reason
    with app.sessions() as s:
        row = s.scalar(select(m.Quarantine))
        assert row is not None and row.uid == 2 and "Traceback" in row.detail
        assert row.stage == "ingest" and row.message_pk is None
        assert app.blobs.get_raw(row.raw_sha256) == batch[1].raw
        state = s.scalar(select(m.FolderState))
        assert state is not None and state.last_uid == 3
        assert s.scalar(select(func.count()).select_from(m.Message)) == 2
    # the fix is deployed: reprocess succeeds and resolves the entry
    monkeypatch.setattr(ingest_mod, "parse_message", real_parse)
    assert results[1].quarantine_id is not None
    again = reprocess(app, results[1].quarantine_id)
    assert again.status is IngestStatus.STORED
    with app.sessions() as s:
        row = s.scalar(select(m.Quarantine))
        assert row is not None and row.resolved_at is not None and row.message_pk
        assert s.scalar(select(func.count()).select_from(m.MessageLocation)) == 3
        stored = s.get(m.Message, row.message_pk)
        assert stored is not None and stored.status == "triaged" and stored.intent
    with pytest.raises(LookupError, match="already resolved"):
        reprocess(app, results[1].quarantine_id)


def test_triage_failure_keeps_the_message_and_reprocess_retriages(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure in the triage stage: the message stays stored, its triage is quarantined."""
    real_run = pipeline.run

    def flaky(mail_obj, env):  # type: ignore[no-untyped-def]
        if "explode" in mail_obj.subject:
            raise RuntimeError("stage failure for this message")
        return real_run(mail_obj, env)

    monkeypatch.setattr(pipeline, "run", flaky)
    _, results = _second_of_three_fails(app)
    assert "triage failed: RuntimeError: stage failure" in results[1].reason
    assert results[1].message_pk is not None
    with app.sessions() as s:
        entry = s.scalar(select(m.Quarantine))
        assert entry is not None and entry.stage == "triage" and "Traceback" in entry.detail
        assert entry.message_pk == results[1].message_pk
        kept = s.get(m.Message, results[1].message_pk)
        assert kept is not None and kept.status == "triage_failed" and kept.intent is None
        others = s.scalars(select(m.Message.status).where(m.Message.id != kept.id)).all()
        assert others == ["triaged", "triaged"]
        assert s.scalar(select(func.count()).select_from(m.MessageLocation)) == 3
    # still broken: the entry counts another attempt, nothing is duplicated
    again = reprocess(app, results[1].quarantine_id or 0)
    assert again.status is IngestStatus.QUARANTINED
    monkeypatch.setattr(pipeline, "run", real_run)
    fixed = reprocess(app, results[1].quarantine_id or 0)
    assert fixed.status is IngestStatus.STORED and fixed.message_pk == results[1].message_pk
    with app.sessions() as s:
        entry = s.scalar(select(m.Quarantine))
        assert entry is not None and entry.resolved_at is not None and entry.attempts == 2
        kept = s.get(m.Message, results[1].message_pk)
        assert kept is not None and kept.status == "triaged" and kept.intent is not None
        assert s.scalar(select(func.count()).select_from(m.Message)) == 3


def test_oversized_message_quarantined_with_reason(app: App) -> None:
    small = dataclasses.replace(app.settings, parse=ParseSettings(max_message_bytes=200))
    app.settings = small
    (result,) = ingest_raw(app, [(mail(1, body="x" * 500), "big.eml")])
    assert result.status is IngestStatus.QUARANTINED
    assert "unparseable" in result.reason


def test_nul_bytes_and_garbage_never_crash(app: App) -> None:
    raws = [
        (b"\x00\x01\x02 not a mail at all", "garbage"),
        (mail(1, body="text with a NUL \x00 in it"), "nul"),
        (b"", "empty"),
    ]
    results = ingest_raw(app, raws)
    assert all(r.status in (IngestStatus.STORED, IngestStatus.QUARANTINED) for r in results)
    assert _count(app, m.Message) + _count(app, m.Quarantine) == 3


def test_auto_reply_is_filed_but_never_replied(app: App) -> None:
    raw = mail(
        1, subject="Automatic reply: Out of office", headers={"Auto-Submitted": "auto-replied"}
    )
    (result,) = ingest_raw(app, [(raw, "ooo")])
    with app.sessions() as s:
        msg = s.get(m.Message, result.message_pk)
        assert msg is not None
        assert msg.disposition == "no_reply" and msg.auto_reply == "auto_reply"
        assert msg.intent == "other" and msg.intent_decided_by == "autoreply"


def test_foreign_language_queued_for_translation(app: App) -> None:
    raw = mail(
        1,
        subject="Anfrage Leiterplatten",
        body="Sehr geehrte Damen und Herren,\n\nbitte senden Sie uns ein Angebot über "
        "500 Stück Leiterplatten mit vier Lagen.\n\nMit freundlichen Grüßen",
    )
    (result,) = ingest_raw(app, [(raw, "de")])
    with app.sessions() as s:
        msg = s.get(m.Message, result.message_pk)
        assert msg is not None and msg.language == "de"
        # which language it goes to is decided per reader by the translation job
        assert msg.translation_status == "pending" and msg.translation_target is None
