"""Routes: log-in, log-out, the language switch and the start page."""

from __future__ import annotations

import logging
import os
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.web.auth import current_user, end_session, start_session
from mailagent.web.csrf import protect
from mailagent.web.i18n import LANGUAGES, N_
from mailagent.web.render import flash, form_str, mailagent_app, redirect, render, safe_next
from mailagent.web.throttle import LoginThrottle
from mailagent.web.users import UserInfo, authenticate, set_language

__all__ = ["ROUTES"]

log = logging.getLogger(__name__)


# argon2id costs 64 MiB and ~0.1 s of CPU per check: at most this many at once, so a burst of
# log-ins (or an attacker's) queues instead of taking the machine's memory
_HASH_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))


def _authenticate(request: Request, email: str, password: str) -> UserInfo | None:
    with _HASH_SLOTS:
        return authenticate(mailagent_app(request), email, password)


def _home_for(role: str) -> str:
    return "/admin" if role == "admin" else "/inbox"


def home(request: Request) -> Response:
    user = current_user(request)
    return redirect(_home_for(user.role) if user else "/login")


def login_page(request: Request) -> Response:
    if current_user(request) is not None:
        return redirect("/")
    next_path = safe_next(request.query_params.get("next"), "")
    return render(request, "login.html", {"next": next_path, "email": "", "error": None})


async def login(request: Request) -> Response:
    form = await request.form()
    email = form_str(form, "email", limit=320)
    password = form_str(form, "password", limit=1024)
    next_path = safe_next(form_str(form, "next"), "")
    throttle: LoginThrottle = request.app.state.throttle
    client = request.client.host if request.client else "-"
    context = {"next": next_path, "email": email}
    verdict = await run_in_threadpool(throttle.check, email, client)
    if not verdict.allowed:
        log.warning(
            "log-in for %s from %s refused for %d s: too many failures (%s)",
            email,
            client,
            verdict.retry_after,
            verdict.reason,
        )
        error = N_("Too many failed log-ins. Please wait a few minutes and try again.")
        headers = {"retry-after": str(verdict.retry_after)}
        return render(
            request, "login.html", {**context, "error": error}, status=429, headers=headers
        )
    user = await run_in_threadpool(_authenticate, request, email, password)
    if user is None:
        await run_in_threadpool(throttle.failed, email, client)
        log.info("failed log-in for %s from %s", email, client)
        error = N_("Wrong e-mail address or password.")
        return render(request, "login.html", {**context, "error": error}, status=401)
    await run_in_threadpool(throttle.succeeded, email, client)
    await run_in_threadpool(start_session, request, user)
    request.state.user = user
    log.info("%s logged in from %s", user.email, client)
    return redirect(next_path or _home_for(user.role))


async def logout(request: Request) -> Response:
    await run_in_threadpool(end_session, request)
    return redirect("/login")


async def switch_language(request: Request) -> Response:
    """Save the chosen UI language on the user (or in the session before log-in)."""
    form = await request.form()
    lang = form_str(form, "lang")
    back = safe_next(form_str(form, "next"), "/")
    if lang not in LANGUAGES:
        flash(request, N_("Unknown language."), "error")
        return redirect(back)
    user = current_user(request)
    if user is not None:
        request.state.user = set_language(mailagent_app(request), user.id, lang)
    request.session["lang"] = lang
    return redirect(back)


ROUTES = [
    Route("/", home, name="home"),
    Route("/login", login_page, name="login_page"),
    Route("/login", protect(login), methods=["POST"], name="login"),
    Route("/logout", protect(logout), methods=["POST"], name="logout"),
    Route("/language", protect(switch_language), methods=["POST"], name="language"),
]
