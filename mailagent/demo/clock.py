"""The demo's one "now": every age, SLA clock and follow-up of the demo is computed against it.

The demo mail is from a fixed week, so the real date would make every age grow by the day
while the SLA clocks stay where the demo left them (the dashboard once showed 697.9 h next to
clocks of a frozen evening). The demo therefore sets ``app.clock`` to a clock that starts one
week after the newest demo message (02:00 UTC, so the follow-up engine finds mail gone
silent) and runs on in real time from there: the CLI report, the SLA clocks and the web UI
all read the same clock, and log-in sessions and throttles still see time pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from sqlalchemy import func, select

from mailagent.app import App, utcnow
from mailagent.db import models as m

__all__ = ["anchor_after", "demo_anchor", "install_demo_clock", "mail_anchor", "running_from"]

SILENCE = timedelta(days=7)


def anchor_after(newest: datetime) -> datetime:
    """02:00 UTC on the day a week after ``newest``."""
    aware = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    return datetime.combine((aware.astimezone(UTC) + SILENCE).date(), time(2, 0), tzinfo=UTC)


def demo_anchor(app: App) -> datetime | None:
    """The anchor for the newest stored message (None: no mail)."""
    with app.sessions() as session:
        newest = session.scalar(select(func.max(m.Message.received_at)))
    return None if newest is None else anchor_after(newest)


def mail_anchor(files: Iterable[Path]) -> datetime | None:
    """The anchor for the newest ``Date:`` of these .eml files, before they are imported (so
    drafts, audit rows and clocks made while importing carry demo time, not today's)."""
    dates = []
    for path in files:
        with path.open("rb") as fh:
            value = BytesHeaderParser().parse(fh).get("Date")
        try:
            dates.append(parsedate_to_datetime(str(value)))
        except (TypeError, ValueError):
            continue
    return anchor_after(max(dates)) if dates else None


def running_from(anchor: datetime, real: Callable[[], datetime] = utcnow) -> Callable[[], datetime]:
    """A clock showing ``anchor`` now and moving on in real time."""
    started = real()
    return lambda: anchor + (real() - started)


def install_demo_clock(app: App, anchor: datetime | None = None) -> datetime | None:
    """Point ``app.clock`` at the demo's clock starting at ``anchor`` (default: from the
    stored mail); returns the start (None: no mail, clock unchanged)."""
    anchor = anchor or demo_anchor(app)
    if anchor is not None:
        app.clock = running_from(anchor)
    return anchor
