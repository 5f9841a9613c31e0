"""``rules/followup.toml``: loaded once into typed frozen rules, validated with located errors.

Sections: ``[settings]``, ``[[pending]]`` (what our last message waits for: compiled
regexes), ``[[silence]]`` (follow-up rules per pending kind: days, max tries, spacing, stop
conditions from a closed vocabulary), ``[[ladder]]`` (payment steps, offsets relative to the
due date), ``[greetings]``, ``[[occasion]]`` and ``[[closure]]``. Any problem raises
:class:`~mailagent.errors.RulesError` naming ``file: rule "id": field``. Unknown keys are
errors. Pure: reads only the file it is given.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailagent.errors import RulesError

__all__ = [
    "FILENAME",
    "LANGUAGES",
    "STOP_CONDITIONS",
    "TONES",
    "Closure",
    "FollowupRules",
    "GreetingSettings",
    "LadderStep",
    "Occasion",
    "PendingKind",
    "SilenceRule",
    "check",
    "load_followup_rules",
    "parse_followup_rules",
]

FILENAME = "followup.toml"
STOP_CONDITIONS = ("customer_reply", "order_received", "followup_rejected")
TONES = ("friendly", "due", "firm", "firmer", "final")
LANGUAGES = ("en", "zh", "de", "es", "pt")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_MMDD = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


@dataclass(frozen=True, slots=True)
class PendingKind:
    id: str
    pattern: re.Pattern[str]
    draft_intents: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class SilenceRule:
    id: str
    pending: str
    days: int
    max_tries: int
    spacing_days: int
    stop_when: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LadderStep:
    id: str
    offset_days: int
    tone: str
    escalate: bool
    auto_send: bool


@dataclass(frozen=True, slots=True)
class Occasion:
    id: str
    fixed: tuple[int, int] | None  # (month, day)
    holiday_country: str
    holiday_name: str
    markets: frozenset[str]  # "*" = everywhere
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("en") or self.id

    def greeted_in(self, country: str) -> bool:
        return "*" in self.markets or country in self.markets


@dataclass(frozen=True, slots=True)
class Closure:
    id: str
    holiday_name: str
    names: dict[str, str]


@dataclass(frozen=True, slots=True)
class GreetingSettings:
    days_ahead: int = 7
    notice_days_ahead: int = 14
    team_country: str = "CN"
    active_days: int = 180


@dataclass(frozen=True, slots=True)
class FollowupRules:
    path: str
    pending: tuple[PendingKind, ...]
    silence: tuple[SilenceRule, ...]
    ladder: tuple[LadderStep, ...]
    greetings: GreetingSettings
    occasions: tuple[Occasion, ...]
    closures: tuple[Closure, ...]
    business_morning: tuple[int, int] = (9, 0)
    working_hours: tuple[int, int] = (540, 1080)  # minutes after local midnight
    supervisor_escalation: bool = True
    paid_claim: re.Pattern[str] | None = None

    def silence_rule(self, pending: str) -> SilenceRule | None:
        return next((r for r in self.silence if r.pending == pending), None)


class _Where:
    def __init__(self, path: str, table: str, rule: str | None) -> None:
        self.path, self.table, self.rule = path, table, rule

    def error(self, key: str, problem: str) -> RulesError:
        rule = f' rule "{self.rule}":' if self.rule else ""
        return RulesError(f"{self.path}: {self.table}{rule} {key}: {problem}")


def _take(
    data: dict[str, Any], key: str, kind: type | tuple[type, ...], w: _Where, default: Any
) -> Any:
    if key not in data:
        if default is ...:
            raise w.error(key, "required")
        return default
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise w.error(key, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _no_unknown(data: dict[str, Any], known: set[str], w: _Where) -> None:
    extra = sorted(set(data) - known)
    if extra:
        raise w.error(extra[0], "unknown key")


def _items(raw: dict[str, Any], table: str, path: str) -> list[tuple[dict[str, Any], _Where]]:
    items = raw.get(table, [])
    if not isinstance(items, list):
        raise RulesError(f"{path}: [[{table}]]: expected an array of tables")
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        rid = item.get("id") if isinstance(item, dict) else None
        w = _Where(path, f"[[{table}]]", str(rid) if rid else f"#{i + 1}")
        if not isinstance(item, dict):
            raise w.error("", "expected a table")
        if not isinstance(rid, str) or not _ID.fullmatch(rid):
            raise w.error("id", "required: lower-case letters, digits, . _ -")
        if rid in seen:
            raise w.error("id", "duplicate id")
        seen.add(rid)
        out.append((item, w))
    return out


def _minutes(value: str, w: _Where, key: str) -> int:
    if not _HHMM.fullmatch(value):
        raise w.error(key, f"expected HH:MM, got {value!r}")
    return int(value[:2]) * 60 + int(value[3:])


def _names(item: dict[str, Any], w: _Where) -> dict[str, str]:
    names = _take(item, "names", dict, w, ...)
    if "en" not in names or not all(isinstance(v, str) and v for v in names.values()):
        raise w.error("names", "needs non-empty strings, at least names.en")
    return dict(names)


def _pending(raw: dict[str, Any], path: str) -> tuple[PendingKind, ...]:
    out = []
    for item, w in _items(raw, "pending", path):
        _no_unknown(item, {"id", "description", "matches", "multiline", "draft_intents"}, w)
        flags = re.MULTILINE if _take(item, "multiline", bool, w, False) else 0
        try:
            pattern = re.compile(_take(item, "matches", str, w, ...), flags)
        except re.error as exc:
            raise w.error("matches", f"invalid regex: {exc}") from exc
        intents = tuple(_take(item, "draft_intents", list, w, []))
        out.append(
            PendingKind(item["id"], pattern, intents, _take(item, "description", str, w, ""))
        )
    return tuple(out)


def _silence(raw: dict[str, Any], path: str, pending: set[str]) -> tuple[SilenceRule, ...]:
    out = []
    for item, w in _items(raw, "silence", path):
        _no_unknown(item, {"id", "pending", "days", "max_tries", "spacing_days", "stop_when"}, w)
        kind = _take(item, "pending", str, w, ...)
        if kind not in pending:
            raise w.error("pending", f"unknown pending kind {kind!r} (one of {sorted(pending)})")
        numbers = {k: _take(item, k, int, w, ...) for k in ("days", "max_tries", "spacing_days")}
        for key, value in numbers.items():
            if value < 1:
                raise w.error(key, "must be at least 1")
        stops = _take(item, "stop_when", list, w, ["customer_reply"])
        for s in stops:
            if s not in STOP_CONDITIONS:
                raise w.error(
                    "stop_when", f"unknown condition {s!r} (one of {', '.join(STOP_CONDITIONS)})"
                )
        out.append(
            SilenceRule(
                item["id"],
                kind,
                numbers["days"],
                numbers["max_tries"],
                numbers["spacing_days"],
                tuple(stops),
            )
        )
    return tuple(out)


def _ladder(raw: dict[str, Any], path: str) -> tuple[LadderStep, ...]:
    out: list[LadderStep] = []
    for item, w in _items(raw, "ladder", path):
        _no_unknown(item, {"id", "offset_days", "tone", "escalate", "auto_send"}, w)
        offset = _take(item, "offset_days", int, w, ...)
        if out and offset <= out[-1].offset_days:
            raise w.error("offset_days", "steps must be in increasing order of offset_days")
        tone = _take(item, "tone", str, w, ...)
        if tone not in TONES:
            raise w.error("tone", f"one of {', '.join(TONES)}")
        out.append(
            LadderStep(
                item["id"],
                offset,
                tone,
                _take(item, "escalate", bool, w, False),
                _take(item, "auto_send", bool, w, False),
            )
        )
    return tuple(out)


def _occasions(raw: dict[str, Any], path: str) -> tuple[Occasion, ...]:
    out = []
    for item, w in _items(raw, "occasion", path):
        _no_unknown(item, {"id", "fixed", "holiday_country", "holiday_name", "markets", "names"}, w)
        fixed_s = _take(item, "fixed", str, w, "")
        country = _take(item, "holiday_country", str, w, "")
        hname = _take(item, "holiday_name", str, w, "")
        if bool(fixed_s) == bool(country and hname):
            raise w.error("fixed", 'give either fixed = "MM-DD" or holiday_country + holiday_name')
        if fixed_s and not _MMDD.fullmatch(fixed_s):
            raise w.error("fixed", f"expected MM-DD, got {fixed_s!r}")
        fixed = (int(fixed_s[:2]), int(fixed_s[3:])) if fixed_s else None
        markets = _take(item, "markets", list, w, ...)
        if not markets or not all(
            isinstance(mk, str) and (mk == "*" or len(mk) == 2) for mk in markets
        ):
            raise w.error("markets", 'a non-empty list of ISO country codes or "*"')
        out.append(Occasion(item["id"], fixed, country, hname, frozenset(markets), _names(item, w)))
    return tuple(out)


def _closures(raw: dict[str, Any], path: str) -> tuple[Closure, ...]:
    out = []
    for item, w in _items(raw, "closure", path):
        _no_unknown(item, {"id", "holiday_name", "names"}, w)
        out.append(Closure(item["id"], _take(item, "holiday_name", str, w, ...), _names(item, w)))
    return tuple(out)


def parse_followup_rules(text: str, path: str) -> FollowupRules:
    """Parse and validate the TOML ``text`` (``path`` is only used in error messages)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    top = _Where(path, "", None)
    _no_unknown(
        raw, {"settings", "pending", "silence", "ladder", "greetings", "occasion", "closure"}, top
    )
    s = raw.get("settings", {})
    ws = _Where(path, "[settings]", None)
    _no_unknown(s, {"business_morning", "working_hours", "supervisor_escalation", "paid_claim"}, ws)
    claim_text = _take(s, "paid_claim", str, ws, "")
    try:
        paid_claim = re.compile(claim_text) if claim_text else None
    except re.error as exc:
        raise ws.error("paid_claim", f"invalid regex: {exc}") from exc
    morning = _minutes(_take(s, "business_morning", str, ws, "09:00"), ws, "business_morning")
    hours = _take(s, "working_hours", list, ws, ["09:00", "18:00"])
    if len(hours) != 2 or not all(isinstance(h, str) for h in hours):
        raise ws.error("working_hours", 'expected ["HH:MM", "HH:MM"]')
    start, end = (_minutes(h, ws, "working_hours") for h in hours)
    if end <= start:
        raise ws.error("working_hours", "the end must be after the start")
    g = raw.get("greetings", {})
    wg = _Where(path, "[greetings]", None)
    _no_unknown(g, {"days_ahead", "notice_days_ahead", "team_country", "active_days"}, wg)
    greetings = GreetingSettings(
        _take(g, "days_ahead", int, wg, 7),
        _take(g, "notice_days_ahead", int, wg, 14),
        _take(g, "team_country", str, wg, "CN"),
        _take(g, "active_days", int, wg, 180),
    )
    pending = _pending(raw, path)
    return FollowupRules(
        path=path,
        pending=pending,
        silence=_silence(raw, path, {p.id for p in pending}),
        ladder=_ladder(raw, path),
        greetings=greetings,
        occasions=_occasions(raw, path),
        closures=_closures(raw, path),
        business_morning=divmod(morning, 60),
        working_hours=(start, end),
        supervisor_escalation=_take(s, "supervisor_escalation", bool, ws, True),
        paid_claim=paid_claim,
    )


def load_followup_rules(rules_dir: str | Path) -> FollowupRules:
    """Load ``<rules_dir>/followup.toml``; a missing file means the engine has no rules."""
    path = Path(rules_dir) / FILENAME
    if not path.exists():
        return parse_followup_rules("", str(path))
    return parse_followup_rules(path.read_text(encoding="utf-8"), str(path))


def check(rules_dir: str | Path) -> list[str]:
    """What ``mailagent rules check`` prints for the follow-up rules (raises RulesError)."""
    r = load_followup_rules(rules_dir)
    return [
        f"{r.path}: {len(r.silence)} silence rules, {len(r.ladder)} ladder steps, "
        f"{len(r.occasions)} occasions, {len(r.closures)} closures",
        *(
            f"  silence {s.id}: after {s.days} business days, up to {s.max_tries} tries "
            f"every {s.spacing_days}; stops on {', '.join(s.stop_when)}"
            for s in r.silence
        ),
        *(
            f"  ladder {s.id}: due {s.offset_days:+d} days, {s.tone}"
            f"{', escalates' if s.escalate else ''}"
            for s in r.ladder
        ),
    ]
