"""OAuth2 sign-in in a browser: authorization code with PKCE and a loopback redirect.

Google permits no Gmail scope in the device flow, so ``mailagent mailbox authorize NAME
--browser`` uses the "installed application" flow instead (RFC 8252): a one-shot HTTP
listener on 127.0.0.1 receives the redirect, the code is exchanged with the PKCE verifier
(RFC 7636, S256) and the refresh token is stored like the device flow does. On a server
without a browser, forward the printed port first (``ssh -L PORT:127.0.0.1:PORT host``).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from mailagent.capture.oauth2 import (
    OAuthError,
    client_form,
    error_text,
    post_form,
    provider_for,
    write_secret_file,
)
from mailagent.config import MailboxSettings
from mailagent.errors import ConfigError

__all__ = ["browser_flow"]

log = logging.getLogger(__name__)

_DONE_PAGE = (
    "<!doctype html><meta charset=utf-8><title>mailagent</title>"
    "<p>mailagent: sign-in received. You can close this window.</p>"
    "<p>mailagent：已收到登录授权，可以关闭此窗口。</p>"
)


class _Redirect(BaseHTTPRequestHandler):
    result: dict[str, str]
    done: threading.Event

    def do_GET(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        if "code" not in query and "error" not in query:
            self.send_response(404)
            self.end_headers()
            return
        self.server.result = {k: v[0] for k, v in query.items()}  # type: ignore[attr-defined]
        body = _DONE_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.done.set()  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass


def browser_flow(
    settings: MailboxSettings, show: Callable[[str], None], *, timeout: float = 600.0
) -> str:
    """Sign in through a browser; store the refresh token and return the file's path."""
    s = settings
    where = f"IMAP {s.name} OAuth2"
    provider = provider_for(s)
    if not provider.auth_url:
        raise ConfigError(f"{where}: no authorization endpoint (set oauth_auth_url)")
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state = secrets.token_urlsafe(16)
    server = HTTPServer(("127.0.0.1", 0), _Redirect)
    server.result = {}  # type: ignore[attr-defined]
    server.done = threading.Event()  # type: ignore[attr-defined]
    redirect = f"http://127.0.0.1:{server.server_address[1]}/"
    params = {
        "client_id": s.oauth_client_id,
        "redirect_uri": redirect,
        "response_type": "code",
        "scope": provider.scope,
        "state": state,
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
        "access_type": "offline",  # Google: issue a refresh token
        "prompt": "consent",
    }
    if s.username:
        params["login_hint"] = s.username
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        show(f"{provider.auth_url}?{urllib.parse.urlencode(params)}")
        if not server.done.wait(timeout):  # type: ignore[attr-defined]
            raise OAuthError(f"{where}: no sign-in within {timeout:.0f} s; run authorize again")
        result: dict[str, str] = server.result  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
    if result.get("state") != state:
        raise OAuthError(f"{where}: the redirect carried a wrong state; sign-in ignored")
    if "code" not in result:
        raise OAuthError(f"{where}: sign-in refused ({error_text(result)})")
    form = {
        **client_form(s),
        "grant_type": "authorization_code",
        "code": result["code"],
        "redirect_uri": redirect,
        "code_verifier": verifier,
    }
    status, payload = post_form(provider.token_url, form, f"{where} code exchange")
    refresh = payload.get("refresh_token")
    if status != 200 or not isinstance(refresh, str) or not refresh:
        raise OAuthError(f"{where}: code exchange refused (HTTP {status}, {error_text(payload)})")
    path = Path(s.oauth_refresh_token_file)
    write_secret_file(path, refresh)
    log.info("%s: authorized in the browser; refresh token saved to %s", where, path)
    return str(path)
