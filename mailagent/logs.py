"""Logging set-up, called once by ``cli.py``; library modules only create loggers.

Decisions go to the ``mailagent.audit`` logger; IMAP protocol chatter stays at DEBUG on
``imapclient``. A filter masks anything that looks like a credential (``password=...``,
``AUTH PLAIN <b64>``, bearer tokens) in case a library logs one.
"""

from __future__ import annotations

import logging
import logging.config
import re

__all__ = ["RedactSecrets", "setup"]

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


def setup(verbosity: int = 0, log_file: str | None = None) -> None:
    level = "DEBUG" if verbosity >= 2 else "INFO" if verbosity == 1 else "WARNING"
    handlers: dict[str, dict[str, object]] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        }
    }
    if log_file:
        handlers["file"] = {
            "class": "logging.handlers.WatchedFileHandler",
            "formatter": "plain",
            "filters": ["redact"],
            "filename": log_file,
        }
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"redact": {"()": RedactSecrets}},
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": handlers,
            "root": {"level": level, "handlers": list(handlers)},
            "loggers": {
                "imapclient": {"level": "DEBUG" if verbosity >= 3 else "WARNING"},
                "apscheduler": {"level": "WARNING" if verbosity < 2 else "INFO"},
                "alembic": {"level": "WARNING"},
            },
        }
    )
