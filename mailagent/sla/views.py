"""SLA clocks as the web UI shows them: the most urgent clock per message.

Reads the ``sla_clocks`` rows kept up to date by ``slaservice.refresh_clocks`` (the state
and reasons as last evaluated); it computes nothing itself. A message can carry several
clocks (e.g. "answered" and "relayed"); the UI shows the most urgent one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.sla.clock import SlaState

__all__ = ["SLA_STATES", "SlaBadge", "sla_badges", "sla_condition"]

SLA_STATES = tuple(s.value for s in SlaState)
_URGENCY = {"breached": 4, "warning": 3, "running": 2, "paused": 1, "met": 0}


@dataclass(frozen=True, slots=True)
class SlaBadge:
    state: str
    policy_id: str
    due_at: datetime
    reasons: tuple[str, ...]
    escalated: bool

    @property
    def summary(self) -> str:
        return self.reasons[-1] if self.reasons else ""


def sla_badges(app: App, message_pks: Iterable[int]) -> dict[int, SlaBadge]:
    """The most urgent clock of each message that has one."""
    ids = list(message_pks)
    if not ids:
        return {}
    out: dict[int, SlaBadge] = {}
    with app.sessions() as session:
        for clock in session.scalars(select(m.SlaClock).where(m.SlaClock.message_pk.in_(ids))):
            badge = SlaBadge(
                state=clock.state,
                policy_id=clock.policy_id,
                due_at=clock.due_at,
                reasons=tuple(str(r) for r in clock.reasons),
                escalated=clock.escalated_at is not None and clock.acknowledged_at is None,
            )
            have = out.get(clock.message_pk)
            if have is None or _URGENCY.get(badge.state, 0) > _URGENCY.get(have.state, 0):
                out[clock.message_pk] = badge
    return out


def sla_condition(state: str) -> Any:
    """Messages with a clock in ``state`` (for the inbox filter)."""
    return exists().where(m.SlaClock.message_pk == m.Message.id, m.SlaClock.state == state)
