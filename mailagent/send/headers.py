"""Message-id headers written the way mail clients thread them: never RFC 2047-encoded.

The ``email`` package's SMTP policy treats ``In-Reply-To`` and ``References`` as unstructured
text: a value with a token longer than the line limit (every Exchange/Outlook Message-ID is
~86 characters) is wrapped in ``=?utf-8?q?…?=`` encoded words, which no mail client decodes
in these headers, so the customer's client cannot thread our reply. Here the three
message-id headers (``Message-ID``, ``In-Reply-To``, ``References``) get a header class that
folds only *between* ids (RFC 5322 §3.6.4 allows folding white space there and nowhere
inside an id) and never encodes. Ids that are not plain printable ASCII (a hostile or broken
original) are dropped rather than written, since they could not be written unencoded.

Pure: builds policies and header values; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, Policy
from typing import Any, cast

__all__ = [
    "ID_HEADERS",
    "OUTBOUND_POLICY",
    "clean_id",
    "fold_ids",
    "set_id_headers",
]

ID_HEADERS = ("message-id", "in-reply-to", "references")
# RFC 5322 msg-id without the angle brackets: printable ASCII, no white space, no <>
_ID = re.compile(r"[!-;=?-~]+")
# RFC 5322 §2.1.1: at most 998 characters per line; an id longer than a line is not kept
_MAX_ID = 900
# References keeps the first id (the thread root) and the newest ones (RFC 5322 §3.6.4 and
# what Thunderbird and Outlook do) so the header stays a reasonable size in long threads
MAX_REFERENCES = 20


def clean_id(value: str) -> str | None:
    """``value`` as a bare id (no brackets, no white space), or None if it is not one."""
    bare = value.strip().strip("<>").strip()
    if not bare or len(bare) > _MAX_ID or not _ID.fullmatch(bare):
        return None
    return bare


def fold_ids(name: str, ids: Iterable[str], *, max_line: int = 78, linesep: str = "\r\n") -> str:
    """``Name: <a> <b>…`` folded only between ids, each id whole (even past ``max_line``)."""
    lines: list[str] = []
    current = f"{name}:"
    for bare in ids:
        token = f"<{bare}>"
        if current.endswith(":") or len(current) + 1 + len(token) <= max_line:
            current = f"{current} {token}"
        else:
            lines.append(current)
            current = f" {token}"
    lines.append(current)
    return linesep.join(lines) + linesep


class MessageIdListHeader(UnstructuredHeader):
    """``Message-ID`` / ``In-Reply-To`` / ``References``: a list of ids, never encoded.

    The registry mixes in ``BaseHeader`` (which provides ``name``) when it builds the class.
    """

    name: str  # set by BaseHeader, mixed in by HeaderRegistry

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        ids = [b for b in (clean_id(t) for t in re.findall(r"<[^<>]*>|[^\s<>]+", value)) if b]
        super().parse(" ".join(f"<{b}>" for b in ids), kwds)

    def fold(self, *, policy: Policy) -> str:
        ids = [b for b in (clean_id(t) for t in str(self).split()) if b]
        return fold_ids(
            self.name, ids, max_line=policy.max_line_length or 78, linesep=policy.linesep
        )


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in ID_HEADERS:
        registry.map_to_type(name, cast("type[BaseHeader]", MessageIdListHeader))
    return registry


# The policy outbound messages are built with: SMTP (CRLF, 78 columns), id headers unencoded
OUTBOUND_POLICY = SMTP.clone(header_factory=_registry())


def _trim(references: list[str]) -> list[str]:
    if len(references) <= MAX_REFERENCES:
        return references
    return [references[0], *references[-(MAX_REFERENCES - 1) :]]


def set_id_headers(
    msg: EmailMessage,
    message_id: str,
    in_reply_to: str | None,
    references: Iterable[str] = (),
) -> None:
    """Write the three id headers on ``msg`` (built with :data:`OUTBOUND_POLICY`).

    Invalid ids are dropped; ``References`` ends with ``In-Reply-To`` (RFC 5322 §3.6.4),
    has no duplicates and keeps the thread root when it must be shortened.
    """
    if msg.policy is not OUTBOUND_POLICY:
        raise ValueError("set_id_headers needs a message built with OUTBOUND_POLICY")
    own = clean_id(message_id)
    if own is None:
        raise ValueError(f"not a valid Message-ID: {message_id!r}")
    for name in ("Message-ID", "In-Reply-To", "References"):
        del msg[name]
    msg["Message-ID"] = f"<{own}>"
    parent = clean_id(in_reply_to) if in_reply_to else None
    refs: list[str] = []
    for r in references:
        bare = clean_id(r)
        if bare and bare not in refs and bare != own:
            refs.append(bare)
    if parent:
        msg["In-Reply-To"] = f"<{parent}>"
        if parent in refs:
            refs.remove(parent)
        refs.append(parent)
    if refs:
        msg["References"] = " ".join(f"<{b}>" for b in _trim(refs))
