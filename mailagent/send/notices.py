"""Team notices and reports by e-mail (SLA warnings, escalations, scheduled reports).

Unlike reply drafts these are not reviewed: they go straight out with the ``[smtp]``
settings, marked ``Auto-Submitted: auto-generated`` so that nobody's auto-responder answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, make_msgid

from mailagent.config import Settings
from mailagent.send.smtp import send_raw, smtp_password

__all__ = ["base_email", "from_address", "send_notice", "sender_address"]

log = logging.getLogger(__name__)


def from_address(settings: Settings) -> str:
    """Our sending address: smtp.from_address, else the first mailbox/SMTP login that is one."""
    candidates = [settings.smtp.from_address, *(mb.username for mb in settings.imap.mailboxes)]
    candidates.append(settings.smtp.username)
    return next((c.strip().lower() for c in candidates if "@" in c), "")


def sender_address(settings: Settings) -> str:
    """The From of notices and reports: the documented sender, the same as for replies
    (:func:`from_address`); ``mailagent@<own domain>`` only when none is set."""
    team = settings.team
    return from_address(settings) or (
        f"mailagent@{team.own_domains[0] if team.own_domains else 'localhost'}"
    )


def base_email(
    settings: Settings,
    now: datetime,
    subject: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    *,
    id_prefix: str,
) -> EmailMessage:
    """A notice with From, To, Cc, Subject, Date, Message-ID and Auto-Submitted set."""
    msg = EmailMessage()
    sender = sender_address(settings)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(id_prefix, domain=sender.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    return msg


def send_notice(settings: Settings, msg: EmailMessage) -> str:
    """Send one notice or report to its To and Cc with ``[smtp]`` settings.

    Returns the server's answer; raises TransientDeliveryError (4xx, connection) or
    PermanentDeliveryError (5xx).
    """
    s = settings.smtp
    rcpts = [addr for _name, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))]
    answer = send_raw(
        s, smtp_password(s), sender_address(settings), rcpts, msg.as_bytes(policy=SMTP)
    )
    log.info("sent %r to %s: %s", msg["Subject"], ", ".join(rcpts), answer)
    return answer
