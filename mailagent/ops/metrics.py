"""Prometheus metrics derived from the store at scrape time (``GET /metrics``).

The daemon and the web UI are separate processes (and several daemons may share one
PostgreSQL database), so nothing here counts in memory: :class:`StoreCollector` asks the
database on every scrape and reports what it holds, with ``prometheus-client`` doing the text
format. Counters are monotonic as long as mail is only added (retention deletes raw files,
never rows). Stage latencies are histograms over timestamps every message already carries:
capture delay (server arrival to stored), triage wait (stored to triaged) and send delay
(approved to accepted by SMTP).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.ops.health import readiness
from mailagent.records import OutboxState, TranslationStatus

__all__ = ["BUCKETS", "StoreCollector", "render"]

BUCKETS: tuple[float, ...] = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)
NO_MAILBOX = "(import)"


def _seconds(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """``later - earlier`` in seconds, in the dialect's own date arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * literal_column("86400.0")
    return func.extract("epoch", later - earlier)


def _histogram(
    session: Session, name: str, doc: str, later: Any, earlier: Any, *where: Any
) -> Metric:
    diff = _seconds(session, later, earlier)
    cols = [func.count(), func.coalesce(func.sum(diff), 0)]
    cols += [func.sum(case((diff <= b, 1), else_=0)) for b in BUCKETS]
    row = session.execute(
        select(*cols).where(later.is_not(None), earlier.is_not(None), *where)
    ).one()
    count, total = int(row[0] or 0), float(row[1] or 0)
    buckets = [(str(float(b)), int(n or 0)) for b, n in zip(BUCKETS, row[2:], strict=True)]
    family = HistogramMetricFamily(name, doc)
    family.add_metric([], [*buckets, ("+Inf", count)], sum_value=max(0.0, total))
    return family


def _by_mailbox(session: Session, stmt: Any) -> Sequence[tuple[str, int]]:
    return [(name or NO_MAILBOX, int(n)) for name, n in session.execute(stmt)]


class StoreCollector(Collector):
    """Collects every mailagent metric from the store of ``app`` on each scrape."""

    def __init__(self, app: App) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        with self.app.sessions() as session:
            yield from self._messages(session)
            yield from self._queues(session)
            yield from self._delivery(session)
            yield from self._latencies(session)
        yield from self._health()

    def _messages(self, session: Session) -> Iterator[Metric]:
        loc = m.MessageLocation
        box = m.Mailbox
        captured = CounterMetricFamily(
            "mailagent_messages_captured", "Messages stored, by mailbox.", labels=["mailbox"]
        )
        stmt = (
            select(box.name, func.count(func.distinct(loc.message_pk)))
            .join(loc, loc.mailbox_id == box.id)
            .group_by(box.name)
        )
        rows = dict(_by_mailbox(session, stmt))
        unlocated = (
            select(func.count())
            .select_from(m.Message)
            .where(~select(loc.id).where(loc.message_pk == m.Message.id).exists())
        )
        rows[NO_MAILBOX] = rows.get(NO_MAILBOX, 0) + int(session.scalar(unlocated) or 0)
        for name, n in sorted(rows.items()):
            captured.add_metric([name], n)
        yield captured
        triaged = CounterMetricFamily(
            "mailagent_messages_triaged", "Messages triaged, by mailbox.", labels=["mailbox"]
        )
        stmt = (
            select(box.name, func.count(func.distinct(m.Message.id)))
            .select_from(m.Message)
            .outerjoin(loc, loc.message_pk == m.Message.id)
            .outerjoin(box, box.id == loc.mailbox_id)
            .where(m.Message.triaged_at.is_not(None))
            .group_by(box.name)
        )
        for name, n in _by_mailbox(session, stmt):
            triaged.add_metric([name], n)
        yield triaged
        quarantined = CounterMetricFamily(
            "mailagent_messages_quarantined",
            "Messages quarantined (resolved or not), by mailbox and failed stage.",
            labels=["mailbox", "stage"],
        )
        qr = m.Quarantine
        by_stage = (
            select(box.name, qr.stage, func.count())
            .select_from(qr)
            .outerjoin(box, box.id == qr.mailbox_id)
            .group_by(box.name, qr.stage)
        )
        for name, stage, n in session.execute(by_stage):
            quarantined.add_metric([name or NO_MAILBOX, stage], int(n))
        yield quarantined

    def _queues(self, session: Session) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "mailagent_queue_depth", "Items waiting, by queue.", labels=["queue"]
        )
        count = func.count()
        triage = session.scalar(select(count).where(m.Message.status == "new"))
        translation = session.scalar(
            select(count).where(m.Message.translation_status == TranslationStatus.PENDING)
        )
        outbox = session.scalar(
            select(count)
            .select_from(m.Outbox)
            .where(m.Outbox.state.in_((OutboxState.QUEUED, OutboxState.SENDING)))
        )
        quarantine = session.scalar(
            select(count).select_from(m.Quarantine).where(m.Quarantine.resolved_at.is_(None))
        )
        for queue, n in (
            ("triage", triage),
            ("translation", translation),
            ("outbox", outbox),
            ("quarantine", quarantine),
        ):
            depth.add_metric([queue], int(n or 0))
        yield depth
        translations = GaugeMetricFamily(
            "mailagent_translation_messages",
            "Messages by background translation status.",
            labels=["status"],
        )
        col = m.Message.translation_status
        for status, n in session.execute(select(col, count).group_by(col)):
            translations.add_metric([status], int(n))
        yield translations

    def _delivery(self, session: Session) -> Iterator[Metric]:
        count = func.count()
        states: dict[str, int] = {
            state: int(n)
            for state, n in session.execute(select(m.Outbox.state, count).group_by(m.Outbox.state))
        }
        sent = CounterMetricFamily("mailagent_smtp_sent", "Replies accepted by the SMTP server.")
        sent.add_metric([], int(states.get(OutboxState.SENT, 0)))
        yield sent
        failed = CounterMetricFamily(
            "mailagent_smtp_failures",
            "Replies that failed for good, by reason (failed: refused or retries used up; "
            "unconfirmed: a crash left the outcome unknown).",
            labels=["reason"],
        )
        for reason in (OutboxState.FAILED, OutboxState.UNCONFIRMED):
            failed.add_metric([reason], int(states.get(reason, 0)))
        yield failed
        attempts = CounterMetricFamily("mailagent_smtp_attempts", "SMTP send attempts made.")
        attempts.add_metric([], int(session.scalar(select(func.sum(m.Outbox.attempts))) or 0))
        yield attempts
        breaches = CounterMetricFamily(
            "mailagent_sla_breaches", "SLA clocks that breached, by policy.", labels=["policy"]
        )
        clk = m.SlaClock
        stmt = select(clk.policy_id, count).where(clk.state == "breached").group_by(clk.policy_id)
        for policy, n in session.execute(stmt):
            breaches.add_metric([policy], int(n))
        yield breaches

    def _latencies(self, session: Session) -> Iterator[Metric]:
        msg = m.Message
        located = select(m.MessageLocation.id).where(m.MessageLocation.message_pk == msg.id)
        yield _histogram(
            session,
            "mailagent_capture_delay_seconds",
            "From arrival on the IMAP server to stored by mailagent.",
            msg.created_at,
            msg.received_at,
            located.exists(),
        )
        yield _histogram(
            session,
            "mailagent_triage_wait_seconds",
            "From stored to triaged (language, intent, filing).",
            msg.triaged_at,
            msg.created_at,
        )
        yield _histogram(
            session,
            "mailagent_send_delay_seconds",
            "From approval (queued) to accepted by the SMTP server.",
            m.Outbox.sent_at,
            m.Outbox.queued_at,
        )

    def _health(self) -> Iterator[Metric]:
        ready = readiness(self.app)
        up = GaugeMetricFamily("mailagent_ready", "1 when every readiness check passes.")
        up.add_metric([], 1 if ready.ok else 0)
        yield up
        checks = GaugeMetricFamily(
            "mailagent_check_ok", "1 when the named readiness check passes.", labels=["check"]
        )
        ages = GaugeMetricFamily(
            "mailagent_mailbox_last_poll_age_seconds",
            "Seconds since the mailbox was last polled successfully.",
            labels=["mailbox"],
        )
        for check in ready.checks:
            checks.add_metric([check.name], 1 if check.ok else 0)
            age = check.values.get("last_poll_age_seconds")
            if check.name.startswith("mailbox:") and age is not None:
                ages.add_metric([check.name.removeprefix("mailbox:")], float(age))
        yield checks
        yield ages


def render(app: App) -> bytes:
    """The Prometheus text exposition of the store of ``app``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(app))
    return generate_latest(registry)
