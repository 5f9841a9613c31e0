"""Periodic jobs run by the daemon's scheduler: thin wrappers around services.

``run`` removes temporary files left in the blob store by an interrupted write, applies
retention when ``ops.retention_days`` is set, and logs the store's state;
``translate_pending`` translates queued inbound messages in the
background so ingest never waits for the translation model.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mailagent.app import App

__all__ = ["clean_blob_tmp", "run", "translate_pending"]

log = logging.getLogger(__name__)

TMP_MAX_AGE_SECONDS = 3600


def clean_blob_tmp(root: Path, now: float | None = None) -> int:
    """Delete ``.tmp-*`` files older than an hour (left by a crash mid-write)."""
    now = time.time() if now is None else now
    removed = 0
    for kind in ("raw", "attachments"):
        base = root / kind
        if not base.is_dir():
            continue
        for tmp in base.rglob(".tmp-*"):
            if now - tmp.stat().st_mtime > TMP_MAX_AGE_SECONDS:
                tmp.unlink(missing_ok=True)
                removed += 1
    return removed


def run(app: App) -> None:
    from mailagent.messages.service import store_summary

    removed = clean_blob_tmp(app.blobs.root)
    if app.settings.ops.retention_days > 0:
        from mailagent.ops.retention import apply_retention

        apply_retention(app, app.clock())
    summary = store_summary(app)
    log.info(
        "housekeeping: %d messages, %d waiting for triage, %d quarantined, %d pending"
        " translation; %d stale temp files removed",
        summary.messages,
        summary.pending_triage,
        summary.quarantined,
        summary.pending_translation,
        removed,
    )


def translate_pending(app: App, limit: int = 50) -> int:
    """Translate up to ``limit`` queued messages (no-op when translation is disabled)."""
    from mailagent.translation.service import build_service

    if not app.settings.translation.enabled:
        return 0
    done = build_service(app.settings, app.sessions).run_pending(limit)
    if done:
        log.info("translated %d message(s)", done)
    return done
