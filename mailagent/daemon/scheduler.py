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
from sqlalchemy import select

from mailagent.app import App, open_app, utcnow
from mailagent.config import Settings
from mailagent.daemon.jobs import JOBS, job
from mailagent.db.session import schema_lock

__all__ = ["JOBSTORE", "TABLE", "add_jobs", "run_job"]

log = logging.getLogger(__name__)

JOBSTORE = "db"
TABLE = "apscheduler_jobs"


def run_job(name: str, settings: Settings, clock: Callable[[], datetime] = utcnow) -> object:
    """What every stored job runs: open an App, call the service with ``now=clock()``."""
    app = open_app(settings, clock=clock, migrate=False, with_model=False)
    try:
        result = job(name).run(app, app.clock())
        log.debug("job %s: %s", name, result)
        return result
    finally:
        app.close()


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
    """Add every job of ``daemon.jobs.JOBS`` the config enables; returns their ids.

    Persistent jobs go to the job store in the database, the others run in memory.
    """
    try:
        pickle.dumps(app.clock)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ValueError(
            f"app.clock must be picklable for the persistent job store: {exc}"
        ) from exc
    store = SQLAlchemyJobStore(engine=app.engine, tablename=TABLE)
    with app.engine.begin() as conn:  # before scheduler.start(); daemons may start at once
        schema_lock(conn)
        store.jobs_t.create(conn, checkfirst=True)
    s = app.settings
    stored = [j for j in JOBS if j.persistent]
    wanted = {j.id: (t, j) for j in stored if (t := j.trigger(s)) is not None}
    for name in {j.id for j in stored} - wanted.keys():
        with contextlib.suppress(JobLookupError):
            store.remove_job(name)
            log.info("job %s disabled in the config: removed", name)
    try:
        scheduler.add_jobstore(store, JOBSTORE)
    except ValueError:
        log.debug("job store %r already added", JOBSTORE)
    now = app.clock()
    for name, (trigger, j) in wanted.items():
        extra: dict[str, object] = {}
        if j.grace_seconds:
            extra["misfire_grace_time"] = j.grace_seconds
        missed = _missed_run(store, name, now)
        if missed is not None:  # keep a run that fell due while the daemon was down
            extra["next_run_time"] = missed
        scheduler.add_job(
            run_job,
            trigger,
            args=[name, s, app.clock],
            id=name,
            name=j.name,
            jobstore=JOBSTORE,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            **extra,
        )
    live = [j for j in JOBS if not j.persistent]
    for j in live:
        trigger = j.trigger(s)
        if trigger is None:
            continue
        scheduler.add_job(
            _run_live, trigger, args=[j.id, app], id=j.id, name=j.name, replace_existing=True
        )
        wanted[j.id] = (trigger, j)
    log.info("scheduled jobs: %s", ", ".join(wanted))
    return list(wanted)


def _run_live(name: str, app: App) -> object:
    """What an in-memory job runs: the service with the daemon's own App."""
    return job(name).run(app, app.clock())
