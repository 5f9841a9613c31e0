"""Sessions, the signed session cookie, login rate limiting and role checks for the web UI.

The session cookie is signed with itsdangerous (the key comes from the environment variable
named by ``web.secret_key_env``, else from a generated key file ``web-secret.key`` with mode
0600 in the store directory). It is HttpOnly, SameSite=Lax, and Secure when the request came
over https (directly, from a trusted proxy, or because ``web.public_url`` is https). It holds
a random session token, the user id, the CSRF token and the UI language; the log-in itself
is the server-side row for that token (:mod:`mailagent.web.sessions`), so log-out, a password
change and deactivation end it at once, and idle and absolute timeouts are enforced there.
The user row is re-read on every request. Nothing here renders pages.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailagent.app import App
from mailagent.config import Settings
from mailagent.web import sessions as web_sessions
from mailagent.web.users import UserInfo, get_user

__all__ = [
    "SESSION_COOKIE",
    "Forbidden",
    "LoginRequired",
    "SessionMiddleware",
    "current_user",
    "end_session",
    "load_secret_key",
    "require_user",
    "start_session",
]

SESSION_COOKIE = "mailagent_session"
KEY_FILE = "web-secret.key"


def load_secret_key(settings: Settings) -> str:
    """The session signing key: from the configured env var, else a per-install key file."""
    env = settings.web.secret_key_env
    if env and os.environ.get(env):
        return os.environ[env]
    path = Path(settings.store.dir) / KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


class SessionMiddleware:
    """A signed-cookie session in ``scope["session"]``, written back only when it changed."""

    def __init__(
        self, app: ASGIApp, secret_key: str, max_age: int, always_secure: bool = False
    ) -> None:
        self.app = app
        self.signer = TimestampSigner(secret_key, salt="mailagent.session")
        self.max_age = max_age
        self.always_secure = always_secure

    def _load(self, raw: str | None) -> dict[str, Any]:
        if not raw:
            return {}
        try:
            data = self.signer.unsign(raw.encode(), max_age=self.max_age)
            value = json.loads(base64.urlsafe_b64decode(data))
        except (BadSignature, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def _cookie(self, session: dict[str, Any], secure: bool) -> str:
        flags = "Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        if not session:
            return f"{SESSION_COOKIE}=; {flags}; Max-Age=0"
        data = base64.urlsafe_b64encode(json.dumps(session, sort_keys=True).encode())
        value = self.signer.sign(data).decode()
        return f"{SESSION_COOKIE}={value}; {flags}; Max-Age={self.max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        had_cookie = SESSION_COOKIE in conn.cookies
        scope["session"] = self._load(conn.cookies.get(SESSION_COOKIE))
        before = json.dumps(scope["session"], sort_keys=True)
        secure = self.always_secure or scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = scope["session"]
                changed = json.dumps(session, sort_keys=True) != before
                if changed and (session or had_cookie):
                    MutableHeaders(scope=message).append(
                        "set-cookie", self._cookie(session, secure)
                    )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class LoginRequired(Exception):
    """No valid session: the app answers with a redirect to the log-in page."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this page (answered with 403)."""


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def start_session(request: Request, user: UserInfo) -> None:
    """After a successful log-in: a fresh server-side session and a new CSRF token."""
    app: App = request.app.state.mailagent
    end_session(request)
    web_sessions.purge(app, request.app.state.session_policy)  # expired rows of anyone
    token = web_sessions.open_session(app, user.id, _client(request))
    request.session.update(
        sid=token,
        uid=user.id,
        tag=user.session_tag,
        csrf=secrets.token_urlsafe(32),
        lang=user.language,
    )


def end_session(request: Request) -> None:
    """Log-out: the server-side session is deleted, so a copy of the cookie opens nothing."""
    token = request.session.get("sid")
    if isinstance(token, str):
        web_sessions.revoke(request.app.state.mailagent, token)
    request.session.clear()


def current_user(request: Request) -> UserInfo | None:
    """The logged-in, active user of this request (cached on ``request.state``)."""
    if hasattr(request.state, "user"):
        cached: UserInfo | None = request.state.user
        return cached
    user = None
    uid, token = request.session.get("uid"), request.session.get("sid")
    if isinstance(uid, int) and isinstance(token, str):
        app: App = request.app.state.mailagent
        policy: web_sessions.SessionPolicy = request.app.state.session_policy
        if web_sessions.valid_user(app, token, policy) == uid:
            found = get_user(app, uid)
            if found and found.active and found.session_tag == request.session.get("tag"):
                user = found
    request.state.user = user
    return user


def require_user(request: Request, *roles: str) -> UserInfo:
    """The current user, who must hold one of ``roles`` (any role when none are given)."""
    user = current_user(request)
    if user is None:
        raise LoginRequired
    if roles and user.role not in roles:
        raise Forbidden
    return user
