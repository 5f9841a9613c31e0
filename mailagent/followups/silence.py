"""Follow-ups on silence: decide, for one thread, whether a follow-up is due (pure).

Our *anchor* is the last message we sent in the thread that was not itself a follow-up. If
it is waiting for something (a ``[[pending]]`` kind: a PI, a quote, a question) and nobody at
the customer has written since (any contact or domain of the customer; auto-replies and
bounces do not count), the ``[[silence]]`` rule for that kind says after how many of the
customer's business days the first follow-up is due, how many follow the first and how far
apart. An out-of-office that says when they are back pauses the clock until then. Every
decision carries its reasons. No clock, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailagent.followups.rules import FollowupRules, PendingKind, SilenceRule
from mailagent.followups.workdays import add_business_days

__all__ = [
    "SilenceDecision",
    "ThreadFacts",
    "ThreadMessage",
    "decide",
    "pending_kind",
    "return_date",
]


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    key: str  # Message-ID (or draft:<id> for a sent draft not yet seen in Sent)
    at: datetime
    outbound: bool
    from_customer: bool  # inbound from any contact or domain of the thread's customer
    auto_reply: str = "none"  # none | auto_reply | bounce | list
    text: str = ""
    draft_intent: str = ""  # intent of the draft it was sent from ("" if none)
    quote_items: tuple[str, ...] = ()  # priced lines of that draft
    is_followup: bool = False
    intent: str = ""


@dataclass(frozen=True, slots=True)
class ThreadFacts:
    thread_id: int
    customer_id: int
    country: str  # ISO code of the customer's calendar
    zone: str
    messages: tuple[ThreadMessage, ...]  # any order
    tries: tuple[datetime, ...] = ()  # follow-ups already drafted for the current anchor
    rejected: bool = False  # a follow-up of this anchor was rejected by a salesperson
    order_since: bool = False  # the customer placed an order after the anchor


@dataclass(frozen=True, slots=True)
class SilenceDecision:
    state: str  # none | waiting | due | paused | stopped | exhausted
    anchor: str = ""
    rule_id: str = ""
    pending: str = ""
    due_on: date | None = None
    try_no: int = 0
    items: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default=())


def pending_kind(
    msg: ThreadMessage, kinds: tuple[PendingKind, ...]
) -> tuple[PendingKind, tuple[str, ...]] | None:
    """The first pending kind our message matches, with the lines still open.

    The open lines are our priced lines and our questions (what the customer has to answer),
    else the lines that matched the kind.
    """
    lines = [ln.strip() for ln in msg.text.splitlines() if ln.strip()]
    open_lines = [ln for ln in lines if _PRICE.search(ln) or _QUESTION.search(ln)]
    for kind in kinds:
        if msg.quote_items and msg.draft_intent in kind.draft_intents:
            questions = [ln for ln in lines if _QUESTION.search(ln)]
            return kind, (*msg.quote_items, *(q[:200] for q in questions[:3]))
        hits = [ln for ln in lines if kind.pattern.search(ln)]
        if hits:
            shown = open_lines or hits
            return kind, tuple(h[:200] for h in shown[:6])
    return None


_PRICE = re.compile(r"(?i)\b(USD|EUR|CNY|RMB|GBP|JPY)\s*[0-9]|[$€¥£]\s*[0-9]")
_QUESTION = re.compile(r"[?？]\s*$")


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_NUMERIC = re.compile(
    r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b|\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\b"
)
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]{3})[a-z]*\b", re.I)
_MONTH_DAY = re.compile(r"\b([a-z]{3})[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_CJK = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_CUE = re.compile(
    r"(back|return|returning|zurück|wieder|regreso|volver[eé]|retorno|volto|until|till|bis|hasta|até|回来|返回|之前|至)",
    re.I,
)


def return_date(text: str, received: date) -> date | None:
    """The date an out-of-office says they are back (the first date after a cue word)."""
    cjk = _CJK.search(text or "")
    if cjk is not None:
        return _year_for(int(cjk.group(1)), int(cjk.group(2)), received, None)
    cue = _CUE.search(text or "")
    if cue is None:
        return None
    tail = text[cue.start() : cue.start() + 120]
    for pick in (_from_numeric, _from_words):
        found = pick(tail, received)
        if found is not None:
            return found
    return None


def _year_for(month: int, day: int, received: date, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year if year > 99 else 2000 + year, month, day)
        guess = date(received.year, month, day)
        return (
            guess if guess >= received - timedelta(days=7) else date(received.year + 1, month, day)
        )
    except ValueError:
        return None


def _from_numeric(tail: str, received: date) -> date | None:
    m = _NUMERIC.search(tail)
    if m is None:
        return None
    if m.group(1):
        return _year_for(int(m.group(2)), int(m.group(3)), received, int(m.group(1)))
    a, b = int(m.group(4)), int(m.group(5))
    year = int(m.group(6)) if m.group(6) else None
    day, month = (a, b) if "." in m.group(0) or a > 12 else (b, a) if b > 12 else (a, b)
    return _year_for(month, day, received, year)


def _from_words(tail: str, received: date) -> date | None:
    found: list[tuple[int, int, int]] = []  # (position, month, day)
    for m in _DAY_MONTH.finditer(tail):
        if m.group(2).lower() in _MONTHS:
            found.append((m.start(), _MONTHS[m.group(2).lower()], int(m.group(1))))
    for m in _MONTH_DAY.finditer(tail):
        if m.group(1).lower() in _MONTHS:
            found.append((m.start(), _MONTHS[m.group(1).lower()], int(m.group(2))))
    if not found:
        return None
    _, month, day = min(found)
    return _year_for(month, day, received, None)


def _anchor(messages: list[ThreadMessage]) -> ThreadMessage | None:
    ours = [mm for mm in messages if mm.outbound and not mm.is_followup]
    return ours[-1] if ours else None


def decide(facts: ThreadFacts, rules: FollowupRules, now: datetime) -> SilenceDecision:
    """Is a follow-up due on this thread at ``now``, and why (or why not)."""
    msgs = sorted(facts.messages, key=lambda mm: mm.at)
    anchor = _anchor(msgs)
    if anchor is None:
        return SilenceDecision("none", reasons=("we have not written in this thread",))
    found = pending_kind(anchor, rules.pending)
    if found is None:
        return SilenceDecision(
            "none", anchor.key, reasons=("our last message is not waiting for anything",)
        )
    kind, items = found
    rule = rules.silence_rule(kind.id)
    if rule is None:
        return SilenceDecision(
            "none", anchor.key, pending=kind.id, reasons=(f"no [[silence]] rule for {kind.id}",)
        )
    base = SilenceDecision("none", anchor.key, rule.id, kind.id, items=items)
    after = [mm for mm in msgs if mm.at > anchor.at and not mm.outbound and mm.from_customer]
    stop = _stopped(rule, facts, after)
    if stop:
        return _with(base, "stopped", reasons=stop)
    tz = ZoneInfo(facts.zone)
    today = now.astimezone(tz).date()
    reasons = [
        f"our {anchor.at.astimezone(tz):%Y-%m-%d} message is a {kind.id}"
        f" ({kind.description or kind.id})"
    ]
    start = max((anchor.at, *facts.tries)).astimezone(tz).date()
    ooo = [mm for mm in after if mm.auto_reply == "auto_reply"]
    back = max((d for d in (return_date(mm.text, mm.at.date()) for mm in ooo) if d), default=None)
    if back is not None and back > start:
        if today < back:
            reasons.append(f"out of office until {back:%Y-%m-%d}: paused")
            return _with(base, "paused", due_on=back, reasons=tuple(reasons))
        reasons.append(f"they were out of office until {back:%Y-%m-%d}: counted from then")
        start = back - timedelta(days=1)
    tries = len(facts.tries)
    if tries >= rule.max_tries:
        reasons.append(f"{tries} follow-up(s) already drafted: the rule allows {rule.max_tries}")
        return _with(base, "exhausted", try_no=tries, reasons=tuple(reasons))
    days = rule.days if tries == 0 else rule.spacing_days
    due_on = add_business_days(start, days, facts.country)
    cal = facts.country or "Mon-Fri"
    reasons.append(f"{days} business day(s) of {cal} after {start:%Y-%m-%d} is {due_on:%Y-%m-%d}")
    state = "due" if today >= due_on else "waiting"
    return _with(base, state, due_on=due_on, try_no=tries + 1, reasons=tuple(reasons))


def _with(base: SilenceDecision, state: str, **kw: object) -> SilenceDecision:
    from dataclasses import replace

    return replace(base, state=state, **kw)  # type: ignore[arg-type]


def _stopped(rule: SilenceRule, facts: ThreadFacts, after: list[ThreadMessage]) -> tuple[str, ...]:
    human = [mm for mm in after if mm.auto_reply == "none"]
    if human:
        who = human[0].key
        return (f"the customer replied ({who}, {human[0].at:%Y-%m-%d %H:%M} UTC)",)
    if "order_received" in rule.stop_when and facts.order_since:
        return ("the customer placed an order since",)
    if "followup_rejected" in rule.stop_when and facts.rejected:
        return ("a salesperson rejected a follow-up of this message",)
    return ()
