"""SMTP edge: build the reply, submit it with aiosmtplib, and reach the IMAP Sent folder.

:func:`build_message` turns an approved draft into an RFC 5322 message (UTF-8 body; From,
To, Cc, Subject, Date, the stable Message-ID, In-Reply-To and References so the customer's
client threads it, and ``X-Mailagent-Draft``). :func:`send_raw` submits it over STARTTLS,
implicit TLS or plain (loopback) with AUTH, and maps the outcome: 4xx answers, timeouts and
connection errors raise :class:`~mailagent.errors.TransientDeliveryError` (a refused login
raises its subclass :class:`SmtpAuthError`), 5xx answers raise
:class:`~mailagent.errors.PermanentDeliveryError`, both with the server's code and text.
:class:`SentFolder` files copies in the mailbox's Sent folder (via ``ImapSource.append``)
and finds them again by Message-ID. The delivery state machine that uses all this (and makes
sending idempotent) is :mod:`mailagent.outbox`. No database access here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import aiosmtplib

from mailagent.capture.imap import ImapSource
from mailagent.capture.imap_auth import guard, open_client
from mailagent.config import MailboxSettings, SmtpSettings, read_secret
from mailagent.db import models as m
from mailagent.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError
from mailagent.send.headers import OUTBOUND_POLICY, set_id_headers

__all__ = [
    "PENDING_FLAG",
    "SentFolder",
    "SmtpAuthError",
    "build_message",
    "send_raw",
    "send_raw_async",
    "smtp_password",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")

PENDING_FLAG = "$MailagentPending"


class SmtpAuthError(TransientDeliveryError):
    """The server refused our login: every other draft would fail the same way."""


# -- the message -------------------------------------------------------------------------------


def _hdr(a: dict[str, str]) -> HeaderAddress:
    return HeaderAddress(display_name=a.get("name", ""), addr_spec=a["email"])


def build_message(draft: m.Draft, message_id: str, now: datetime) -> EmailMessage:
    """The reply as an RFC 5322 message (UTF-8 text body; headers encoded as needed)."""
    msg = EmailMessage(policy=OUTBOUND_POLICY)
    msg["From"] = HeaderAddress(display_name=draft.from_name, addr_spec=draft.from_addr)
    msg["To"] = [_hdr(a) for a in draft.to_addrs]
    if draft.cc_addrs:
        msg["Cc"] = [_hdr(a) for a in draft.cc_addrs]
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(now)
    set_id_headers(msg, message_id, draft.in_reply_to, draft.references or ())
    msg["X-Mailagent-Draft"] = f"{draft.id}.{draft.version}"
    msg["Content-Language"] = draft.language
    msg.set_content(draft.body, charset="utf-8", cte=_transfer_encoding(draft.body))
    return msg


def _transfer_encoding(body: str) -> str:
    """7bit for ASCII, quoted-printable for mostly-Latin text, base64 for CJK and the like
    (never raw 8bit: not every relay announces 8BITMIME)."""
    if body.isascii():
        return "7bit"
    wide = sum(1 for c in body if ord(c) > 0x2FF)
    return "base64" if wide * 5 > len(body) else "quoted-printable"


# -- SMTP ----------------------------------------------------------------------------------------


def _tls_context(s: SmtpSettings) -> ssl.SSLContext | None:
    return None if s.security == "plain" else ssl.create_default_context(cafile=s.ca_file or None)


def _answer(code: int, message: str) -> str:
    return f"{code} {message}".strip()


async def send_raw_async(
    s: SmtpSettings, password: str | None, sender: str, recipients: list[str], raw: bytes
) -> str:
    """Submit ``raw``; returns the server's final answer or raises a DeliveryError."""
    where = f"SMTP {s.host}:{s.port} ({s.security})"
    try:
        refused, answer = await aiosmtplib.send(
            raw,
            sender=sender,
            recipients=recipients,
            hostname=s.host,
            port=s.port,
            username=s.username or None,
            password=password if s.username else None,
            use_tls=s.security == "tls",
            start_tls=s.security == "starttls",
            tls_context=_tls_context(s),
            timeout=float(s.timeout_seconds),
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        texts = "; ".join(f"{r.recipient}: {_answer(r.code, r.message)}" for r in exc.recipients)
        if all(r.code >= 500 for r in exc.recipients):
            raise PermanentDeliveryError(f"{where}: recipients refused: {texts}") from exc
        raise TransientDeliveryError(f"{where}: recipients refused: {texts}") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        text = f"{where}: authentication failed: {_answer(exc.code, exc.message)}"
        raise SmtpAuthError(text) from exc
    except aiosmtplib.SMTPResponseException as exc:
        text = f"{where}: {_answer(exc.code, exc.message)}"
        if 500 <= exc.code < 600:
            raise PermanentDeliveryError(text) from exc
        raise TransientDeliveryError(text) from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TransientDeliveryError(f"{where}: {type(exc).__name__}: {exc}") from exc
    if refused:  # accepted for some recipients only
        partial = "; ".join(f"{k}: {_answer(v.code, v.message)}" for k, v in refused.items())
        return f"{answer} (refused: {partial})"
    return answer


def send_raw(
    s: SmtpSettings, password: str | None, sender: str, recipients: list[str], raw: bytes
) -> str:
    """Synchronous :func:`send_raw_async` (for the CLI and the daemon's threads)."""
    return asyncio.run(send_raw_async(s, password, sender, recipients, raw))


def smtp_password(s: SmtpSettings) -> str | None:
    if not s.username:
        return None
    secret = read_secret(s.password_env, s.password_file, what="SMTP password")
    if not secret:
        raise ConfigError(
            f"SMTP {s.host}: no password for {s.username}: set the environment variable "
            f"{s.password_env or '(none)'} or smtp.password_file"
        )
    return secret


# -- the Sent folder -------------------------------------------------------------------------------


class SentFolder:
    """The Sent folder of one mailbox: journal before SMTP, copy after, lookup on recovery."""

    def __init__(self, settings: MailboxSettings) -> None:
        self.settings = settings
        self.folder = settings.sent_folder
        self._client: Any = None
        self._source: ImapSource | None = None
        self.where = f"IMAP {settings.name} {self.folder}"

    def _conn(self) -> Any:
        if self._client is None:
            self._client = open_client(self.settings)
            with guard(self.where, "SELECT"):
                if not self._client.folder_exists(self.folder):
                    self._client.create_folder(self.folder)
                self._client.select_folder(self.folder)
        return self._client

    def find(self, message_id: str) -> list[tuple[int, bool]]:
        """``(uid, still pending)`` of every copy with this Message-ID."""
        client = self._conn()
        with guard(self.where, "SEARCH"):
            client.noop()  # see messages appended by other connections
            uids = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
            flags = client.get_flags(uids) if uids else {}
        pending = PENDING_FLAG.encode()
        return [(int(u), pending in flags.get(u, ())) for u in sorted(uids)]

    def file(self, raw: bytes, when: datetime, *, pending: bool) -> int | None:
        """APPEND the copy (``\\Seen``, plus the pending flag for a journal copy)."""
        if self._source is None:
            self._source = ImapSource(self.settings)
            self._source.connect()
        flags = ["\\Seen", PENDING_FLAG] if pending else ["\\Seen"]
        return self._source.append(self.folder, raw, flags=flags, when=when)

    def confirm(self, uid: int) -> None:
        client = self._conn()
        with guard(self.where, "STORE"):
            client.noop()  # a UID appended over the other connection must be known here
            client.remove_flags([uid], [PENDING_FLAG], silent=True)

    def discard(self, uid: int) -> None:
        client = self._conn()
        with guard(self.where, "EXPUNGE"):
            client.noop()
            client.delete_messages([uid], silent=True)
            client.uid_expunge([uid])

    def close(self) -> None:
        """Log out of both connections (errors ignored: they may already be dead)."""
        client, source, self._client, self._source = self._client, self._source, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.logout()
        if source is not None:
            source.close()
