"""Logging set-up, called once by ``cli.py``; library modules only create loggers.

Decisions go to the ``mailagent.audit`` logger; IMAP protocol chatter stays at DEBUG on
``imapclient``. A filter masks anything that looks like a credential (``password=...``,
``AUTH PLAIN <b64>``, bearer tokens) in case a library logs one. ``setup(fmt="json")``
(config ``ops.log_format``) writes one JSON object per line for log shippers, with the
pipeline stage, the Message-ID and the timing as fields of their own.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime

__all__ = ["JsonLines", "RedactSecrets", "message_fields", "setup"]

_SECRET = re.compile(
    r"(?i)(password|passwd|pwd|token|secret|authorization)(\s*[=:]\s*|\s+)"
    r"((?:bearer|basic)\s+)?(\S+)"
    r"|(AUTH(?:ENTICATE)?\s+(?:PLAIN|LOGIN|XOAUTH2)\s+)\S+"
)


class RedactSecrets(logging.Filter):
    """Replace credential-looking values in log records with ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        cleaned = _SECRET.sub(_mask, msg)
        if cleaned != msg:
            record.msg, record.args = cleaned, None
        return True


def _mask(match: re.Match[str]) -> str:
    if match.group(5):
        return f"{match.group(5)}***"
    return f"{match.group(1)}{match.group(2)}***"


_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_TIMING = re.compile(r"\bin (\d+(?:\.\d+)?) ?s\b")
_STAGES = {"capture", "parse", "triage", "translation", "drafts", "send", "sla", "reports"}


def message_fields(message_id: str | None) -> dict[str, str]:
    """``extra=`` for a log call about one message: its Message-ID as ``<...>``.

    The store keeps Message-IDs without angle brackets, so a message logged as
    ``"%s stored", message_id`` would not be recognised by :class:`JsonLines` otherwise.
    """
    if not message_id:
        return {}
    return {"message_id": message_id if message_id.startswith("<") else f"<{message_id}>"}


class JsonLines(logging.Formatter):
    """One JSON object per record: ts, level, logger, stage, message_id, duration_s, msg.

    ``stage``, ``message_id`` and ``duration_s`` come from ``extra=`` when a caller gives
    them, else from the logger's package (``mailagent.triage.worker`` -> ``triage``), the
    first ``<...@...>`` in the message and an "in 1.23 s" phrase. Runs after RedactSecrets,
    so the message is already masked.
    """

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        parts = record.name.split(".")
        stage = getattr(record, "stage", None)
        if stage is None and len(parts) > 1 and parts[0] == "mailagent":
            stage = parts[1] if parts[1] in _STAGES else "audit" if parts[1] == "audit" else None
        message_id = getattr(record, "message_id", None)
        if message_id is None and (found := _MESSAGE_ID.search(msg)):
            message_id = found.group(0)
        duration = getattr(record, "duration_s", None)
        if duration is None and (timing := _TIMING.search(msg)):
            duration = float(timing.group(1))
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": msg,
        }
        for key, value in (("stage", stage), ("message_id", message_id), ("duration_s", duration)):
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup(verbosity: int = 0, log_file: str | None = None, fmt: str = "text") -> None:
    level = "DEBUG" if verbosity >= 2 else "INFO" if verbosity == 1 else "WARNING"
    handlers: dict[str, dict[str, object]] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": fmt,
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        }
    }
    if log_file:
        handlers["file"] = {
            "class": "logging.handlers.WatchedFileHandler",
            "formatter": fmt,
            "filters": ["redact"],
            "filename": log_file,
        }
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"redact": {"()": RedactSecrets}},
            "formatters": {
                "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                "json": {"()": JsonLines},
            },
            "handlers": handlers,
            "root": {"level": level, "handlers": list(handlers)},
            "loggers": {
                "imapclient": {"level": "DEBUG" if verbosity >= 3 else "WARNING"},
                "apscheduler": {"level": "WARNING" if verbosity < 2 else "INFO"},
                "alembic": {"level": "WARNING"},
            },
        }
    )
