"""CSRF protection: a synchronizer token per session, required on every POST.

Forms carry the token in a hidden ``csrf_token`` field (scripts may send the
``X-CSRF-Token`` header instead). Every POST route is registered through :func:`protect`,
which answers 403 when the token is missing or wrong before the handler runs; a test walks
the route table to make sure no POST route escaped. The token lives in the signed session
cookie and is replaced at log-in.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["FIELD", "HEADER", "csrf_token", "protect"]

FIELD = "csrf_token"
HEADER = "x-csrf-token"

Handler = Callable[[Request], Awaitable[Response]]


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (also for the anonymous log-in page)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


FORM_PART_LIMIT = 1024 * 1024  # bytes of one form field (Starlette's default)


async def _check(request: Request, max_part_size: int) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get(HEADER)
    if sent is None:
        # cached on the request: the handler reads the same form again
        form = await request.form(max_part_size=max_part_size)
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "CSRF token missing or invalid")


def protect(handler: Handler, *, max_part_size: int = FORM_PART_LIMIT) -> Handler:
    """Wrap a POST handler so that it only runs with a valid CSRF token.

    ``max_part_size`` (bytes of one encoded field) is raised for forms whose handler checks
    sizes itself and answers with a helpful page (the draft editor), instead of a bare 400.
    """

    @wraps(handler)
    async def checked(request: Request) -> Response:
        await _check(request, max_part_size)
        return await handler(request)

    checked.__csrf_protected__ = True  # type: ignore[attr-defined]
    return checked
