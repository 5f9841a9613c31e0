"""Detect machine-generated mail (auto-replies, bounces, list mail) from headers alone.

Drafting a reply to an out-of-office notice or a bounce creates mail loops and embarrasses the
sales team, so this check runs before anything else and errs towards "machine". Evidence is
taken in order of reliability: delivery reports (RFC 3464) and bounce senders, then RFC 3834
``Auto-Submitted`` and vendor headers (``X-Autoreply``, ``Precedence``,
``X-Auto-Response-Suppress``), then out-of-office subject prefixes in the languages export
customers write in, and last list headers. The returned reason names the header or pattern that
decided, for the UI and the audit log.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import parseaddr

from mailagent.records import AutoReplyKind

__all__ = ["detect"]

_OOO_SUBJECT = re.compile(
    r"^\s*[\[【(（]?\s*(out\s+of\s+(the\s+)?office|automatic\s+reply|auto(matic)?[- ]?reply|"
    r"autoreply|auto[- ]?response|automatische\s+antwort|abwesenheitsnotiz|abwesend|"
    r"respuesta\s+autom[áa]tica|fuera\s+de\s+la\s+oficina|r[ée]ponse\s+automatique|"
    r"absence\s+du\s+bureau|risposta\s+automatica|resposta\s+autom[áa]tica|"
    r"自动回复|自動回覆|自動回复|自动答复|自動応答|自動返信|"
    r"不在(通知|のお知らせ|連絡)?(?=[\]】)）:：\s]|$))"
    r"|\bis\s+out\s+of\s+(the\s+)?office\b",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(able|ed)|delivery\s+status\s+notification|mail\s+delivery\s+(failed|failure)|"
    r"delivery\s+(failure|has\s+failed)|returned\s+mail|failure\s+notice|non[- ]?delivery|"
    r"退信|投递失败|未送达|無法傳遞|配信不能|配送エラー",
    re.IGNORECASE,
)
_DAEMONS = ("mailer-daemon", "mail-daemon", "postmaster")
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder")
_LIST_PRECEDENCE = frozenset({"bulk", "junk", "list"})


def _first(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.lower(), value.strip())
    return found


def _short(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."


def _bounce(h: dict[str, str], content_type: str, report_type: str | None) -> str | None:
    if content_type.lower() == "multipart/report" and (report_type or "").lower() == (
        "delivery-status"
    ):
        return "Content-Type: multipart/report; report-type=delivery-status"
    if "x-failed-recipients" in h:
        return f"X-Failed-Recipients: {_short(h['x-failed-recipients'])}"
    sender = parseaddr(h.get("from", ""))[1].lower()
    local = sender.partition("@")[0]
    subject = h.get("subject", "")
    if local in _DAEMONS and (match := _BOUNCE_SUBJECT.search(subject)):
        return f"From: {sender} with bounce subject {match.group(0)!r}"
    if local in _DAEMONS[:2]:
        return f"From: {sender}"
    return None


def _auto_reply(h: dict[str, str], content_type: str, report_type: str | None) -> str | None:
    if content_type.lower() == "multipart/report" and report_type:
        return f"Content-Type: multipart/report; report-type={_short(report_type)}"
    submitted = h.get("auto-submitted", "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {_short(submitted)}"
    for name in _AUTO_HEADERS:
        if name in h and h[name].lower() not in ("no", "false", "0"):
            return f"{name}: {_short(h[name]) or '(empty)'}"
    if h.get("precedence", "").lower() == "auto_reply":
        return "Precedence: auto_reply"
    suppress = {v.strip().lower() for v in h.get("x-auto-response-suppress", "").split(",")}
    if suppress & {"all", "oof"}:
        return f"X-Auto-Response-Suppress: {_short(h['x-auto-response-suppress'])}"
    if match := _OOO_SUBJECT.search(h.get("subject", "")):
        return f"Subject matches out-of-office pattern {match.group(0).strip()!r}"
    return None


def _list(h: dict[str, str]) -> str | None:
    precedence = h.get("precedence", "").lower()
    if precedence in _LIST_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe"):
        if name in h:
            return f"{name.title()}: {_short(h[name])}"
    return None


def detect(
    headers: Sequence[tuple[str, str]],
    content_type: str = "text/plain",
    *,
    report_type: str | None = None,
) -> tuple[AutoReplyKind, str | None]:
    """Classify a message as a bounce, auto-reply, list mail or none, and say why.

    ``headers`` are decoded ``(name, value)`` pairs (the first occurrence of a name counts);
    ``content_type`` is the top-level MIME type and ``report_type`` its ``report-type``
    parameter, if any.
    """
    h = _first(headers)
    if reason := _bounce(h, content_type, report_type):
        return AutoReplyKind.BOUNCE, reason
    if reason := _auto_reply(h, content_type, report_type):
        return AutoReplyKind.AUTO_REPLY, reason
    if reason := _list(h):
        return AutoReplyKind.LIST, reason
    return AutoReplyKind.NONE, None
