"""The web UI's application factory: ``create_app(app)`` builds a Starlette app around an
opened :class:`~mailagent.app.App`.

Everything the routes need hangs off ``starlette_app.state`` (the mailagent App, the
compiled translations, the Jinja2 templates, the log-in limiter); there are no module
globals, so tests can build as many independent web apps as they like. The middleware
stack is: security headers (outermost), then the signed session cookie.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from mailagent.app import App
from mailagent.errors import NotFound
from mailagent.web.auth import (
    Forbidden,
    LoginRequired,
    SessionMiddleware,
    load_secret_key,
)
from mailagent.web.followups import install_followup_globals
from mailagent.web.i18n import Catalogs
from mailagent.web.labels import LABELS
from mailagent.web.people import install_people_global
from mailagent.web.proxy import ProxyHeadersMiddleware
from mailagent.web.reasons import audit_label, render_reason
from mailagent.web.render import redirect, render
from mailagent.web.routes import routes
from mailagent.web.security import SecurityHeadersMiddleware
from mailagent.web.sessions import SessionPolicy
from mailagent.web.throttle import LoginThrottle

__all__ = ["create_app"]

log = logging.getLogger(__name__)

HERE = Path(__file__).parent


def _local(value: datetime | date | None, tz: ZoneInfo, fmt: str) -> str:
    """Stored instants are UTC (naive on SQLite); show them in the team's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(tz).strftime(fmt)
    return value.strftime(fmt)


def _as_written(value: str) -> str:
    """A value of a reason shown as it was written (mail text, addresses, rule ids): marked
    so the browser and the language checks leave it in the writer's language."""
    return f'<span translate="no">{escape(value)}</span>'


def _templates(catalogs: Catalogs, timezone: str) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )

    @pass_context
    def ctx_gettext(context: Context, message: str) -> str:
        return catalogs.gettext(context["lang"], message)

    @pass_context
    def ctx_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return catalogs.ngettext(context["lang"], singular, plural, n)

    env.install_gettext_callables(  # type: ignore[attr-defined]
        ctx_gettext, ctx_ngettext, newstyle=True
    )

    @pass_context
    def label(context: Context, kind: str, code: str | None) -> str:
        msgid = LABELS.get(kind, {}).get(code or "")
        return catalogs.gettext(context["lang"], msgid) if msgid else (code or "-")

    env.globals["label"] = label

    @pass_context
    def why(context: Context, text: object) -> str:
        lang = context["lang"]
        html = render_reason(
            text, lambda msgid: catalogs.gettext(lang, msgid), lang, keep=_as_written
        )
        return Markup(html)  # noqa: S704 - render_reason escaped every part (keep=_as_written)

    @pass_context
    def why_text(context: Context, text: object) -> str:
        """``why`` as plain text, for attributes (title=...)."""
        lang = context["lang"]
        return render_reason(text, lambda msgid: catalogs.gettext(lang, msgid), lang)

    @pass_context
    def event(context: Context, action: str) -> str:
        lang = context["lang"]
        return audit_label(action, lambda msgid: catalogs.gettext(lang, msgid))

    @pass_context
    def flash_text(context: Context, msg: str, params: dict[str, str]) -> str:
        """A flash message in the reader's language, its values (errors) rendered too."""
        lang: str = context["lang"]

        def tr(msgid: str) -> str:
            return catalogs.gettext(lang, msgid)

        values = {k: render_reason(v, tr, lang) for k, v in params.items()}
        return tr(msg) % values if values else tr(msg)

    env.globals["flash_text"] = flash_text
    env.globals["why"] = why  # stored reasons and notes, in the reader's language
    env.globals["why_text"] = why_text  # the same, as plain text for attributes
    env.globals["event"] = event  # audit event codes ("draft.created")
    install_people_global(env)  # person(email): the name, the address on hover
    install_followup_globals(env)  # customer local time on message and draft pages (issue 14)
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    env.filters["dt"] = lambda value: _local(value, tz, "%Y-%m-%d %H:%M")
    env.filters["d"] = lambda value: _local(value, tz, "%Y-%m-%d")
    return Jinja2Templates(env=env)


async def _login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/"
    return redirect("/login?next=" + quote(target, safe="/"))


async def _forbidden(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", {"status": 403}, status=403)


async def _not_found(request: Request, exc: Exception) -> Response:
    if isinstance(exc, KeyError | IndexError):  # a bug, not a missing item
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return render(request, "error.html", {"status": 500}, status=500)
    return render(request, "error.html", {"status": 404}, status=404)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return render(request, "error.html", {"status": status}, status=status)


def create_app(app: App) -> Starlette:
    """A Starlette app serving the web UI for ``app`` (call ``app.close()`` yourself)."""
    settings = app.settings.web
    catalogs = Catalogs()
    https = settings.public_url.lower().startswith("https://")
    web = Starlette(
        routes=routes(HERE / "static"),
        middleware=[
            Middleware(ProxyHeadersMiddleware, trusted=settings.trusted_proxies),
            Middleware(SecurityHeadersMiddleware, always_https=https),
            Middleware(
                SessionMiddleware,
                secret_key=load_secret_key(app.settings),
                max_age=settings.session_hours * 3600,
                always_secure=https,
            ),
        ],
        exception_handlers={
            LoginRequired: _login_required,
            Forbidden: _forbidden,
            NotFound: _not_found,
            HTTPException: _http_error,
        },
    )
    web.state.mailagent = app
    web.state.catalogs = catalogs
    web.state.templates = _templates(catalogs, app.settings.team.timezone)
    web.state.throttle = LoginThrottle.of(app)
    web.state.session_policy = SessionPolicy.of(app)
    return web
