"""What ``mailagent demo`` prints beyond the message table: SLA clocks and the drafts.

Demo-only read-outs over the same services production uses; nothing here is imported by
the use-case modules.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from mailagent.app import App
from mailagent.db import models as m
from mailagent.drafts.prepare import price_list_for
from mailagent.drafts.pricing import quote_lines
from mailagent.drafts.service import display_address
from mailagent.records import DraftState
from mailagent.sla import service as slaservice

__all__ = ["draft_lines", "sla_lines"]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sla_lines(app: App) -> list[str]:
    """SLA clocks of the demo mail, as of the demo's clock (``demo/clock.py``)."""
    tz = ZoneInfo(app.settings.team.timezone)
    with app.sessions() as session:
        newest = session.scalar(
            select(m.Message.received_at).order_by(m.Message.received_at.desc()).limit(1)
        )
    if newest is None:
        return ["SLA: no mail"]
    now = app.clock()
    slaservice.refresh_clocks(app, now, notify=False, since=datetime(1970, 1, 1, tzinfo=UTC))
    views = slaservice.clock_views(app)
    out = [
        "",
        f"SLA clocks as of {now.astimezone(tz):%Y-%m-%d %H:%M %Z} (the demo's clock, a week "
        "after the newest demo message; policies in rules/sla.toml):",
    ]
    for v in sorted(views, key=lambda v: v.message_pk):
        due = v.due_at.astimezone(tz)
        out.append(
            f"  #{v.message_pk:<4} {v.policy_id:<17} {v.state:<9} due {due:%m-%d %H:%M}  "
            f"{v.summary[:70]}"
        )
    states: dict[str, int] = defaultdict(int)
    for v in views:
        states[v.state] += 1
    out.append(
        "  " + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        if views
        else "  (no clocks)"
    )
    return out


def draft_lines(app: App) -> list[str]:
    """Lines for the demo report: drafts per intent and one rendered quotation."""
    with app.sessions() as session:
        drafts = list(session.scalars(select(m.Draft).order_by(m.Draft.id)))
        pending = Counter(
            d.intent for d in drafts if d.status == DraftState.PENDING and d.kind == "reply"
        )
        relays = sum(1 for d in drafts if d.kind == "relay")
        quotes = [d for d in drafts if d.intent == "inquiry" and d.quote]
        example = max(quotes, key=lambda d: len(d.quote), default=None)
        out = [
            "",
            f"drafts: {len(drafts)} prepared; pending replies by intent: "
            + (", ".join(f"{k} {v}" for k, v in sorted(pending.items())) or "none")
            + f"; {relays} complaint relay(s) to Quality",
        ]
        if example is not None:
            out += [
                "",
                f"quotation draft #{example.id} (mailagent drafts show {example.id}):",
                f"  Subject: {example.subject}",
                f"  To: {', '.join(map(display_address, example.to_addrs))}",
            ]
            out += ["  " + ln for ln in example.body.splitlines()[:40]]
    sample = "please quote 500 pcs of HX-4L-FR4-1.6, HX-2L-FR4-1.6 x 2,000 and 50 pcs HX-AL-1L-1.6"
    plist = price_list_for(app.settings)
    out += ["", f"price list check: {sample!r}"]
    for ln in quote_lines(sample, plist):
        price = f"{ln.currency} {ln.unit_price} -> {ln.currency} {ln.total}" if ln.priced else ""
        out.append(f"  {ln.code:<16} {ln.quantity or '-':>6}  {price or 'UNPRICED: ' + ln.reason}")
    return out
