"""Security headers on every web UI response (pure ASGI middleware).

Content-Security-Policy allows only same-origin scripts and styles (no inline script, no
CDN), images from the app itself, ``data:`` and ``cid:``, and forbids framing, ``<base>`` and
form posts elsewhere. Pages that show sanitised mail HTML override ``img-src`` only when the
user asked to load remote images (see :data:`REMOTE_IMAGES_CSP`). Every response also gets
nosniff, no-referrer, X-Frame-Options DENY, and authenticated pages are not cached. HSTS is
sent on https requests (as seen through trusted proxies) and always when ``web.public_url``
is https.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "REMOTE_IMAGES_CSP", "SecurityHeadersMiddleware"]

CSP = (
    "default-src 'self'; img-src 'self' data: cid:; script-src 'self'; style-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Only for a message page where the user clicked "show images": remote http(s) images allowed.
REMOTE_IMAGES_CSP = CSP.replace(
    "img-src 'self' data: cid:", "img-src 'self' data: cid: http: https:"
)

_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, always_https: bool = False) -> None:
        self.app = app
        self.always_https = always_https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["content-security-policy"] = CSP
                for name, value in _HEADERS.items():
                    headers[name] = value
                if not static and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
                if self.always_https or scope.get("scheme") == "https":
                    headers["strict-transport-security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, send_with_headers)
