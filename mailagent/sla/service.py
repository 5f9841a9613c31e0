"""SLA effects: clocks in the database, warnings and escalations by e-mail, scheduled reports.

``refresh_clocks(app, now)`` is the one use case the scheduler's ``sla-check`` job calls. It
creates a clock per (inbound message needing an answer, matching policy of
``rules/sla.toml``), gathers explicit :class:`~mailagent.sla.SlaEvent` records for it (sent
replies and internal relays: outbound messages in the thread and sent drafts; waiting on the
customer: ``sla.wait``/``sla.resume`` audit events and the customer's next message),
evaluates it with the pure ``sla.evaluate`` and stores state, due date and reasons.
Warnings (to the salesperson) and escalations (to the supervisors) are claimed with a
conditional UPDATE, committed, then e-mailed, so two runs or two daemons never send the same
notice twice; a failed send is un-claimed and retried by the next run. ``send_report`` does
the same for the scheduled unanswered-mail report (one ``report_runs`` row per period).
Mail goes out through ``smtp.send_raw`` with the ``[smtp]`` settings. Decisions are written
to ``audit_events`` and the ``mailagent.audit`` log. Events are gathered by
``reports.gather_events``; the report e-mail is rendered by ``reportout.py``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.reports import output as reportout
from mailagent.reports import queries as reports
from mailagent.send.smtp import send_raw, smtp_password
from mailagent.sla.clock import SlaState, evaluate, localize
from mailagent.sla.policies import SlaRules, load_sla_rules

__all__ = [
    "ACTOR",
    "ClockView",
    "ReportOutcome",
    "SlaChange",
    "acknowledge",
    "clock_views",
    "pause",
    "record_relay",
    "refresh_clocks",
    "resume",
    "send_mail",
    "send_report",
    "sender_address",
]

log = logging.getLogger(__name__)
audit = logging.getLogger("mailagent.audit")

ACTOR = "mailagent.sla"
_OPEN = or_(
    m.SlaClock.state.in_(("running", "paused", "warning")),
    (m.SlaClock.state == "breached") & m.SlaClock.stopped_at.is_(None),
)


@dataclass(frozen=True, slots=True)
class SlaChange:
    """What ``refresh_clocks`` did: created | changed | warned | escalated | cancelled."""

    clock_id: int
    message_pk: int
    policy_id: str
    event: str
    old_state: str | None
    state: str
    due_at: datetime
    summary: str


@dataclass(frozen=True, slots=True)
class ClockView:
    clock_id: int
    message_pk: int
    policy_id: str
    state: str
    started_at: datetime
    due_at: datetime
    subject: str
    customer: str
    salesperson: str
    escalated: bool
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        return self.reasons[-1] if self.reasons else ""


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    kind: str
    period: str
    sent: bool
    recipients: tuple[str, ...]
    reason: str


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive UTC, PostgreSQL aware datetimes."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- clocks ----------------------------------------------------------------------------------


def refresh_clocks(
    app: App, now: datetime, *, notify: bool = True, since: datetime | None = None
) -> list[SlaChange]:
    """Create, evaluate and store clocks; warn and escalate once (``notify=False``: record only).

    Only inbound mail received after ``since`` (default: ``sla.lookback_days`` before ``now``)
    gets new clocks, so importing an old archive raises no alarms; breached clocks started
    before ``since`` are no longer re-evaluated (a reply that late no longer changes them).
    """
    now = _utc(now)
    rules = load_sla_rules(app.settings.rules_dir)
    since = _utc(since) if since else now - timedelta(days=app.settings.sla.lookback_days)
    with app.sessions() as session, session.begin():
        new_ids = _create_clocks(session, rules, since, now)
        changes = _cancel_clocks(session, rules, now)
        changes += _evaluate_open(session, app, rules, now, since, new_ids)
    if notify:
        changes += _notify(app, now, "escalated_at")
        changes += _notify(app, now, "warned_at")
    return changes


def _create_clocks(session: Session, rules: SlaRules, since: datetime, now: datetime) -> set[int]:
    created: set[int] = set()
    for policy in rules.policies:
        msg = m.Message
        stmt = select(msg.id, msg.received_at).where(
            msg.direction == "inbound",
            msg.disposition == "process",
            msg.intent == policy.intent,
            msg.status != "closed",
            msg.received_at >= since,
            msg.received_at <= now,
            ~exists().where(m.SlaClock.message_pk == msg.id, m.SlaClock.policy_id == policy.id),
        )
        for message_pk, received_at in session.execute(stmt).all():
            clock = m.SlaClock(
                message_pk=message_pk,
                policy_id=policy.id,
                intent=policy.intent,
                metric=policy.metric.value,
                timezone="",
                started_at=_utc(received_at),
                due_at=_utc(received_at),
                warn_at=_utc(received_at),
                state=SlaState.RUNNING.value,
                elapsed_seconds=0,
                reasons=[],
                created_at=now,
                evaluated_at=now,
            )
            try:
                with session.begin_nested():
                    session.add(clock)
            except IntegrityError:  # another worker created it a moment ago
                continue
            created.add(clock.id)
    return created


def _cancel_clocks(session: Session, rules: SlaRules, now: datetime) -> list[SlaChange]:
    """Open clocks whose message no longer needs this answer (re-classified, closed, ...)."""
    changes: list[SlaChange] = []
    rows = session.execute(
        select(m.SlaClock, m.Message)
        .join(m.Message, m.Message.id == m.SlaClock.message_pk)
        .where(_OPEN)
    ).all()
    for clock, msg in rows:
        policy = rules.policy(clock.policy_id)
        why = (
            "policy removed from the rules"
            if policy is None
            else f"intent is now {msg.intent}"
            if msg.intent != policy.intent
            else "message closed"
            if msg.status == "closed"
            else "message needs no reply"
            if msg.disposition != "process"
            else ""
        )
        if not why:
            continue
        q.audit(session, ACTOR, "sla.cancelled", now, msg.id, policy=clock.policy_id, why=why)
        audit.info("%s SLA %s cancelled: %s", msg.message_id, clock.policy_id, why)
        changes.append(
            SlaChange(
                clock.id,
                msg.id,
                clock.policy_id,
                "cancelled",
                clock.state,
                "cancelled",
                _utc(clock.due_at),
                why,
            )
        )
        session.delete(clock)
    session.flush()
    return changes


def _evaluate_open(
    session: Session,
    app: App,
    rules: SlaRules,
    now: datetime,
    since: datetime,
    new_ids: set[int],
) -> list[SlaChange]:
    rows = session.execute(
        select(m.SlaClock, m.Message, m.Customer)
        .join(m.Message, m.Message.id == m.SlaClock.message_pk)
        .outerjoin(m.Customer, m.Customer.id == m.Message.customer_id)
        .where(_OPEN, or_(m.SlaClock.state != "breached", m.SlaClock.started_at >= since))
    ).all()
    team = app.settings.team
    keys = [(msg.id, msg.thread_id) for _c, msg, _cu in rows]
    events = reports.gather_events(session, keys, app.settings)
    changes: list[SlaChange] = []
    for clock, msg, customer in rows:
        policy = rules.policy(clock.policy_id)
        if policy is None:
            continue
        cal, tz, why = localize(
            policy,
            rules.calendar(policy),
            team_tz=team.timezone,
            customer_tz=customer.timezone if customer else "",
            customer_country=customer.country if customer else "",
        )
        status = evaluate(_utc(clock.started_at), policy, cal, events[msg.id], now, tz)
        old = None if clock.id in new_ids else clock.state
        clock.state = status.state.value
        clock.due_at, clock.warn_at = status.due_at, status.warn_at
        clock.elapsed_seconds = int(status.elapsed.total_seconds())
        clock.stopped_at = status.stopped_at
        clock.timezone = tz.key
        clock.reasons = [*why, *status.reasons]
        clock.evaluated_at = now
        if old != clock.state:
            event = "created" if old is None else "changed"
            audit.info("%s SLA %s %s -> %s", msg.message_id, policy.id, old or "new", clock.state)
            changes.append(
                SlaChange(
                    clock.id,
                    msg.id,
                    policy.id,
                    event,
                    old,
                    clock.state,
                    status.due_at,
                    status.reasons[-1],
                )
            )
    return changes


# -- user actions ----------------------------------------------------------------------------


def _record(app: App, message_pk: int, action: str, actor: str, note: str) -> None:
    with app.sessions() as session, session.begin():
        if session.get(m.Message, message_pk) is None:
            raise LookupError(f"no message with id {message_pk}")
        q.audit(session, actor, action, _utc(app.clock()), message_pk, note=note)
    audit.info("message %s: %s by %s %s", message_pk, action, actor, note)


def pause(app: App, message_pk: int, actor: str, note: str = "") -> None:
    """We are waiting on the customer: pauses the message's clocks whose policy allows it."""
    _record(app, message_pk, "sla.wait", actor, note)


def resume(app: App, message_pk: int, actor: str, note: str = "") -> None:
    """Waiting ended (a customer reply in the thread also ends it by itself)."""
    _record(app, message_pk, "sla.resume", actor, note)


def record_relay(app: App, message_pk: int, actor: str, note: str = "") -> None:
    """The message was relayed internally by other means (phone, chat): stops "relayed"."""
    _record(app, message_pk, "sla.relayed", actor, note)


def acknowledge(app: App, clock_id: int, actor: str) -> None:
    """A supervisor has seen the escalation: the UI flag goes away (the record stays)."""
    with app.sessions() as session, session.begin():
        clock = session.get(m.SlaClock, clock_id)
        if clock is None:
            raise LookupError(f"no SLA clock with id {clock_id}")
        clock.acknowledged_at, clock.acknowledged_by = _utc(app.clock()), actor
        q.audit(
            session,
            actor,
            "sla.acknowledged",
            _utc(app.clock()),
            clock.message_pk,
            policy=clock.policy_id,
        )


def clock_views(
    app: App, *, states: Iterable[str] = (), ids: Iterable[int] = (), limit: int = 500
) -> list[ClockView]:
    """Clocks with their message and customer, most urgent (earliest due) first."""
    stmt = (
        select(m.SlaClock, m.Message.subject, m.Customer.name, m.Customer.salesperson)
        .join(m.Message, m.Message.id == m.SlaClock.message_pk)
        .outerjoin(m.Customer, m.Customer.id == m.Message.customer_id)
        .order_by(m.SlaClock.due_at, m.SlaClock.id)
        .limit(limit)
    )
    if states := tuple(states):
        stmt = stmt.where(m.SlaClock.state.in_(states))
    if ids := tuple(ids):
        stmt = stmt.where(m.SlaClock.id.in_(ids))
    with app.sessions() as session:
        return [
            ClockView(
                c.id,
                c.message_pk,
                c.policy_id,
                c.state,
                _utc(c.started_at),
                _utc(c.due_at),
                subject,
                cname or "",
                sp or "",
                c.escalated_at is not None and c.acknowledged_at is None,
                tuple(str(r) for r in c.reasons),
            )
            for c, subject, cname, sp in session.execute(stmt)
        ]


# -- notifications ---------------------------------------------------------------------------


def _notify(app: App, now: datetime, column: str) -> list[SlaChange]:
    """Claim clocks due a warning/escalation, commit, e-mail; un-claim if sending fails."""
    col = getattr(m.SlaClock, column)
    wanted = (
        (m.SlaClock.state == "breached") & m.SlaClock.stopped_at.is_(None)
        if column == "escalated_at"
        else (m.SlaClock.state == "warning") & m.SlaClock.escalated_at.is_(None)
    )
    action = "sla.escalated" if column == "escalated_at" else "sla.warned"
    with app.sessions() as session, session.begin():
        candidates = session.scalars(select(m.SlaClock.id).where(wanted, col.is_(None))).all()
        claimed = []
        for cid in candidates:
            res = session.execute(
                update(m.SlaClock).where(m.SlaClock.id == cid, col.is_(None)).values({column: now})
            )
            if getattr(res, "rowcount", 0) == 1:
                claimed.append(cid)
    if not claimed:
        return []
    views = clock_views(app, ids=claimed)
    escalate = column == "escalated_at"
    batches, notes = _batches(app, views, escalate=escalate)
    tz = ZoneInfo(app.settings.team.timezone)
    failed: dict[int, str] = {}
    for items, to, cc in batches:  # one e-mail per batch; a failed batch is retried next run
        try:
            send_mail(app, _notice_email(app, now, tz, items, to, cc, escalate=escalate))
        except Exception as exc:
            log.exception("SLA %s notice to %s failed; will retry next run", action, to)
            failed.update({v.clock_id: str(exc) for v in items})
        else:
            notes.update({v.clock_id: f"e-mailed to {', '.join([*to, *cc])}" for v in items})
    with app.sessions() as session, session.begin():
        if failed:
            session.execute(
                update(m.SlaClock).where(m.SlaClock.id.in_(failed)).values({column: None})
            )
        for v in views:
            if v.clock_id in failed:
                q.audit(
                    session, ACTOR, f"{action}.failed", now, v.message_pk, error=failed[v.clock_id]
                )
            else:
                q.audit(
                    session,
                    ACTOR,
                    action,
                    now,
                    v.message_pk,
                    policy=v.policy_id,
                    notice=notes[v.clock_id],
                )
    done = [v for v in views if v.clock_id not in failed]
    for v in done:
        audit.warning(
            "message %s SLA %s: %s (%s)", v.message_pk, v.policy_id, action, notes[v.clock_id]
        )
    event = action.removeprefix("sla.")
    return [
        SlaChange(
            v.clock_id,
            v.message_pk,
            v.policy_id,
            event,
            v.state,
            v.state,
            v.due_at,
            notes[v.clock_id],
        )
        for v in done
    ]


Batch = tuple[list[ClockView], list[str], list[str]]  # clocks, To, Cc


def _batches(
    app: App, views: Sequence[ClockView], *, escalate: bool
) -> tuple[list[Batch], dict[int, str]]:
    """Who gets which notice: one escalation to the supervisors (Cc the salespeople), one
    warning per salesperson; clocks nobody can be told about get a note for the UI."""
    settings = app.settings
    if escalate:
        to = list(settings.team.supervisor_addresses)
        cc = sorted({v.salesperson for v in views if v.salesperson})
        if not to:
            why = "no supervisor address configured: shown in the UI only"
            return [], {v.clock_id: why for v in views}
        return [(list(views), to, cc if settings.sla.escalate_cc_salesperson else [])], {}
    per_person: dict[str, list[ClockView]] = defaultdict(list)
    notes: dict[int, str] = {}
    for v in views:
        if settings.sla.warn_salesperson and v.salesperson:
            per_person[v.salesperson].append(v)
        else:
            notes[v.clock_id] = "no salesperson to warn: shown in the UI only"
    return [(items, [person], []) for person, items in sorted(per_person.items())], notes


def _notice_email(
    app: App,
    now: datetime,
    tz: ZoneInfo,
    views: Sequence[ClockView],
    to: Sequence[str],
    cc: Sequence[str],
    *,
    escalate: bool,
) -> EmailMessage:
    what = "breached their SLA" if escalate else "are close to their SLA due time"
    head = (
        f"SLA breached: {len(views)} message(s)"
        if escalate
        else (f"SLA warning: {len(views)} message(s) due soon")
    )
    lines = [f"{len(views)} message(s) {what} (as of {now.astimezone(tz):%Y-%m-%d %H:%M %Z}):", ""]
    for v in views:
        lines.append(
            f"#{v.message_pk}  {v.policy_id}  {v.customer or '(unknown customer)'}"
            f"  salesperson: {v.salesperson or '-'}"
        )
        lines.append(f"    {v.subject[:100]}")
        lines.append(
            f"    received {v.started_at.astimezone(tz):%Y-%m-%d %H:%M}, "
            f"due {v.due_at.astimezone(tz):%Y-%m-%d %H:%M %Z}: {v.summary}"
        )
        lines.append("")
    lines.append("Open mailagent (or `mailagent sla status`) for the reasons of each clock.")
    msg = _base_email(app, now, head, to, cc)
    msg["X-Mailagent-Notice"] = "sla-escalation" if escalate else "sla-warning"
    msg.set_content("\n".join(lines))
    return msg


def _base_email(
    app: App, now: datetime, subject: str, to: Sequence[str], cc: Sequence[str] = ()
) -> EmailMessage:
    msg = EmailMessage()
    sender = sender_address(app)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid("sla", domain=sender.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    return msg


def sender_address(app: App) -> str:
    """The documented sender (smtp.from_address, else the mailbox address, else the SMTP
    login), the same as for replies; ``mailagent@<own domain>`` only when none is set."""
    from mailagent.drafts.prepare import from_address

    team = app.settings.team
    return from_address(app.settings) or (
        f"mailagent@{team.own_domains[0] if team.own_domains else 'localhost'}"
    )


# -- sending ---------------------------------------------------------------------------------


def send_mail(app: App, msg: EmailMessage) -> str:
    """Send one notice or report with ``[smtp]`` settings via ``smtp.send_raw``.

    Returns the server's answer; raises TransientDeliveryError (4xx, connection) or
    PermanentDeliveryError (5xx).
    """
    s = app.settings.smtp
    rcpts = [addr for _name, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
    answer = send_raw(s, smtp_password(s), sender_address(app), rcpts, msg.as_bytes(policy=SMTP))
    log.info("sent %r to %s: %s", msg["Subject"], ", ".join(rcpts), answer)
    return answer


# -- scheduled reports -----------------------------------------------------------------------


def send_report(app: App, kind: str, now: datetime, *, force: bool = False) -> ReportOutcome:
    """E-mail the daily or weekly report once per period (``force``: send again anyway)."""
    now = _utc(now)
    settings = app.settings
    tz = ZoneInfo(settings.team.timezone)
    period = reports.period_key(kind, now, tz)
    recipients = tuple(settings.report.recipients or settings.team.supervisor_addresses)
    if not recipients:
        return ReportOutcome(
            kind, period, False, (), "no recipients (report.recipients, team.supervisor_addresses)"
        )
    if not force:
        try:
            with app.sessions() as session, session.begin():
                session.add(
                    m.ReportRun(kind=kind, period=period, recipients=list(recipients), sent_at=now)
                )
        except IntegrityError:
            return ReportOutcome(kind, period, False, recipients, f"{kind} {period} already sent")
    try:
        with app.sessions() as session:
            msg = reportout.build_report_email(
                session,
                now,
                settings,
                kind=kind,
                sender=sender_address(app),
                recipients=recipients,
            )
        send_mail(app, msg)
    except Exception:
        if not force:
            with app.sessions() as session, session.begin():
                run = session.scalar(
                    select(m.ReportRun).where(
                        m.ReportRun.kind == kind, m.ReportRun.period == period
                    )
                )
                if run is not None:
                    session.delete(run)
        raise
    with app.sessions() as session, session.begin():
        q.audit(
            session,
            ACTOR,
            "report.sent",
            now,
            None,
            kind=kind,
            period=period,
            recipients=list(recipients),
        )
    return ReportOutcome(kind, period, True, recipients, f"sent to {', '.join(recipients)}")
