"""Open and authenticate an IMAP connection; turn library errors into SourceError.

Helper of :mod:`mailagent.imap`: transport security (IMAPS, STARTTLS, or plain on loopback
only), password LOGIN or XOAUTH2, and :func:`guard`, which wraps imapclient, socket and TLS
errors into :class:`~mailagent.errors.SourceError` with host, port and security. Secrets are
read here, used once and never logged, stored or put into an error message.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from typing import Any

from imapclient import IMAPClient

from mailagent.capture.oauth2 import tokens_for
from mailagent.config import MailboxSettings, read_secret
from mailagent.errors import ConfigError, SourceError

__all__ = ["NET_ERRORS", "describe", "guard", "open_client"]

log = logging.getLogger(__name__)

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
# IMAPClientError/LoginError/aborts are imaplib.IMAP4.error; ssl.SSLError, socket.timeout and
# connection resets are OSError; some closed-socket paths raise EOFError.
NET_ERRORS: tuple[type[BaseException], ...] = (imaplib.IMAP4.error, OSError, EOFError)


def describe(settings: MailboxSettings) -> str:
    """``IMAP name (host:port, security)``: the context put in every error message."""
    s = settings
    return f"IMAP {s.name} ({s.host}:{s.port}, {s.security})"


def _reason(exc: BaseException) -> str:
    """The server's or the OS's reason, without imapclient's ``b'...'`` wrapping."""
    text = str(exc).strip() or type(exc).__name__
    match = re.fullmatch(r"b(['\"])(.*)\1", text, re.DOTALL)
    return match.group(2) if match else text


@contextlib.contextmanager
def guard(where: str, action: str, secret: str | None = None) -> Iterator[None]:
    """Re-raise network/protocol errors as ``SourceError("<where>: <action> failed: why")``.

    If ``secret`` appears in the reason it is masked and the original exception is not
    chained, so not even a traceback carries it.
    """
    try:
        yield
    except NET_ERRORS as exc:
        reason = _reason(exc)
        leaked = secret is not None and secret != "" and secret in reason
        if leaked and secret is not None:
            reason = reason.replace(secret, "***")
        error = SourceError(f"{where}: {action} failed: {reason}")
        if leaked:
            raise error from None
        raise error from exc


def _secret(settings: MailboxSettings) -> str:
    s = settings
    if s.auth == "xoauth2" and s.oauth_provider:
        return tokens_for(s).access_token()
    if s.auth == "xoauth2":
        env, path, what = s.oauth_token_env, s.oauth_token_file, "OAuth access token"
    else:
        env, path, what = s.password_env, s.password_file, "password"
    value = read_secret(env, path, what=f"IMAP {s.name} {what}")
    if not value:
        raise ConfigError(
            f"IMAP {s.name}: no {what}: set the environment variable {env or '(none)'} "
            f"or the secret file setting"
        )
    return value


def _check(settings: MailboxSettings) -> None:
    s = settings
    if s.security not in ("tls", "starttls", "plain"):
        raise ConfigError(f"IMAP {s.name}: unknown security {s.security!r}")
    if s.security == "plain" and s.host not in _LOOPBACK:
        raise ConfigError(f"IMAP {s.name}: plain IMAP is only allowed on loopback")
    if s.auth not in ("password", "xoauth2"):
        raise ConfigError(f"IMAP {s.name}: unknown auth {s.auth!r}")


def _oauth2_login(client: Any, s: MailboxSettings, token: str) -> None:
    """AUTHENTICATE XOAUTH2; with a refresh flow, a refused token is refreshed and retried."""
    try:
        client.oauth2_login(s.username, token)
    except imaplib.IMAP4.error:
        if not s.oauth_provider:
            raise
        tokens = tokens_for(s)
        tokens.invalidate(token)
        log.info("%s: XOAUTH2 refused; refreshing the access token and retrying", describe(s))
        client.oauth2_login(s.username, tokens.access_token())


def open_client(settings: MailboxSettings, ssl_context: ssl.SSLContext | None = None) -> Any:
    """Connect, secure and log in; returns a logged-in ``IMAPClient``.

    Raises ConfigError for bad settings or a missing secret, SourceError for anything the
    network or the server refused (with the server's reason, never the secret).
    """
    s = settings
    _check(s)
    secret = _secret(s)
    where = describe(s)
    ctx = None
    if s.security != "plain":
        ctx = ssl_context or ssl.create_default_context(cafile=s.ca_file or None)
    with guard(where, "connect"):
        client = IMAPClient(
            s.host,
            s.port,
            ssl=s.security == "tls",
            ssl_context=ctx,
            timeout=float(s.timeout_seconds),
        )
    try:
        client.normalise_times = False  # keep INTERNALDATE's zone (made UTC by the caller)
        if s.security == "starttls":
            with guard(where, "STARTTLS"):
                client.starttls(ctx)
        with guard(where, f"login ({s.auth}) as {s.username}", secret):
            if s.auth == "xoauth2":
                _oauth2_login(client, s, secret)
            else:
                client.login(s.username, secret)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    log.info("%s: logged in as %s", where, s.username)
    return client
