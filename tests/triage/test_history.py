"""Day one on an existing mailbox: mail older than the history cut-off is filed and
classified but gets no drafts, no SLA clocks and no relays; newer mail is handled in full,
its clock starting from the mail's own arrival time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture.imap import FolderState
from mailagent.capture.ingest import ingest_batch, ingest_raw
from mailagent.db import models as m
from mailagent.db.history import history_cutoff
from mailagent.records import FetchedMail
from mailagent.sla import service as sla
from mailagent.triage.worker import triage_pending

NOW = datetime.now(UTC)


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    yield a
    a.close()


def _imap(raw: bytes, uid: int, arrived: datetime | None) -> FetchedMail:
    return FetchedMail(
        raw=raw,
        mailbox="sales",
        folder="INBOX",
        uidvalidity=7,
        uid=uid,
        origin=f"imap://127.0.0.1/INBOX;UIDVALIDITY=7/;UID={uid}",
        internal_date=arrived,
    )


def _rows(app: App) -> dict[str, m.Message]:
    with app.sessions() as s:
        return {r.message_id: r for r in s.scalars(select(m.Message))}


def _drafted(app: App) -> set[int]:
    with app.sessions() as s:
        return set(s.scalars(select(m.Draft.message_pk)))


def test_first_sync_files_old_mail_without_drafts_or_clocks(app: App) -> None:
    complaint = "The boards of order PO-7781 arrived damaged, 30 pcs are broken. Please help."
    batch = [
        _imap(mail(1, message_id="<old-rfq@acme>"), 1, NOW - timedelta(days=40)),
        _imap(
            mail(2, message_id="<old-complaint@acme>", subject="Damaged boards", body=complaint),
            2,
            NOW - timedelta(days=10),
        ),
        _imap(mail(3, message_id="<new-rfq@acme>"), 3, NOW - timedelta(days=1)),
    ]
    ingest_batch(app, "sales", batch, FolderState(7, 3), triage=False)
    assert triage_pending(app) == 3
    rows = _rows(app)
    with app.sessions() as s:
        cutoff = history_cutoff(s, app.settings.imap.history_days)
    assert cutoff is not None and NOW - timedelta(days=4) < cutoff < NOW - timedelta(days=2)
    old, old_complaint, new = rows["old-rfq@acme"], rows["old-complaint@acme"], rows["new-rfq@acme"]
    # history is classified and filed like any mail ...
    assert (old.disposition, old.intent, old.status) == ("history", "inquiry", "triaged")
    assert old.customer_id is not None and old.language == "en"
    assert (old_complaint.disposition, old_complaint.intent) == ("history", "complaint")
    # ... but gets no reply, no relay and no SLA clock; new mail gets all of them
    assert new.disposition == "process"
    assert _drafted(app) == {new.id}
    sla.refresh_clocks(app, NOW, notify=False, since=NOW - timedelta(days=60))
    with app.sessions() as s:
        clocks = list(s.scalars(select(m.SlaClock)))
    assert [c.message_pk for c in clocks] == [new.id]
    started = clocks[0].started_at
    started = started if started.tzinfo else started.replace(tzinfo=UTC)
    assert abs(started - (NOW - timedelta(days=1))) < timedelta(seconds=1), "own arrival time"


def test_later_sync_keeps_the_cut_off_of_the_first(app: App) -> None:
    first_mail = _imap(mail(1, message_id="<a@acme>"), 1, NOW)
    ingest_batch(app, "sales", [first_mail], FolderState(7, 1), triage=False)
    with app.sessions() as s:
        first = history_cutoff(s, 3)
    late = _imap(mail(2, message_id="<b@acme>"), 2, NOW - timedelta(days=5))
    ingest_batch(app, "sales", [late], FolderState(7, 2), triage=False)
    with app.sessions() as s:
        assert history_cutoff(s, 3) == first
    triage_pending(app)
    assert _rows(app)["b@acme"].disposition == "history"


def test_imported_mail_is_never_history(app: App) -> None:
    old = mail(1, message_id="<imported@acme>", date=NOW - timedelta(days=300))
    (result,) = ingest_raw(app, [(old, "archive/1.eml")], triage=True)
    row = _rows(app)["imported@acme"]
    assert row.disposition == "process"
    assert _drafted(app) == {result.message_pk}


def test_a_date_header_in_the_future_is_not_believed(app: App) -> None:
    future = mail(1, message_id="<future@acme>", date=NOW + timedelta(days=30))
    ingest_batch(app, "sales", [_imap(future, 1, None)], FolderState(7, 1), triage=False)
    received = _rows(app)["future@acme"].received_at
    received = received if received.tzinfo else received.replace(tzinfo=UTC)
    assert abs(received - datetime.now(UTC)) < timedelta(minutes=5)
