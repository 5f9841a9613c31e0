"""Routes: the admin page (system status, rules check, effective settings) and user management."""

from __future__ import annotations

import logging
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.errors import NotFound
from mailagent.ops.health import readiness
from mailagent.web.admin import rules_report, settings_rows
from mailagent.web.auth import require_user
from mailagent.web.csrf import protect
from mailagent.web.i18n import N_
from mailagent.web.render import flash, form_str, mailagent_app, redirect, render
from mailagent.web.throttle import unlock
from mailagent.web.translationview import admin_translation
from mailagent.web.users import (
    LANGUAGES,
    MIN_PASSWORD_LENGTH,
    ROLES,
    UserError,
    create_user,
    get_user,
    list_users,
    set_password,
    update_user,
)

__all__ = ["ROUTES"]

log = logging.getLogger(__name__)


def admin_page(request: Request) -> Response:
    require_user(request, "admin")
    app = mailagent_app(request)
    return render(
        request,
        "admin.html",
        {
            "rules": rules_report(app),
            "status": readiness(app),
            "settings": settings_rows(app.settings),
            "users": list_users(app),
            "roles": ROLES,
            "languages": LANGUAGES,
            "min_password": MIN_PASSWORD_LENGTH,
            "translation": admin_translation(app),
        },
    )


async def add_user(request: Request) -> Response:
    admin = require_user(request, "admin")
    form = await request.form()
    try:
        created = await run_in_threadpool(  # argon2 hashing takes a while
            partial(
                create_user,
                mailagent_app(request),
                form_str(form, "email", limit=320),
                form_str(form, "password", limit=1024),
                role=form_str(form, "role"),
                language=form_str(form, "language"),
                display_name=form_str(form, "display_name", limit=200),
                actor=admin.email,
                reads=form_str(form, "reads", limit=64),
            )
        )
    except UserError as exc:
        flash(request, N_("The user was not created: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("User %(email)s was created."), email=created.email)
    return redirect("/admin#users")


async def change_user(request: Request) -> Response:
    admin = require_user(request, "admin")
    user_id = int(request.path_params["user_id"])
    form = await request.form()
    active = form_str(form, "active") == "1"
    if user_id == admin.id and (not active or form_str(form, "role") != "admin"):
        flash(request, N_("You cannot lock yourself out: ask another administrator."), "error")
        return redirect("/admin#users")
    try:
        changed = update_user(
            mailagent_app(request),
            user_id,
            actor=admin.email,
            role=form_str(form, "role"),
            language=form_str(form, "language"),
            active=active,
            display_name=form_str(form, "display_name", limit=200),
            reads=form_str(form, "reads", limit=64),
        )
    except UserError as exc:
        flash(request, N_("The user was not changed: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("User %(email)s was updated."), email=changed.email)
    return redirect("/admin#users")


async def reset_password(request: Request) -> Response:
    admin = require_user(request, "admin")
    user_id = int(request.path_params["user_id"])
    form = await request.form()
    try:
        changed = await run_in_threadpool(
            partial(
                set_password,
                mailagent_app(request),
                user_id,
                form_str(form, "password", limit=1024),
                actor=admin.email,
            )
        )
    except UserError as exc:
        flash(request, N_("The password was not changed: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("The password of %(email)s was changed."), email=changed.email)
    return redirect("/admin#users")


async def unlock_login(request: Request) -> Response:
    """Lift the log-in throttle of one account (from every address)."""
    admin = require_user(request, "admin")
    user_id = int(request.path_params["user_id"])
    app = mailagent_app(request)
    target = get_user(app, user_id)
    if target is None:
        raise NotFound(f"no user with id {user_id}")
    removed = await run_in_threadpool(partial(unlock, app, email=target.email))
    log.info("log-in lock of %s lifted by %s (%d entries)", target.email, admin.email, removed)
    flash(request, N_("Log-ins of %(email)s are unlocked."), email=target.email)
    return redirect("/admin#users")


ROUTES = [
    Route("/admin", admin_page, name="admin"),
    Route("/admin/users", protect(add_user), methods=["POST"], name="add_user"),
    Route("/admin/users/{user_id:id}", protect(change_user), methods=["POST"], name="change_user"),
    Route(
        "/admin/users/{user_id:id}/password",
        protect(reset_password),
        methods=["POST"],
        name="reset_password",
    ),
    Route(
        "/admin/users/{user_id:id}/unlock",
        protect(unlock_login),
        methods=["POST"],
        name="unlock_login",
    ),
]
