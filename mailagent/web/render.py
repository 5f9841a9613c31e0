"""Shared helpers of the route modules: page rendering, flash messages, redirects, form input.

``render`` adds what every page needs (the user, the UI language, the CSRF token, pending
flash messages) to the template context. Flash texts are gettext message ids, marked with
``N_`` where they are raised and translated when they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from mailagent.app import App
from mailagent.web.auth import current_user
from mailagent.web.csrf import csrf_token
from mailagent.web.i18n import Catalogs, negotiate
from mailagent.web.ids import parse_id

__all__ = [
    "flash",
    "form_int",
    "form_str",
    "gettext",
    "lang_of",
    "mailagent_app",
    "redirect",
    "render",
    "safe_next",
]


def mailagent_app(request: Request) -> App:
    app: App = request.app.state.mailagent
    return app


def lang_of(request: Request) -> str:
    """The page language: the user's choice, else the session's, else Accept-Language."""
    user = current_user(request)
    if user is not None:
        return user.language
    lang = request.session.get("lang")
    if isinstance(lang, str) and lang in ("zh", "en"):
        return lang
    return negotiate(request.headers.get("accept-language"))


def gettext(request: Request, message: str) -> str:
    catalogs: Catalogs = request.app.state.catalogs
    return catalogs.gettext(lang_of(request), message)


def flash(request: Request, message: str, kind: str = "ok", **params: str) -> None:
    """Queue a message (a gettext id with ``%(name)s`` params) for the next page."""
    pending = list(request.session.get("flash", []))[-4:]
    pending.append({"kind": kind, "msg": message, "params": params})
    request.session["flash"] = pending


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    ctx: dict[str, Any] = {
        "user": current_user(request),
        "lang": lang_of(request),
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(
        request, name, ctx, status_code=status, headers=dict(headers or {})
    )


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths ("/inbox?x=1"), never "//evil" or "https://evil"."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def form_str(form: FormData, key: str, default: str = "", *, limit: int = 100_000) -> str:
    value = form.get(key)
    return value.strip()[:limit] if isinstance(value, str) else default


def form_int(form: FormData, key: str) -> int | None:
    return parse_id(form_str(form, key, limit=64))
