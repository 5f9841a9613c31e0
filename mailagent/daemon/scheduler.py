"""APScheduler wiring for the SLA check and the scheduled reports; the jobs only trigger.

``add_jobs(scheduler, app)`` (called by the daemon before ``scheduler.start()``) adds a
persistent ``SQLAlchemyJobStore`` on the store's own database (table ``apscheduler_jobs``,
alias ``"db"``) and the jobs ``sla-check`` (interval), ``report-daily`` and
``report-weekly`` (cron in the team time zone). A persistent store pickles its jobs, so a
job must name an importable module-level function with picklable arguments; the App (an
engine, a session factory) is neither. Every job is therefore ``run_job(name, settings,
clock)``: the frozen ``Settings`` (they hold no secrets, only the names of environment
variables) and the clock (a module-level function such as ``app.utcnow``). ``run_job``
opens a short-lived App, calls the service with ``now=app.clock()`` and closes it (P14).
``add_jobs`` replaces the stored jobs at every start, so a changed config applies at the
next restart; a run that fell due while the daemon was down keeps its stored time, so a
missed report still goes out within its misfire grace time (six hours), which is what
persisting the jobs is for. APScheduler 3 does not coordinate several
schedulers on one job store; with several daemons on one database a job may run twice,
which the services make harmless (clocks and reports are claimed in the database first).
"""

from __future__ import annotations

import contextlib
import logging
import pickle
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from mailagent.app import App, open_app, utcnow
from mailagent.config import Settings
from mailagent.followups.service import run_followups
from mailagent.sla import service as slaservice

__all__ = ["JOBS", "JOBSTORE", "TABLE", "add_jobs", "run_job"]

log = logging.getLogger(__name__)

JOBSTORE = "db"
TABLE = "apscheduler_jobs"
REPORT_GRACE_SECONDS = 6 * 3600  # a daemon restarted by mid-morning still sends the report


def _sla_check(app: App, now: datetime) -> object:
    return slaservice.refresh_clocks(app, now)


def _report_daily(app: App, now: datetime) -> object:
    return slaservice.send_report(app, "daily", now)


def _report_weekly(app: App, now: datetime) -> object:
    return slaservice.send_report(app, "weekly", now)


JOBS: dict[str, Callable[[App, datetime], object]] = {
    "sla-check": _sla_check,
    "report-daily": _report_daily,
    "report-weekly": _report_weekly,
    "followups": run_followups,  # issue 14: silence follow-ups, payment ladder, greetings
}


def run_job(name: str, settings: Settings, clock: Callable[[], datetime] = utcnow) -> object:
    """What every stored job runs: open an App, call the service with ``now=clock()``."""
    app = open_app(settings, clock=clock, migrate=False, with_model=False)
    try:
        result = JOBS[name](app, app.clock())
        log.debug("job %s: %s", name, result)
        return result
    finally:
        app.close()


def _cron(days: str, hhmm: str, tz: str) -> CronTrigger:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=tz)


def _missed_run(store: SQLAlchemyJobStore, name: str, now: datetime) -> datetime | None:
    """The stored next run time of job ``name`` if it is already past (else None)."""
    with store.engine.connect() as conn:
        stamp = conn.execute(
            select(store.jobs_t.c.next_run_time).where(store.jobs_t.c.id == name)
        ).scalar()
    if stamp is None:
        return None
    when = datetime.fromtimestamp(float(stamp), UTC)
    return when if when < now else None


def add_jobs(scheduler: BaseScheduler, app: App) -> list[str]:
    """Add the persistent job store and the SLA/report jobs; returns the job ids added."""
    try:
        pickle.dumps(app.clock)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ValueError(
            f"app.clock must be picklable for the persistent job store: {exc}"
        ) from exc
    store = SQLAlchemyJobStore(engine=app.engine, tablename=TABLE)
    store.jobs_t.create(app.engine, checkfirst=True)  # also before scheduler.start()
    s = app.settings
    tz = s.team.timezone
    wanted: dict[str, tuple[object, int | None]] = {
        "sla-check": (IntervalTrigger(minutes=s.sla.check_minutes, timezone=tz), None)
    }
    if s.report.daily:
        wanted["report-daily"] = (
            _cron(s.report.daily_days, s.report.daily_time, tz),
            REPORT_GRACE_SECONDS,
        )
    if s.report.weekly:
        wanted["report-weekly"] = (
            _cron(s.report.weekly_day, s.report.weekly_time, tz),
            REPORT_GRACE_SECONDS,
        )
    if s.followups.enabled:
        wanted["followups"] = (
            IntervalTrigger(minutes=s.followups.check_minutes, timezone=tz),
            None,
        )
    for name in JOBS.keys() - wanted.keys():
        with contextlib.suppress(JobLookupError):
            store.remove_job(name)
            log.info("job %s disabled in the config: removed", name)
    try:
        scheduler.add_jobstore(store, JOBSTORE)
    except ValueError:
        log.debug("job store %r already added", JOBSTORE)
    now = app.clock()
    for name, (trigger, grace) in wanted.items():
        extra: dict[str, object] = {"misfire_grace_time": grace} if grace else {}
        missed = _missed_run(store, name, now)
        if missed is not None:  # keep a run that fell due while the daemon was down
            extra["next_run_time"] = missed
        scheduler.add_job(
            run_job,
            trigger,
            args=[name, s, app.clock],
            id=name,
            name=name,
            jobstore=JOBSTORE,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            **extra,
        )
    log.info("scheduled jobs: %s", ", ".join(wanted))
    return list(wanted)
