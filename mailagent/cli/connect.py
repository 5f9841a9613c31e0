"""``mailagent config check --connect``: an IMAP log-in and an SMTP EHLO + AUTH per mailbox.

The only part of the configuration check that touches the network, so it lives with the
command, not with the pure checks in ``configcheck``/``configvalues``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from mailagent.config import Settings
from mailagent.errors import ConfigError

__all__ = ["connect_problems"]


def connect_problems(settings: Settings) -> list[tuple[str, str | None]]:
    """Log in to every IMAP mailbox and EHLO + AUTH on the SMTP server: (what, problem)."""
    from mailagent.capture.imap_auth import open_client
    from mailagent.errors import MailagentError

    results: list[tuple[str, str | None]] = []
    for mb in settings.imap.mailboxes:
        what = f"IMAP {mb.name} ({mb.username}@{mb.host}:{mb.port}, {mb.security})"
        try:
            client = open_client(mb)
        except (MailagentError, OSError) as exc:
            results.append((what, str(exc)))
            continue
        with contextlib.suppress(Exception):  # the log-in worked; logout trouble is no news
            client.logout()
        results.append((what, None))
    results.append(_smtp_check(settings))
    return results


def _smtp_check(settings: Settings) -> tuple[str, str | None]:
    import smtplib
    import ssl

    from mailagent.send.smtp import smtp_password

    s = settings.smtp
    what = f"SMTP {s.host}:{s.port} ({s.security}{', AUTH ' + s.username if s.username else ''})"
    try:
        password = smtp_password(s)
        context = (
            None if s.security == "plain" else ssl.create_default_context(cafile=s.ca_file or None)
        )
        cls = smtplib.SMTP_SSL if s.security == "tls" else smtplib.SMTP
        kwargs: dict[str, Any] = {"timeout": float(s.timeout_seconds)}
        if s.security == "tls":
            kwargs["context"] = context
        with cls(s.host, s.port, **kwargs) as conn:
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if s.username and password is not None:
                conn.login(s.username, password)
    except ConfigError as exc:
        return what, str(exc)
    except smtplib.SMTPAuthenticationError as exc:
        text = exc.smtp_error
        reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return what, f"authentication failed: {exc.smtp_code} {reason}"
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return what, f"{type(exc).__name__}: {exc}"
    return what, None
