"""JSON-lines logs: one object per line with stage, Message-ID and timing; secrets masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.apptools import mail, make_app

from mailagent import logs
from mailagent.capture.ingest import ingest_raw


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """``logs.setup(fmt="json")``, with the console handler writing to a buffer."""
    logs.setup(1, fmt="json")
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, logging.StreamHandler)
    assert isinstance(handler.formatter, logs.JsonLines)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    logs.setup(0)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line]


def test_fields_are_inferred_from_logger_message_and_timing(
    json_logs: io.StringIO,
) -> None:
    logging.getLogger("mailagent.triage.worker").info("triaged %d message(s) in %.2f s", 3, 0.25)
    logging.getLogger("mailagent.capture.ingest").info(
        "%s stored (%s)", "<po-1@acme.example>", "imap://x/INBOX;UID=1"
    )
    first, second = lines(json_logs)
    assert first["stage"] == "triage"
    assert first["duration_s"] == 0.25
    assert first["level"] == "INFO"
    assert second["stage"] == "capture"
    assert second["message_id"] == "<po-1@acme.example>"
    assert str(second["ts"]).endswith("+00:00")


def test_explicit_extra_fields_win_and_secrets_stay_masked(
    json_logs: io.StringIO,
) -> None:
    logging.getLogger("mailagent.ops.backup").info(
        "login with password=hunter2 for %s",
        "sales",
        extra={"stage": "backup", "message_id": "<m@x>", "duration_s": 1.5},
    )
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("mailagent.send.outbox").exception("draft 4 failed")
    entry, failure = lines(json_logs)
    assert entry["stage"] == "backup"
    assert entry["message_id"] == "<m@x>"
    assert entry["duration_s"] == 1.5
    assert "hunter2" not in json.dumps(entry)
    assert failure["stage"] == "send"
    assert "ValueError: boom" in str(failure["exc"])


def test_the_pipeline_logs_carry_message_id_stage_and_timing(
    json_logs: io.StringIO, tmp_path: Path
) -> None:
    """Real capture and triage, not hand-written records: the store keeps Message-IDs bare."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'm.db'}")
    try:
        ingest_raw(app, [(mail(1, message_id="<json-1@acmerobotics.com>"), "imap://x/INBOX;UID=1")])
    finally:
        app.close()
    entries = lines(json_logs)
    stored = [e for e in entries if e.get("stage") == "capture" and "stored" in str(e["msg"])]
    assert stored and stored[0]["message_id"] == "<json-1@acmerobotics.com>", entries
    (triaged,) = [e for e in entries if "triaged: lang=" in str(e["msg"])]
    assert triaged["stage"] == "triage" and triaged["logger"] == "mailagent.audit"
    assert triaged["message_id"] == "<json-1@acmerobotics.com>"
    assert isinstance(triaged["duration_s"], float) and triaged["duration_s"] > 0
