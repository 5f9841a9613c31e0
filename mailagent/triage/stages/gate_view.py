"""What the relevance gate reads from a mail: header values, body text, links and the
structural checks named in ``rules/relevance.toml`` (``when.check``).

:class:`GateView` computes each fact once per message, lazily. :func:`structure` answers a
named check with a reason fragment (or None). Pure: no I/O, no clock.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re
from functools import cached_property

from mailagent.records import InboundMail

__all__ = ["BODY_CHARS", "GateView", "host_of", "registrable", "structure"]

BODY_CHARS = 12_000  # spam shows itself early; long digests and threads cost no more
_TAG = re.compile(r"<[^>]*>", re.S)
_ANCHOR = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)[^>]*>(.*?)</a\s*>", re.I | re.S)
_HOST_IN_TEXT = re.compile(
    r"(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![a-z0-9-])", re.I
)
_URL = re.compile(r"https?://([^/\s\"'<>:?#]+)", re.I)
_HIDDEN = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?\s*(?:px|pt)?\s*[;\"']"
    r"|<font[^>]*\bsize\s*=\s*[\"']?[01]\b|color\s*[:=]\s*[\"']?(?:#fff\b|#ffffff\b|white\b)",
    re.I,
)
_IMG = re.compile(r"<img\b", re.I)
_URL_FULL = re.compile(r"https?://[^\s\"'<>]+", re.I)
_SCRIPT = re.compile(r"<script\b|\bon(?:load|click|error|mouseover)\s*=|javascript:", re.I)
_RANDOM_LOCAL = re.compile(r"\d{4,}|[a-z]+\d+[a-z]+\d+|^[a-z0-9]{16,}$", re.I)
_NOREPLY = re.compile(
    r"^(?:no-?reply|do-?not-?reply|donotreply|noreply[\w.-]*|notifications?|notify|alerts?"
    r"|system|mailer|automated|auto-?confirm|service|support|account|accounts|billing"
    r"|shipment|tracking|info|news|newsletter|updates?|marketing|mailing)(?:[+._-][\w.-]*)?$",
    re.I,
)
_TAIL_NUMBER = re.compile(
    r"(?:\s{3,}|\s[-_#]\s*|\s{2,}\S*?)\d{3,}\s*$|\s{3,}\d[\d.,:/-]*\d\s*$|\s{5,}\S+\s*$|\S\s{8,}"
)
_ALNUM = re.compile(r"[A-Za-z0-9]{6,}")
_COMMON_SLD = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"})
_FILE_TLDS = frozenset(
    [
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "jpg",
        "jpeg",
        "png",
        "gif",
        "zip",
        "rar",
        "txt",
        "htm",
        "html",
        "php",
        "asp",
        "aspx",
        "jsp",
        "csv",
        "eml",
        "msg",
        "exe",
        "js",
        "json",
        "xml",
    ]
)


def host_of(url: str) -> str:
    found = _URL.match(url.strip())
    return found.group(1).lower().rstrip(".") if found else ""


def registrable(host: str) -> str:
    """The registrable part of a host, roughly (``mail.acme.co.uk`` -> ``acme.co.uk``)."""
    parts = host.lower().rstrip(".").split(".")
    if len(parts) >= 3 and parts[-2] in _COMMON_SLD and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


class GateView:
    """Lazily computed facts about one mail for the gate's rules and checks."""

    def __init__(self, mail: InboundMail) -> None:
        self.mail = mail
        self._distinct: dict[re.Pattern[str], frozenset[str]] = {}

    @cached_property
    def headers(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, value in self.mail.headers:
            out.setdefault(key.lower(), []).append(value)
        return out

    @cached_property
    def sender(self) -> str:
        return self.mail.from_.email.lower() if self.mail.from_ else ""

    @cached_property
    def sender_name(self) -> str:
        return self.mail.from_.name if self.mail.from_ else ""

    @cached_property
    def body(self) -> str:
        """Subject and readable text (the first 12,000 characters: what content rules read)."""
        return f"{self.mail.subject}\n{self.mail.text[:BODY_CHARS]}"

    @cached_property
    def body_lower(self) -> str:
        return self.body.lower()

    def distinct(self, pattern: re.Pattern[str], lower: bool = False) -> frozenset[str]:
        """The distinct matches of ``pattern`` in :attr:`body` (or its lower-cased form),
        computed once per pattern."""
        found = self._distinct.get(pattern)
        if found is None:
            text = self.body_lower if lower else self.body
            found = frozenset(m.group(0).lower()[:40] for m in pattern.finditer(text))
            self._distinct[pattern] = found
        return found

    @cached_property
    def html_text(self) -> str:
        html = self.mail.html or ""
        html = re.sub(r"<(style|script)\b.*?</\1\s*>", " ", html[:200_000], flags=re.I | re.S)
        return " ".join(htmllib.unescape(_TAG.sub(" ", html)).split())

    @cached_property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or [""])[0].lower()

    @cached_property
    def anchors(self) -> list[tuple[str, str]]:
        """(href host, visible text) of each HTML link."""
        out = []
        for href, inner in _ANCHOR.findall((self.mail.html or "")[:200_000]):
            text = " ".join(htmllib.unescape(_TAG.sub(" ", inner)).split())
            out.append((host_of(htmllib.unescape(href)), text))
        return out


def structure(view: GateView, name: str) -> str | None:
    """Reason fragment if the named structural check holds, else None."""
    mail = view.mail
    if name == "html_only":
        return (
            "HTML only, no plain-text part" if view.content_type.startswith("text/html") else None
        )
    if name == "hidden_text":
        found = _HIDDEN.search((mail.html or "")[:200_000])
        return f"HTML hides text ({found.group(0)[:30]!r})" if found else None
    if name == "image_only":
        images = len(_IMG.findall((mail.html or "")[:200_000]))
        if images and len(view.html_text) < 120 * images and len(view.html_text) < 400:
            return f"{images} image(s) and only {len(view.html_text)} characters of text"
        return None
    if name == "link_host_mismatch":
        return _mismatch(view)
    if name == "many_recipients":
        count = len(mail.to) + len(mail.cc)
        return f"{count} recipients in To/Cc" if count > 10 else None
    if name == "undisclosed_recipients":
        raw_to = " ".join(view.headers.get("to", []))
        if not mail.to or "undisclosed" in raw_to.lower():
            return "no visible recipients (undisclosed)"
        return None
    if name == "subject_shouting":
        letters = [c for c in mail.subject if c.isascii() and c.isalpha()]
        upper = sum(1 for c in letters if c.isupper())
        return "subject in capitals" if len(letters) >= 12 and upper >= 0.7 * len(letters) else None
    if name == "subject_tail_number":
        if _TAIL_NUMBER.search(mail.subject):
            return "subject ends in a tracking number"
        token = next((t for t in _ALNUM.findall(mail.subject) if _random_token(t)), None)
        return f"subject carries a random token {token!r}" if token else None
    if name == "from_random_local":
        local = view.sender.partition("@")[0]
        return f"generated-looking sender {local!r}" if _RANDOM_LOCAL.search(local) else None
    if name == "from_noreply":
        local = view.sender.partition("@")[0]
        return f"system sender {view.sender}" if local and _NOREPLY.match(local) else None
    if name == "subject_names_recipient":
        subject = mail.subject.lower()
        for a in mail.to[:3]:
            local = a.email.partition("@")[0].lower()
            bracketed = f"[{local}" in subject or f"{local}]" in subject  # a list's tag
            if len(local) >= 4 and local in subject and not bracketed:
                return f"subject names the recipient {local!r}"
        return None
    if name == "link_farm":
        hosts = _URL.findall(f"{mail.text[:60_000]} {(mail.html or '')[:200_000]}")
        urls = len(set(_URL_FULL.findall(mail.text[:60_000])) | {h.lower() for h in hosts})
        words = len(view.body.split())
        if urls >= 4 and words < 25 * urls:
            return f"{urls} links in {words} words"
        return None
    if name == "html_script":
        found = _SCRIPT.search((mail.html or "")[:200_000])
        return f"HTML runs code ({found.group(0)[:20]!r})" if found else None
    if name == "no_message_id":
        return "no Message-ID" if mail.message_id_synthetic else None
    raise ValueError(f"unknown check {name!r}")  # the loader only admits known checks


def _random_token(token: str) -> bool:
    """``6117kFvc5``, ``4156cumG9``: letters and digits mixed the way generators do."""
    kinds = ["d" if c.isdigit() else "u" if c.isupper() else "l" for c in token]
    changes = sum(1 for a, b in itertools.pairwise(kinds) if (a == "d") != (b == "d"))
    mixed_case = "u" in kinds and "l" in kinds
    return changes >= 3 or (changes >= 2 and mixed_case)


def _mismatch(view: GateView) -> str | None:
    for href_host, text in view.anchors:
        if not href_host:
            continue
        shown = _HOST_IN_TEXT.search(text)
        if shown is None or "@" in text:
            continue
        shown_host = shown.group(1).lower()
        if shown_host.rpartition(".")[2] in _FILE_TLDS:
            continue
        if registrable(shown_host) != registrable(href_host):
            return f"link text shows {shown_host} but goes to {href_host}"
    return None
