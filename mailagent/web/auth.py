"""Sessions, the signed session cookie, login rate limiting and role checks for the web UI.

The session lives in a cookie signed with itsdangerous (the key comes from the environment
variable named by ``web.secret_key_env``, else from a generated key file ``web-secret.key``
with mode 0600 in the store directory). The cookie is HttpOnly, SameSite=Lax, and Secure when
the request came over https. It holds the user id, a tag of the password hash (so a password
change ends old sessions) and the CSRF token; the user row is re-read on every request, so a
deactivated user is out at once. Nothing here renders pages.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailagent.app import App
from mailagent.config import Settings
from mailagent.web.users import UserInfo, get_user

__all__ = [
    "SESSION_COOKIE",
    "Forbidden",
    "LoginLimiter",
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

    def __init__(self, app: ASGIApp, secret_key: str, max_age: int) -> None:
        self.app = app
        self.signer = TimestampSigner(secret_key, salt="mailagent.session")
        self.max_age = max_age

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
        secure = scope.get("scheme") == "https"

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


def start_session(request: Request, user: UserInfo) -> None:
    """After a successful log-in: a fresh session (new CSRF token) bound to the user."""
    request.session.clear()
    request.session.update(
        uid=user.id, tag=user.session_tag, csrf=secrets.token_urlsafe(32), lang=user.language
    )


def end_session(request: Request) -> None:
    request.session.clear()


def current_user(request: Request) -> UserInfo | None:
    """The logged-in, active user of this request (cached on ``request.state``)."""
    if hasattr(request.state, "user"):
        cached: UserInfo | None = request.state.user
        return cached
    user = None
    uid = request.session.get("uid")
    if isinstance(uid, int):
        app: App = request.app.state.mailagent
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


@dataclass
class LoginLimiter:
    """Failed log-ins per e-mail and per client address within a sliding window.

    An e-mail is locked after ``max_failures`` failures, a client address after four times
    as many (one address trying many accounts). Kept in memory per web app; bounded in size.
    """

    max_failures: int = 5
    window_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 10_000
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str) -> int:
        entries = self._failures.get(key)
        if not entries:
            return 0
        cutoff = self.clock() - self.window_seconds
        while entries and entries[0] < cutoff:
            entries.popleft()
        if not entries:
            del self._failures[key]
        return len(entries)

    def blocked(self, email: str, client: str) -> bool:
        return (
            self._recent("e:" + email.strip().lower()) >= self.max_failures
            or self._recent("c:" + client) >= 4 * self.max_failures
        )

    def failed(self, email: str, client: str) -> None:
        if len(self._failures) >= self.max_keys:  # drop the stalest keys
            for key in sorted(self._failures, key=lambda k: self._failures[k][-1])[:1000]:
                del self._failures[key]
        now = self.clock()
        for key in ("e:" + email.strip().lower(), "c:" + client):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, email: str) -> None:
        self._failures.pop("e:" + email.strip().lower(), None)
