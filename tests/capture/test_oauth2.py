"""OAuth2 refresh-token flow against a local token endpoint and Dovecot's oauth2 passdb.

The token server issues short-lived access tokens (a few seconds) and rotates the refresh
token on every use; Dovecot asks the same server (introspection) whether a token is valid.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from support.apptools import mail, make_app
from support.servers import Dovecot, start_or_skip

from mailagent.capture.imap import ImapSource
from mailagent.capture.oauth2 import OAuthError, TokenSource, device_flow, tokens_for
from mailagent.capture.oauth2_browser import browser_flow
from mailagent.cli.main import cli
from mailagent.config import ImapSettings, MailboxSettings
from mailagent.daemon.loop import MailboxWorker
from mailagent.db import models as m
from mailagent.errors import ConfigError

CLIENT_ID = "mailagent-test-client"


class OAuthServer(BaseHTTPRequestHandler):
    """Token endpoint (refresh_token and device_code grants), device endpoint, introspection."""

    life: ClassVar[float] = 4.0
    user: ClassVar[str] = ""
    refresh: ClassVar[str] = "rt-0"  # the one valid refresh token
    access: ClassVar[dict[str, float]] = {}  # token -> expiry (time.time())
    issued: ClassVar[list[str]] = []
    introspected: ClassVar[list[str]] = []
    device_polls: ClassVar[int] = 0
    challenges: ClassVar[dict[str, tuple[str, str]]] = {}  # code -> (challenge, redirect)
    counter = itertools.count(1)

    def do_GET(self) -> None:  # the browser sign-in page: approves at once, redirects back
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        code = f"code-{next(self.counter)}"
        type(self).challenges[code] = (query["code_challenge"], query["redirect_uri"])
        target = f"{query['redirect_uri']}?code={code}&state={query['state']}"
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(
            int(self.headers.get("Content-Length", 0))).decode()).items()}  # fmt: skip
        if self.path == "/introspect":
            token = form.get("token", "")
            type(self).introspected.append(token)
            ok = self.access.get(token, 0) > time.time()
            self.reply(200, {"active": True, "username": self.user} if ok else {"active": False})
        elif self.path == "/device":
            self.reply(200, {"device_code": "dev-secret", "user_code": "WDJB-MJHT",
                             "verification_uri": "http://127.0.0.1/device", "expires_in": 60,
                             "interval": 1})  # fmt: skip
        elif form.get("client_id") != CLIENT_ID:
            self.reply(401, {"error": "invalid_client"})
        elif form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") != self.refresh:
                self.reply(400, {"error": "invalid_grant", "error_description": "expired"})
                return
            self.reply(200, self.grant())
        elif form.get("grant_type") == "authorization_code":
            challenge, redirect = self.challenges.pop(form.get("code", ""), ("", ""))
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if not challenge or challenge != expected or redirect != form.get("redirect_uri"):
                self.reply(400, {"error": "invalid_grant", "error_description": "PKCE"})
            else:
                self.reply(200, self.grant())
        elif form.get("device_code") == "dev-secret":
            type(self).device_polls += 1
            if self.device_polls < 2:
                self.reply(400, {"error": "authorization_pending"})
            else:
                self.reply(200, self.grant())
        else:
            self.reply(400, {"error": "unsupported_grant_type"})

    def grant(self) -> dict[str, Any]:
        n = next(self.counter)
        token = f"at-{n}"
        type(self).access[token] = time.time() + self.life
        type(self).issued.append(token)
        type(self).refresh = f"rt-{n}"
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.life,
                "refresh_token": self.refresh}  # fmt: skip

    def reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def oauth() -> Iterator[tuple[str, Dovecot]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), OAuthServer)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        server = start_or_skip(lambda: Dovecot(oauth2_url=f"{base}/introspect").start())
        yield base, server
        server.stop()
    finally:
        httpd.shutdown()


def settings_for(base: str, dovecot: Dovecot, user: str, tmp_path: Path) -> MailboxSettings:
    OAuthServer.user = user
    OAuthServer.refresh = "rt-0"
    refresh_file = tmp_path / "secrets" / "sales.refresh-token"
    refresh_file.parent.mkdir(exist_ok=True)
    refresh_file.write_text("rt-0\n")
    return dovecot.mailbox_settings(
        user,
        name="sales",
        auth="xoauth2",
        oauth_provider="custom",
        oauth_client_id=CLIENT_ID,
        oauth_token_url=f"{base}/token",
        oauth_device_url=f"{base}/device",
        oauth_auth_url=f"{base}/authorize",
        oauth_refresh_token_file=str(refresh_file),
        poll_seconds=30,  # only IDLE wakes the worker: no timed re-polls hide a gap
    )


@pytest.mark.dovecot
def test_token_expiring_mid_idle_is_refreshed_and_nothing_is_missed(
    oauth: tuple[str, Dovecot], imap_user: str, tmp_path: Path
) -> None:
    base, dovecot = oauth
    mb = settings_for(base, dovecot, imap_user, tmp_path)
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'm.db'}", imap=ImapSettings(mailboxes=[mb]))
    stop = threading.Event()
    worker = MailboxWorker(app, mb, stop)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    sent = 12
    try:
        for n in range(sent):  # 12 x 0.75 s: spans two token lifetimes (4 s each)
            time.sleep(0.75)
            dovecot.deliver_lmtp(imap_user, mail(n, message_id=f"<idle-{n}@acme.example>"))

        def stored() -> int:
            with app.sessions() as session:
                return int(session.scalar(select(func.count()).select_from(m.Message)) or 0)

        deadline = time.monotonic() + 20
        while stored() < sent and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stored() == sent  # nothing missed across the reconnects
    finally:
        stop.set()
        thread.join(15)
        app.close()
    tokens = tokens_for(mb)
    assert tokens.refreshes >= 3  # the first token, then ahead of each expiry
    used = {t for t in OAuthServer.introspected if t.startswith("at-")}
    assert len(used) >= 3  # Dovecot saw a fresh token on each re-login
    # the rotated refresh token was written back and is the one the server accepts now
    saved = Path(mb.oauth_refresh_token_file)
    assert saved.read_text().strip() == OAuthServer.refresh != "rt-0"
    assert saved.stat().st_mode & 0o777 == 0o600


@pytest.mark.dovecot
def test_refused_token_is_refreshed_at_authenticate(
    oauth: tuple[str, Dovecot], imap_user: str, tmp_path: Path
) -> None:
    base, dovecot = oauth
    mb = settings_for(base, dovecot, imap_user, tmp_path)
    mb = dataclasses.replace(mb, name="revoked")
    tokens = tokens_for(mb)
    first = tokens.access_token()
    OAuthServer.access[first] = 0  # revoked at the server, still fresh in our cache
    with ImapSource(mb) as source:
        assert source.select("INBOX").uidvalidity > 0
    assert tokens.refreshes == 2
    assert tokens.access_token() != first


def test_rejected_refresh_token_says_how_to_fix_it_without_secrets(tmp_path: Path) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), OAuthServer)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        path = tmp_path / "rt"
        path.write_text("rt-stolen-and-revoked")
        mb = MailboxSettings(
            name="x", auth="xoauth2", oauth_provider="custom", oauth_client_id=CLIENT_ID,
            oauth_token_url=f"http://127.0.0.1:{httpd.server_address[1]}/token",
            oauth_refresh_token_file=str(path),
        )  # fmt: skip
        with pytest.raises(OAuthError, match="mailbox authorize x") as info:
            TokenSource(mb).access_token()
        assert "rt-stolen" not in str(info.value)
        bad = dataclasses.replace(mb, oauth_token_url="http://idp.example.com/token")
        with pytest.raises(ConfigError, match="must be https"):
            TokenSource(bad).access_token()
    finally:
        httpd.shutdown()


def test_mailbox_authorize_runs_the_device_flow(
    oauth: tuple[str, Dovecot], imap_user: str, tmp_path: Path
) -> None:
    base, dovecot = oauth
    mb = settings_for(base, dovecot, imap_user, tmp_path)
    refresh = Path(mb.oauth_refresh_token_file)
    refresh.unlink()
    OAuthServer.device_polls = 0
    shown = []
    path = device_flow(mb, shown.append, sleep=lambda _s: None)
    assert shown[0].user_code == "WDJB-MJHT" and "dev-secret" not in repr(shown[0])
    assert Path(path).read_text().strip() == OAuthServer.refresh
    # the same through the command line, with a config file
    refresh.unlink()
    OAuthServer.device_polls = 0
    config = tmp_path / "config.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "cli.db"}"
dir = "{tmp_path / "store"}"
[[imap.mailboxes]]
name = "sales"
host = "127.0.0.1"
port = {dovecot.imap_port}
security = "plain"
username = "{imap_user}"
auth = "xoauth2"
oauth_provider = "custom"
oauth_client_id = "{CLIENT_ID}"
oauth_token_url = "{base}/token"
oauth_device_url = "{base}/device"
oauth_refresh_token_file = "{refresh}"
""")
    result = CliRunner().invoke(cli, ["--config", str(config), "mailbox", "authorize", "sales"])
    assert result.exit_code == 0, result.output
    assert "WDJB-MJHT" in result.output and "dev-secret" not in result.output
    assert refresh.read_text().strip() == OAuthServer.refresh
    with ImapSource(dataclasses.replace(mb, name="after-authorize")) as source:
        assert source.select("INBOX").uidvalidity > 0


def test_browser_sign_in_with_pkce_and_a_loopback_redirect(
    oauth: tuple[str, Dovecot], imap_user: str, tmp_path: Path
) -> None:
    base, dovecot = oauth
    mb = settings_for(base, dovecot, imap_user, tmp_path)
    refresh = Path(mb.oauth_refresh_token_file)
    refresh.unlink()
    pages: list[str] = []
    threads: list[threading.Thread] = []

    def browser(url: str) -> None:  # what the admin's browser does: follow the redirect
        assert "code_challenge_method=S256" in url and "dev-secret" not in url
        thread = threading.Thread(
            target=lambda: pages.append(urlopen(url, timeout=10).read().decode()), daemon=True
        )
        thread.start()
        threads.append(thread)

    path = browser_flow(mb, browser, timeout=20)
    assert Path(path).read_text().strip() == OAuthServer.refresh
    assert refresh.stat().st_mode & 0o777 == 0o600
    threads[0].join(10)
    assert pages and "已收到" in pages[0]
    with ImapSource(dataclasses.replace(mb, name="after-browser")) as source:
        assert source.select("INBOX").uidvalidity > 0
