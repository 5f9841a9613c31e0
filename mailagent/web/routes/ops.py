"""Routes for operators and monitoring: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` says the process serves requests; ``/readyz`` runs the readiness checks of
:mod:`mailagent.ops.health` (503 when one fails). Both need no log-in and return states and
numbers only, never mail data. ``/metrics`` (Prometheus text format) needs the bearer token
named by ``ops.metrics_token_env`` / ``ops.metrics_token_file``; without one it is off (404).
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mailagent.config import read_secret
from mailagent.ops.health import readiness
from mailagent.ops.metrics import render as render_metrics
from mailagent.web.render import mailagent_app

__all__ = ["ROUTES"]

_NO_STORE = {"Cache-Control": "no-store"}


def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


def readyz(request: Request) -> Response:
    ready = readiness(mailagent_app(request))
    return JSONResponse(ready.public(), status_code=200 if ready.ok else 503, headers=_NO_STORE)


def metrics(request: Request) -> Response:
    app = mailagent_app(request)
    ops = app.settings.ops
    token = read_secret(ops.metrics_token_env, ops.metrics_token_file, what="ops metrics token")
    if not token:
        return PlainTextResponse("metrics are off: set ops.metrics_token_env\n", status_code=404)
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        return PlainTextResponse(
            "bearer token required\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(render_metrics(app), media_type=CONTENT_TYPE_LATEST, headers=_NO_STORE)


ROUTES = [
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/metrics", metrics),
]
