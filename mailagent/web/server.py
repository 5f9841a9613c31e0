"""Serving the web UI with uvicorn: in the foreground (``mailagent web``) or in a background
thread (``mailagent demo`` and the browser tests).

The listening socket is bound here, before uvicorn starts, so port 0 ("any free port") works
and the real address is known at once. Only this module and ``cli_web`` touch uvicorn.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from mailagent.errors import ConfigError

__all__ = ["UiServer", "bind", "bind_explained"]

log = logging.getLogger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def bind_explained(
    host: str, port: int, *, source: str, fallback: bool
) -> tuple[socket.socket, str]:
    """Bind ``host:port`` and say which port it is and why.

    ``source`` names where the port came from ("--port", "web.port"). When the port is taken,
    ``fallback`` picks a free one (the demo) and the note says so; without it a one-line
    :class:`ConfigError` names the port and how to choose another.
    """
    try:
        sock = bind(host, port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if not fallback or port == 0:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({source}): {reason}; "
                "choose another with --port (0 = any free port) or --host"
            ) from None
        sock = bind(host, 0)
        got = sock.getsockname()[1]
        return sock, (
            f"port {port} ({source}) on {host} is not available ({reason}), so a free port "
            f"was chosen: {got}. Use --port to pick one."
        )
    got = sock.getsockname()[1]
    note = f"port {got} ({source})" if port else f"port {got} (any free port, as asked)"
    return sock, note


class UiServer:
    """One uvicorn server on one socket; ``start()`` in a thread or ``run()`` in the foreground."""

    def __init__(self, web: ASGIApp, sock: socket.socket, *, log_level: str = "warning") -> None:
        self.sock = sock
        config = uvicorn.Config(
            web,
            log_level=log_level,
            access_log=False,
            lifespan="off",
            # X-Forwarded-* are believed only from web.trusted_proxies, by the app's own
            # middleware (web/proxy.py). uvicorn's handling would trust 127.0.0.1 (or
            # $FORWARDED_ALLOW_IPS) whatever the config says: a local peer could then fake
            # https, and a new X-Forwarded-For per guess would dodge the log-in throttle.
            proxy_headers=False,
            server_header=False,
            log_config=None,  # the application configured logging already (logs.py)
        )
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None
        self.note = ""  # which port and why (bind_explained)

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        if host in ("0.0.0.0", "::"):  # noqa: S104 - only naming the wildcard, not binding it
            shown = "127.0.0.1"
        return f"http://{shown}:{port}/"

    def run(self) -> None:
        """Serve in the foreground until interrupted (Ctrl-C / SIGTERM)."""
        self.server.run(sockets=[self.sock])

    def start(self, timeout: float = 10.0) -> str:
        """Serve from a daemon thread; returns the URL once the server accepts connections."""
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True, name="web-ui"
        )
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web UI server did not start")
            time.sleep(0.01)
        return self.url

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout)
        self.sock.close()
