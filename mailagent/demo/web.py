"""The web UI for ``mailagent demo``: demo logins and a server in a background thread.

The demo users are the demo company's staff (two salespeople, their supervisor) and an
administrator. They share one password, derived from the store's session signing key, so it
differs per store, stays the same when the demo is run again, and only its argon2 hash is
saved. The caller prints it; it is never logged. While the UI runs, a background thread
does the daemon's translation job (readers changed in the admin page get their language).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import threading
import time

from mailagent.app import App
from mailagent.web.app import create_app
from mailagent.web.auth import load_secret_key
from mailagent.web.server import UiServer, bind_explained
from mailagent.web.users import authenticate, create_user, list_users, set_password

log = logging.getLogger(__name__)

__all__ = [
    "DEMO_LOGIN",
    "DEMO_USERS",
    "demo_password",
    "ensure_demo_users",
    "serve_demo_ui",
    "start_demo_ui",
    "wait_forever",
]

# (e-mail, role, UI language, display name, languages read)
DEMO_USERS = (
    ("lily.chen@huaxin-pcb.com", "sales", "zh", "陈莉 Lily Chen", "zh,en"),
    ("kevin.wang@huaxin-pcb.com", "sales", "en", "Kevin Wang", "en"),
    ("grace.liu@huaxin-pcb.com", "supervisor", "zh", "Grace Liu", "zh,en"),
    ("admin@huaxin-pcb.com", "admin", "en", "Administrator", "en"),
)
DEMO_LOGIN = "grace.liu@huaxin-pcb.com"


def demo_password(app: App) -> str:
    """The store's demo password (16 characters, derived from the signing key)."""
    key = load_secret_key(app.settings).encode()
    digest = hmac.new(key, b"mailagent demo password", hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:16].lower()


def ensure_demo_users(app: App, password: str) -> None:
    """Create the demo users, or reset their password to ``password`` if it changed."""
    existing = {u.email: u for u in list_users(app)}
    for email, role, language, name, reads in DEMO_USERS:
        user = existing.get(email)
        if user is None:
            create_user(
                app, email, password, role=role, language=language, display_name=name,
                actor="demo", reads=reads,
            )  # fmt: skip
        elif authenticate(app, email, password) is None:
            set_password(app, user.id, password, actor="demo")


def serve_demo_ui(
    app: App, *, port: int | None = None, host: str | None = None
) -> tuple[UiServer, str, str]:
    """Create the demo users and start serving; returns ``(server, login, password)``.

    Listens on ``host``/``port`` when given (a taken ``port`` is then an error), else on
    ``web.host``/``web.port`` and on any free port if that one is taken; ``server.note``
    says which port it is and why. ``server.stop()`` ends it.
    """
    password = demo_password(app)
    ensure_demo_users(app, password)
    web = app.settings.web
    chosen = port is not None
    sock, note = bind_explained(
        host or web.host,
        web.port if port is None else port,
        source="--port" if chosen else "web.port",
        fallback=not chosen,
    )
    server = UiServer(create_app(app), sock)
    server.note = note
    server.start()
    return server, DEMO_LOGIN, password


def start_demo_ui(
    app: App, *, port: int | None = None, host: str | None = None
) -> tuple[str, str, str, str]:
    """Serve the demo UI from a daemon thread; returns ``(url, login, password, port note)``.

    The server stops when the process exits; call :func:`wait_forever` to keep serving
    until Ctrl-C. Every demo user (see :data:`DEMO_USERS`) has the same password.
    """
    server, login, password = serve_demo_ui(app, port=port, host=host)
    threading.Thread(
        target=_translate_in_background, args=(app,), name="demo-translation", daemon=True
    ).start()
    return server.url, login, password, server.note


def _translate_in_background(app: App, seconds: float = 5.0) -> None:
    """What the daemon's jobs do, for the demo UI (no daemon runs there): a reader whose
    languages change in the admin page gets their translations, and the SLA clocks move on
    with the demo's clock (once a minute), so clocks and ages shown agree."""
    from mailagent.daemon.jobs import translate_pending
    from mailagent.sla.service import refresh_clocks

    last_refresh = time.monotonic()
    while True:
        try:
            translate_pending(app, app.clock(), limit=50)
            if time.monotonic() - last_refresh >= 60:
                last_refresh = time.monotonic()
                refresh_clocks(app, app.clock(), notify=False)
        except Exception:  # the demo UI must keep serving; the error is in the log
            log.exception("demo: background job failed")
        time.sleep(seconds)


def wait_forever() -> None:
    """Block the calling (main) thread until Ctrl-C."""
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
