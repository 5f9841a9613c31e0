"""Scheduler wiring: jobs persist in the store's database and only call the services."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text
from support.apptools import mail, make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.config import ReportSettings
from mailagent.daemon import scheduler as sched
from mailagent.daemon.jobs import REPORT_GRACE_SECONDS
from mailagent.db import models as m
from mailagent.reports.scheduled import ReportOutcome
from mailagent.sla.service import SlaChange

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai


@dataclasses.dataclass(frozen=True)
class FixedClock:
    """A picklable clock (the job store pickles the job's arguments)."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = make_app(tmp_path, f"sqlite:///{tmp_path / 'mailagent.db'}")
    a.clock = FixedClock(NOW)
    yield a
    a.close()


def _scheduler() -> BackgroundScheduler:
    s = BackgroundScheduler(timezone="UTC")
    s.start(paused=True)  # jobs are written to the store, nothing runs
    return s


def test_jobs_are_stored_in_the_database(app: App) -> None:
    s = _scheduler()
    try:
        assert sched.add_jobs(s, app) == [
            "sla-check",
            "report-daily",
            "report-weekly",
            "followups",
            "housekeeping",
            "translate",
            "learn-corrections",
            "send-approved",
        ]
    finally:
        s.shutdown(wait=False)
    with app.engine.connect() as conn:
        ids = sorted(r[0] for r in conn.execute(text(f"SELECT id FROM {sched.TABLE}")))
    assert ids == ["followups", "report-daily", "report-weekly", "sla-check"]
    # a restarted daemon sees the same jobs in the same store
    s = _scheduler()
    try:
        assert sched.add_jobs(s, app) == [
            "sla-check",
            "report-daily",
            "report-weekly",
            "followups",
            "housekeeping",
            "translate",
            "learn-corrections",
            "send-approved",
        ]
        jobs = {j.id: j for j in s.get_jobs(jobstore=sched.JOBSTORE)}
        assert sorted(jobs) == ["followups", "report-daily", "report-weekly", "sla-check"]
        assert jobs["followups"].trigger.interval.total_seconds() == 30 * 60
        daily = jobs["report-daily"]
        assert daily.func is sched.run_job
        assert daily.args[0] == "report-daily"
        first = daily.trigger.get_next_fire_time(None, NOW)
        local = first.astimezone(ZoneInfo("Asia/Shanghai"))
        assert (local.date().isoformat(), local.hour, local.minute) == ("2026-11-24", 8, 30)
        weekly = jobs["report-weekly"].trigger.get_next_fire_time(None, NOW)
        assert weekly.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%a %H:%M") == "Mon 08:45"
        assert jobs["sla-check"].trigger.interval.total_seconds() == 300
    finally:
        s.shutdown(wait=False)


def test_disabled_report_job_is_removed(app: App) -> None:
    s = _scheduler()
    try:
        sched.add_jobs(s, app)
        app.settings = dataclasses.replace(app.settings, report=ReportSettings(weekly=False))
        assert sched.add_jobs(s, app) == [
            "sla-check",
            "report-daily",
            "followups",
            "housekeeping",
            "translate",
            "learn-corrections",
            "send-approved",
        ]
        assert s.get_job("report-weekly") is None
    finally:
        s.shutdown(wait=False)


def test_unpicklable_clock_is_refused(app: App) -> None:
    app.clock = lambda: NOW
    with pytest.raises(ValueError, match="picklable"):
        sched.add_jobs(BackgroundScheduler(), app)


def test_stored_job_runs_the_service_with_the_clock(app: App) -> None:
    (stored,) = ingest_raw(app, [(mail(1, date=datetime(2026, 11, 23, 2, 0, tzinfo=UTC)), "t")])
    s = _scheduler()
    try:
        sched.add_jobs(s, app)
        job = s.get_job("sla-check")
        result = job.func(*job.args)
        report = s.get_job("report-daily")
        outcome = report.func(*report.args)
    finally:
        s.shutdown(wait=False)
    assert isinstance(result, list) and all(isinstance(c, SlaChange) for c in result)
    assert [(c.message_pk, c.event, c.state) for c in result] == [
        (stored.message_pk, "created", "running")
    ]
    with app.sessions() as session:
        clock = session.scalar(select(m.SlaClock))
        assert clock is not None
        assert clock.evaluated_at.replace(tzinfo=UTC) == NOW  # the job's clock, not real time
    assert isinstance(outcome, ReportOutcome)
    assert not outcome.sent and "no recipients" in outcome.reason
    assert outcome.period == "2026-11-23"


def test_run_missed_while_down_keeps_its_time(app: App) -> None:
    s = _scheduler()
    try:
        sched.add_jobs(s, app)
    finally:
        s.shutdown(wait=False)
    missed = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 Shanghai, daemon was down
    with app.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {sched.TABLE} SET next_run_time = :t WHERE id = 'report-daily'"),
            {"t": missed.timestamp()},
        )
    s = _scheduler()
    try:
        sched.add_jobs(s, app)  # restart at 11:00: the 08:30 run is still due (grace 6 h)
        daily = s.get_job("report-daily")
        assert daily.next_run_time == missed
        assert daily.misfire_grace_time == REPORT_GRACE_SECONDS
        # a run time that is not yet due is recomputed from the (maybe changed) trigger
        assert s.get_job("report-weekly").next_run_time > NOW
    finally:
        s.shutdown(wait=False)


def test_one_job_table_with_intervals_from_the_config(app: App) -> None:
    """Every periodic job is declared once, in daemon.jobs.JOBS, and timed by the config."""
    from apscheduler.triggers.interval import IntervalTrigger

    from mailagent.daemon.jobs import JOBS

    assert len({j.id for j in JOBS}) == len(JOBS)
    settings = dataclasses.replace(
        app.settings,
        scheduler=dataclasses.replace(app.settings.scheduler, send_seconds=17),
    )
    send = next(j for j in JOBS if j.id == "send-approved")
    trigger = send.trigger(settings)
    assert isinstance(trigger, IntervalTrigger) and trigger.interval.total_seconds() == 17
    s = _scheduler()
    try:
        sched.add_jobs(s, app)
        live = {
            j.id for j in s.get_jobs() if j.id in {"housekeeping", "translate", "send-approved"}
        }
    finally:
        s.shutdown(wait=False)
    assert live == {"housekeeping", "translate", "send-approved"}


@pytest.mark.postgres
def test_daemons_starting_at_once_create_the_job_table_once(tmp_path: Path, pg_url: str) -> None:
    """Two daemons starting together on a fresh PostgreSQL database both schedule their jobs
    (creating ``apscheduler_jobs`` raced: one daemon died with a duplicate-type error)."""
    import threading

    apps = [make_app(tmp_path / f"d{i}", pg_url) for i in range(4)]
    with apps[0].engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {sched.TABLE}"))
    for a in apps:
        a.clock = FixedClock(NOW)
    barrier = threading.Barrier(len(apps))
    errors: list[BaseException] = []
    added: list[list[str]] = []

    def start(a: App) -> None:
        s = _scheduler()
        try:
            barrier.wait()
            added.append(sched.add_jobs(s, a))
        except BaseException as exc:
            errors.append(exc)
        finally:
            s.shutdown(wait=False)

    threads = [threading.Thread(target=start, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for a in apps:
        a.close()
    assert errors == []
    assert len(added) == len(apps) and all("sla-check" in ids for ids in added)
