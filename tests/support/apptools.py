"""Helpers to build a real App (store + rules + model) for tests, and mail samples."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from support.dbtemplate import copy_migrated_sqlite

from mailagent.app import App, open_app
from mailagent.config import Settings, StoreSettings, TeamSettings

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


def make_settings(tmp_path: Path, db_url: str, **overrides: Any) -> Settings:
    base = Settings()
    store = StoreSettings(url=db_url, dir=str(tmp_path / "store"))
    team = dataclasses.replace(
        TeamSettings(),
        own_domains=["huaxin-pcb.com"],
        quality_address="quality@huaxin-pcb.com",
    )
    settings = dataclasses.replace(
        base,
        store=store,
        team=team,
        rules_dir=str(ROOT / "rules"),
        templates_dir=str(ROOT / "templates"),
    )
    return dataclasses.replace(settings, **overrides) if overrides else settings


def make_app(tmp_path: Path, db_url: str, model: Any = None, **overrides: Any) -> App:
    copy_migrated_sqlite(db_url)  # a new SQLite store starts as a copy of a migrated one
    app = open_app(make_settings(tmp_path, db_url, **overrides), with_model=False)
    app.model = model
    return app


def mail(
    n: int = 1,
    *,
    subject: str = "Request for quotation: 4-layer PCB",
    body: str = (
        "Dear Lily,\n\nplease quote 500 pcs of HX-4L-FR4-1.6, lead time?\n\nBest regards\nTom"
    ),
    sender: str = "tom@acmerobotics.com",
    to: str = "sales@huaxin-pcb.com",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    date: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime(2026, 11, 2, 9, n % 60, tzinfo=UTC))
    msg["Message-ID"] = message_id or f"<test-{n}@acmerobotics.com>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg.as_bytes()
