"""Retention deletes the raw mail of old bulk/auto-replies only, with a dry run first."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from support.apptools import mail, make_app

from mailagent.capture.ingest import ingest_raw
from mailagent.config import OpsSettings
from mailagent.db import models as m
from mailagent.ops.retention import apply_retention
from mailagent.ops.verify import verify

OLD = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_retention_spares_customer_mail_and_verify_knows(tmp_path: Path, db_url: str) -> None:
    ops = OpsSettings(retention_days=90)
    app = make_app(tmp_path, db_url, ops=ops)
    newsletter = mail(1, sender="news@bulk-mailer.example", subject="Our November offers",
                      message_id="<news-1@bulk-mailer.example>", date=OLD,
                      headers={"List-Id": "<offers.bulk-mailer.example>",
                               "List-Unsubscribe": "<mailto:u@bulk-mailer.example>"})  # fmt: skip
    ooo = mail(2, sender="tom@acmerobotics.com", subject="Automatic reply: PO 4711",
               message_id="<ooo-2@acmerobotics.com>", date=OLD,
               headers={"Auto-Submitted": "auto-replied"})  # fmt: skip
    inquiry = mail(3, message_id="<rfq-3@acmerobotics.com>", date=OLD)
    recent = mail(4, sender="news@bulk-mailer.example", message_id="<news-4@bulk-mailer.example>",
                  date=NOW - timedelta(days=3),
                  headers={"List-Id": "<offers.bulk-mailer.example>"})  # fmt: skip
    ingest_raw(app, [(newsletter, "t:1"), (ooo, "t:2"), (inquiry, "t:3"), (recent, "t:4")])
    with app.sessions() as session:
        rows = {r.message_id: r for r in session.scalars(select(m.Message))}
    assert rows["rfq-3@acmerobotics.com"].customer_id is not None  # filed: a prospect

    dry = apply_retention(app, NOW, dry_run=True)
    chosen = {p.message_id for p in dry.purges}
    assert chosen == {"news-1@bulk-mailer.example", "ooo-2@acmerobotics.com"}
    # not the inquiry (customer mail) nor the newsletter of three days ago
    assert all(app.blobs.exists("raw", p.raw_sha256, ".eml") for p in dry.purges)  # dry run

    done = apply_retention(app, NOW)
    assert {p.message_id for p in done.purges} == chosen
    assert done.files_deleted >= len(chosen)
    for p in done.purges:
        assert not app.blobs.exists("raw", p.raw_sha256, ".eml")
    kept = rows["rfq-3@acmerobotics.com"].raw_sha256
    assert app.blobs.exists("raw", kept, ".eml")
    assert verify(app).ok  # purged on purpose is not "missing"
    assert apply_retention(app, NOW).purges == ()  # idempotent

    everything = dataclasses.replace(ops, retention_dispositions=["process"])
    app.settings = dataclasses.replace(app.settings, ops=everything)
    assert apply_retention(app, NOW, dry_run=True).purges == ()  # customer mail: not asked
    asked = dataclasses.replace(everything, retention_customer_mail=True)
    app.settings = dataclasses.replace(app.settings, ops=asked)
    again = apply_retention(app, NOW, dry_run=True)
    assert {p.message_id for p in again.purges} == {"rfq-3@acmerobotics.com"}
    app.close()


def test_retention_is_off_by_default(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'm.db'}")
    ingest_raw(app, [(mail(1, date=OLD, headers={"List-Id": "<x.example>"}), "t:1")])
    report = apply_retention(app, NOW)
    assert report.purges == () and report.cutoff is None
    app.close()
