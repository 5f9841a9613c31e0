"""Fixtures for stage tests: ``make_mail`` builds a valid :class:`InboundMail` from parts.

Stage tests need mails with a given subject, new text, sender and attachments, not parsed
``.eml`` files; the factory fills every other field with a consistent default. The shipped
ruleset and a trained intent model are loaded once per session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest
from support.modelcache import shared_model

from mailagent.records import Address, Attachment, AutoReplyKind, InboundMail
from mailagent.triage.intent_model import IntentModel
from mailagent.triage.rules.ruleset import Ruleset, load_rules

ROOT = Path(__file__).resolve().parents[3]


class MakeMail(Protocol):
    def __call__(
        self,
        subject: str = "",
        body: str = "",
        *,
        sender: str = "buyer@customer.example",
        attachments: Sequence[str | Attachment] = (),
        quoted: str = "",
        signature: str = "",
        headers: Sequence[tuple[str, str]] = (),
        auto_reply: AutoReplyKind = AutoReplyKind.NONE,
        new_text: str | None = None,
    ) -> InboundMail: ...


def build_mail(
    subject: str = "",
    body: str = "",
    *,
    sender: str = "buyer@customer.example",
    attachments: Sequence[str | Attachment] = (),
    quoted: str = "",
    signature: str = "",
    headers: Sequence[tuple[str, str]] = (),
    auto_reply: AutoReplyKind = AutoReplyKind.NONE,
    new_text: str | None = None,
) -> InboundMail:
    """An InboundMail whose new text is ``body`` (quoted history and signature apart)."""
    text = "\n\n".join(part for part in (body, signature, quoted) if part)
    digest = hashlib.sha256(f"{subject}\n{text}".encode()).hexdigest()
    files = tuple(
        item
        if isinstance(item, Attachment)
        else Attachment(item, "application/octet-stream", 0, digest, b"")
        for item in attachments
    )
    address = Address("", sender.lower())
    return InboundMail(
        raw_sha256=digest,
        raw_size=len(text),
        message_id=f"{digest[:16]}@test.example",
        message_id_synthetic=False,
        subject=subject,
        from_=address,
        sender=None,
        reply_to=(),
        to=(Address("Sales", "sales@maker.example"),),
        cc=(),
        date=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        in_reply_to=None,
        references=(),
        headers=(("From", sender), ("Subject", subject), *headers),
        text=text,
        html=None,
        new_text=body if new_text is None else new_text,
        quoted_text=quoted,
        signature=signature,
        attachments=files,
        auto_reply=auto_reply,
        auto_reply_reason=None if auto_reply is AutoReplyKind.NONE else "test",
        charsets=("utf-8",),
        defects=(),
    )


@pytest.fixture
def make_mail() -> MakeMail:
    """The :func:`build_mail` factory."""
    return build_mail


@pytest.fixture(scope="session")
def shipped_ruleset() -> Ruleset:
    """The rules in the repository's rules/ directory."""
    return load_rules(ROOT / "rules")


@pytest.fixture(scope="session")
def intent_model() -> IntentModel:
    """The intent model trained on the shipped corpus (once per test run, all workers)."""
    return shared_model()
