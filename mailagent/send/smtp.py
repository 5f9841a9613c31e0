"""SMTP edge: build the reply and submit it with aiosmtplib.

:func:`build_message` turns an :class:`~mailagent.records.OutgoingMail` into an RFC 5322
message (UTF-8 body; From,
To, Cc, Subject, Date, the stable Message-ID, In-Reply-To and References so the customer's
client threads it, and ``X-Mailagent-Draft``). :func:`send_raw` submits it over STARTTLS,
implicit TLS or plain (loopback) with AUTH, and maps the outcome: 4xx answers, timeouts and
connection errors raise :class:`~mailagent.errors.TransientDeliveryError` (a refused login
raises its subclass :class:`SmtpAuthError`), 5xx answers raise
:class:`~mailagent.errors.PermanentDeliveryError`, both with the server's code and text.
The Sent folder copies are :mod:`mailagent.capture.sent`'s job; the delivery state machine
that uses both (and makes sending idempotent) is :mod:`mailagent.send.outbox`. No database
access here: records in, bytes and answers out.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import datetime
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from mailagent.config import SmtpSettings, read_secret
from mailagent.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError
from mailagent.records import MailAddress, OutgoingMail
from mailagent.send.headers import OUTBOUND_POLICY, set_id_headers

__all__ = [
    "SmtpAuthError",
    "build_message",
    "send_raw",
    "send_raw_async",
    "smtp_password",
]

log = logging.getLogger(__name__)
audit_log = logging.getLogger("mailagent.audit")


class SmtpAuthError(TransientDeliveryError):
    """The server refused our login: every other draft would fail the same way."""


# -- the message -------------------------------------------------------------------------------


def _hdr(a: MailAddress) -> HeaderAddress:
    return HeaderAddress(display_name=a.name, addr_spec=a.email)


def build_message(draft: OutgoingMail, message_id: str, now: datetime) -> EmailMessage:
    """The reply as an RFC 5322 message (UTF-8 text body; headers encoded as needed)."""
    msg = EmailMessage(policy=OUTBOUND_POLICY)
    msg["From"] = _hdr(draft.sender)
    msg["To"] = [_hdr(a) for a in draft.to]
    if draft.cc:
        msg["Cc"] = [_hdr(a) for a in draft.cc]
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(now)
    set_id_headers(msg, message_id, draft.in_reply_to, draft.references)
    msg["X-Mailagent-Draft"] = draft.draft_ref
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
