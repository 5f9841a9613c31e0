"""The daemon's one job table: every periodic job, what it runs and when (from the config).

Each :class:`Job` names a service call ``run(app, now)`` and a ``trigger(settings)`` that
returns an APScheduler trigger, or None when the config disables the job. ``persistent``
jobs (SLA check, scheduled reports) live in the store's database so that a run that fell
due while the daemon was down still happens (see ``daemon.scheduler``); the others run in
memory with the daemon's own App. The long-running workers (one per mailbox, the triage
worker) are not periodic jobs: ``daemon.loop`` starts them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mailagent.app import App
from mailagent.config import Settings

__all__ = ["JOBS", "Job", "clean_blob_tmp", "housekeeping", "job", "translate_pending"]

log = logging.getLogger(__name__)

TMP_MAX_AGE_SECONDS = 3600
REPORT_GRACE_SECONDS = 6 * 3600  # a daemon restarted by mid-morning still sends the report


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    name: str
    run: Callable[[App, datetime], object]
    trigger: Callable[[Settings], BaseTrigger | None]
    persistent: bool = False
    grace_seconds: int | None = None


# -- what the jobs run (thin wrappers around services) ----------------------------------------


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


def housekeeping(app: App, now: datetime) -> int:
    """Remove stale temporary blob files and log the store's state."""
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
    return removed


def translate_pending(app: App, now: datetime, limit: int = 50) -> int:
    """Translate queued inbound mail for its readers; returns how many messages were really
    translated (no-op when translation is disabled). See ``translation.inbound``."""
    from mailagent.translation.inbound import for_app, run_queue

    if not app.settings.translation.enabled:
        return 0
    return run_queue(*for_app(app), limit=limit).translated


def learn_corrections(app: App, now: datetime) -> object:
    """Corrections made elsewhere (CLI, another process) adapt this daemon's intent model."""
    from mailagent.messages.learning import refresh_if_corrected

    return refresh_if_corrected(app)


def send_approved(app: App, now: datetime) -> object:
    from mailagent.drafts.service import send_approved as send

    return send(app)


def sla_check(app: App, now: datetime) -> object:
    from mailagent.sla import service as slaservice

    return slaservice.refresh_clocks(app, now)


def report_daily(app: App, now: datetime) -> object:
    from mailagent.reports.scheduled import send_report

    return send_report(app, "daily", now)


def run_followups(app: App, now: datetime) -> object:
    from mailagent.followups.service import run_followups as run

    return run(app, now)


def report_weekly(app: App, now: datetime) -> object:
    from mailagent.reports.scheduled import send_report

    return send_report(app, "weekly", now)


# -- when ---------------------------------------------------------------------------------------


def _cron(days: str, hhmm: str, tz: str) -> CronTrigger:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=tz)


def _daily(s: Settings) -> BaseTrigger | None:
    return (
        _cron(s.report.daily_days, s.report.daily_time, s.team.timezone) if s.report.daily else None
    )


def _weekly(s: Settings) -> BaseTrigger | None:
    if not s.report.weekly:
        return None
    return _cron(s.report.weekly_day, s.report.weekly_time, s.team.timezone)


JOBS: tuple[Job, ...] = (
    Job(
        "housekeeping",
        "housekeeping",
        housekeeping,
        lambda s: IntervalTrigger(minutes=s.scheduler.housekeeping_minutes),
    ),
    Job(
        "translate",
        "background translation",
        translate_pending,
        lambda s: IntervalTrigger(seconds=s.scheduler.translation_seconds),
    ),
    Job(
        "learn-corrections",
        "adapt the intent model to new corrections",
        learn_corrections,
        lambda s: IntervalTrigger(minutes=s.scheduler.learn_minutes),
    ),
    Job(
        "send-approved",
        "send approved drafts (and complaint relays)",
        send_approved,
        lambda s: IntervalTrigger(seconds=s.scheduler.send_seconds),
    ),
    Job(
        "sla-check",
        "SLA clocks: warnings and escalations",
        sla_check,
        lambda s: IntervalTrigger(minutes=s.sla.check_minutes, timezone=s.team.timezone),
        persistent=True,
    ),
    Job("report-daily", "daily report", report_daily, _daily, True, REPORT_GRACE_SECONDS),
    Job("report-weekly", "weekly report", report_weekly, _weekly, True, REPORT_GRACE_SECONDS),
    Job(
        "followups",
        "follow-ups on silence, payment ladder, greetings",
        run_followups,
        lambda s: (
            IntervalTrigger(minutes=s.followups.check_minutes, timezone=s.team.timezone)
            if s.followups.enabled
            else None
        ),
        persistent=True,
    ),
)


def job(job_id: str) -> Job:
    """The job with this id (KeyError names the unknown id)."""
    for j in JOBS:
        if j.id == job_id:
            return j
    raise KeyError(job_id)
