"""Use cases of the relevance gate shared by the CLI and the web UI.

* :func:`relevance_view`: the gate's decision for one message with its reasons, the fraud
  warnings and who acknowledged them;
* :func:`correct`: "junk", "not junk" or "report phishing": the correction is audited,
  kept on every re-triage (``relevance_manual``) and the message is re-triaged at once, so
  not-junk mail gets its prospect, drafts and SLA clock and junked mail loses its open
  drafts (rejected, with the reason);
* :func:`archive`: file a message in the archive folder on its IMAP server;
* with ``followups.mirror_moves`` every correction and archive request is also queued as a
  move on the IMAP server (:mod:`mailagent.followups.imapmoves`; never deletes);
* :func:`acknowledge_fraud`: a supervisor has checked the warnings (e.g. confirmed a bank
  change by phone); the held message is released and its drafts are prepared;
* :func:`fraud_warnings`: open warnings, for the supervisor report and the dashboard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from mailagent.app import App
from mailagent.db import models as m
from mailagent.db import queries as q
from mailagent.db.relevance_rows import flags_of
from mailagent.db.triage_rows import NEW
from mailagent.errors import MailagentError, NotFound
from mailagent.followups.imapmoves import on_imap, request_move
from mailagent.records import Disposition, DraftState, MoveState, Relevance, disposition_for

__all__ = [
    "ACTIONS",
    "FraudWarning",
    "RelevanceError",
    "RelevanceView",
    "acknowledge_fraud",
    "archive",
    "correct",
    "demo_lines",
    "fraud_warnings",
    "relevance_view",
]

audit_log = logging.getLogger("mailagent.audit")

ACTIONS: dict[str, Relevance] = {
    "junk": Relevance.SPAM,
    "notjunk": Relevance.CUSTOMER,
    "phishing": Relevance.PHISHING,
}
_OPEN_DRAFTS = (DraftState.PENDING, DraftState.APPROVED, DraftState.FAILED)


class RelevanceError(MailagentError):
    """The correction or acknowledgement cannot be made; the message says why."""


@dataclass(frozen=True, slots=True)
class RelevanceView:
    message_pk: int
    relevance: str | None
    disposition: str
    manual: bool
    scores: tuple[tuple[str, float], ...]
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    fraud: tuple[dict[str, object], ...]
    ack_by: str | None
    ack_at: datetime | None
    can_archive: bool = False  # moves are mirrored and the message is on an IMAP mailbox
    server_move: tuple[str, str, str] | None = None  # newest move: state, folder, last reason

    @property
    def fraud_open(self) -> bool:
        return bool(self.fraud) and self.ack_at is None

    @property
    def held(self) -> bool:
        return any(f.get("needs_ack") for f in self.fraud) and self.ack_at is None


@dataclass(frozen=True, slots=True)
class FraudWarning:
    message_pk: int
    received_at: datetime
    from_email: str
    subject: str
    kinds: tuple[str, ...]
    reasons: tuple[str, ...]


def relevance_view(app: App, message_pk: int) -> RelevanceView:
    with app.sessions() as session:
        row = session.get(m.Message, message_pk)
        if row is None:
            raise NotFound(f"no message with id {message_pk}")
        return RelevanceView(
            message_pk=row.id,
            relevance=row.relevance,
            disposition=row.disposition,
            manual=row.relevance_manual,
            scores=tuple((str(k), float(v)) for k, v in row.relevance_scores),
            rules=tuple(row.relevance_rules),
            reasons=tuple(row.relevance_reasons),
            fraud=tuple(dict(f) for f in row.fraud_flags),
            ack_by=row.fraud_ack_by,
            ack_at=row.fraud_ack_at,
            can_archive=on_imap(session, app.settings, row.id),
            server_move=_server_move(session, row.id),
        )


def _server_move(session: Session, message_pk: int) -> tuple[str, str, str] | None:
    move = session.scalar(
        select(m.ServerMove)
        .where(m.ServerMove.message_pk == message_pk, m.ServerMove.state != MoveState.SUPERSEDED)
        .order_by(m.ServerMove.id.desc())
        .limit(1)
    )
    if move is None:
        return None
    return move.state, move.target, str(move.reasons[-1]) if move.reasons else ""


def correct(app: App, message_pk: int, action: str, actor: str) -> Relevance:
    """Apply a "junk" / "notjunk" / "phishing" correction; returns the new relevance."""
    if action not in ACTIONS:
        raise RelevanceError(f"unknown action {action!r} (expected {', '.join(ACTIONS)})")
    value = ACTIONS[action]
    now = app.clock()
    with app.sessions() as session, session.begin():
        row = session.get(m.Message, message_pk)
        if row is None:
            raise NotFound(f"no message with id {message_pk}")
        if row.direction != "inbound":
            raise RelevanceError(f"message {message_pk} is our own mail")
        previous = row.relevance
        row.relevance = value.value
        row.relevance_manual = True
        row.relevance_rules = ["manual"]
        row.relevance_reasons = [f"{value.value}: set by {actor} (was {previous or '-'})"]
        row.disposition = disposition_for(Disposition(row.disposition), value, flags_of(row)).value
        q.audit(
            session,
            actor,
            f"relevance.{action}",
            now,
            row.id,
            previous=previous,
            relevance=value.value,
        )
        request_move(session, app.settings, row.id, action, actor, now)
        drafts = list(
            session.scalars(
                select(m.Draft.id).where(
                    m.Draft.message_pk == row.id, m.Draft.status.in_(_OPEN_DRAFTS)
                )
            )
        )
        retriage = row.status == "triaged"  # answered / closed mail keeps its state
        if retriage:
            row.status = NEW  # re-triaged right away, the correction applied on top
    audit_log.info("message %d marked %s by %s (was %s)", message_pk, value, actor, previous)
    if value is not Relevance.CUSTOMER:
        from mailagent.drafts.service import reject

        for draft_id in drafts:
            reject(app, draft_id, actor, f"message marked {value.value}")
    if retriage:
        from mailagent.triage.worker import triage_messages

        triage_messages(app, [message_pk])
    return value


def archive(app: App, message_pk: int, actor: str) -> str:
    """Queue the move of a message to the archive folder on its IMAP server; returns the
    folder. Nothing changes in mailagent itself (the message keeps its state)."""
    if not app.settings.followups.mirror_moves:
        raise RelevanceError("moves on the mail server are off (followups.mirror_moves)")
    now = app.clock()
    with app.sessions() as session, session.begin():
        row = session.get(m.Message, message_pk)
        if row is None:
            raise NotFound(f"no message with id {message_pk}")
        move = request_move(session, app.settings, row.id, "archive", actor, now)
        if move is None:
            raise RelevanceError(f"message {message_pk} is not on a configured IMAP mailbox")
        q.audit(session, actor, "message.archive", now, row.id, target=move.target)
    audit_log.info("message %d: archive on the server requested by %s", message_pk, actor)
    return move.target


def acknowledge_fraud(app: App, message_pk: int, actor: str, note: str = "") -> None:
    """A supervisor acknowledges the fraud warnings; a held message is released."""
    now = app.clock()
    with app.sessions() as session, session.begin():
        row = session.get(m.Message, message_pk)
        if row is None:
            raise NotFound(f"no message with id {message_pk}")
        if not row.fraud_flags:
            raise RelevanceError(f"message {message_pk} has no fraud warning")
        if row.fraud_ack_at is not None:
            raise RelevanceError(
                f"message {message_pk} was already acknowledged by {row.fraud_ack_by}"
            )
        row.fraud_ack_by, row.fraud_ack_at = actor, now
        row.fraud_flags = [{**f, "needs_ack": False} for f in row.fraud_flags]
        relevance = Relevance(row.relevance) if row.relevance else Relevance.CUSTOMER
        row.disposition = disposition_for(
            Disposition(row.disposition), relevance, flags_of(row)
        ).value
        kinds = sorted({str(f.get("kind")) for f in row.fraud_flags})
        q.audit(session, actor, "fraud.acknowledged", now, row.id, kinds=kinds, note=note)
        release = row.disposition == Disposition.PROCESS.value
    audit_log.info("message %d fraud warnings acknowledged by %s", message_pk, actor)
    if release:
        from mailagent.drafts.prepare import prepare_for_message

        prepare_for_message(app, message_pk)


def fraud_warnings(app: App, *, open_only: bool = True, limit: int = 100) -> list[FraudWarning]:
    """Messages with fraud warnings, newest first (only unacknowledged ones by default)."""
    stmt = (
        select(m.Message)
        .where(m.Message.direction == "inbound")
        .order_by(m.Message.received_at.desc(), m.Message.id.desc())
    )
    if open_only:
        stmt = stmt.where(m.Message.fraud_ack_at.is_(None))
    out: list[FraudWarning] = []
    with app.sessions() as session:
        has_flags = func.length(cast(m.Message.fraud_flags, Text)) > 2  # not "[]"
        worth = m.Message.relevance.in_(("customer", "phishing"))  # not plain junk
        for row in session.scalars(stmt.where(has_flags, worth)):
            flags = flags_of(row)
            if not flags:
                continue
            out.append(
                FraudWarning(
                    row.id,
                    row.received_at,
                    row.from_email,
                    row.subject,
                    tuple(dict.fromkeys(f.kind for f in flags)),
                    tuple(f.reason for f in flags),
                )
            )
            if len(out) >= limit:
                break
    return out


def demo_lines(app: App) -> list[str]:
    """The demo report's relevance-gate section: dispositions, junk and fraud warnings."""
    with app.sessions() as session:
        rows = list(
            session.scalars(
                select(m.Message)
                .where(m.Message.direction == "inbound")
                .order_by(m.Message.received_at, m.Message.id)
            )
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.relevance or "-"] = counts.get(r.relevance or "-", 0) + 1
    junked_customers = sum(
        1
        for r in rows
        if r.relevance not in (None, "customer")
        and any(str(x).startswith("relationship.known_") for x in r.relevance_rules)
    )
    out = [
        "",
        "relevance gate (incoming mail): "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])),
        f"  mail from known customers' addresses junked: {junked_customers}",
    ]
    for r in rows:
        if r.relevance not in (None, "customer"):
            reasons = list(r.relevance_reasons)
            why = next((x for x in reasons[1:] if x.startswith(r.relevance)), reasons[0])
            out.append(f"  #{r.id} {r.relevance}: {r.subject[:50]!r}  ({why[:90]})")
    flagged = [r for r in rows if r.fraud_flags]
    out.append("")
    out.append(f"FRAUD WARNINGS: {len(flagged)} message(s) need a supervisor's check")
    for r in flagged:
        state = "HELD until a supervisor acknowledges" if r.disposition == "hold" else r.relevance
        out.append(f"  #{r.id} {r.from_email}: {r.subject[:56]!r} [{state}]")
        out += [f"      ! {f.get('kind')}: {str(f.get('reason'))[:110]}" for f in r.fraud_flags]
    return out
