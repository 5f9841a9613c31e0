"""Routes: the supervisor dashboard, its CSV/XLSX exports and acknowledging escalations."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.errors import NotFound
from mailagent.messages.relevance import fraud_warnings
from mailagent.reports.queries import AGE_BUCKETS
from mailagent.sla import service as slaservice
from mailagent.web.auth import require_user
from mailagent.web.csrf import protect
from mailagent.web.dashboard import PERIODS, dashboard, export_csv, export_xlsx
from mailagent.web.i18n import N_
from mailagent.web.ids import parse_id
from mailagent.web.render import flash, form_int, gettext, mailagent_app, redirect, render

__all__ = ["ROUTES"]

SUPERVISOR = "supervisor"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _days(request: Request) -> int:
    value = parse_id(request.query_params.get("days"))
    return value if value in PERIODS else 30


def dashboard_page(request: Request) -> Response:
    require_user(request, SUPERVISOR)
    data = dashboard(mailagent_app(request), _days(request))
    buckets = [b for b, _ in AGE_BUCKETS]
    fraud = fraud_warnings(mailagent_app(request), limit=20)  # open ones, shown first in red
    return render(
        request,
        "dashboard.html",
        {"db": data, "periods": PERIODS, "buckets": buckets, "fraud": fraud},
    )


def _download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def export_table(request: Request) -> Response:
    require_user(request, SUPERVISOR)
    name = request.path_params["name"]
    if not re.fullmatch(r"[a-z0-9-]{1,60}", name):
        raise NotFound(name)
    days = _days(request)
    data = export_csv(mailagent_app(request), name, days, lambda m: gettext(request, m))
    return _download(data, f"mailagent-{name}-{days}d.csv", "text/csv; charset=utf-8")


def export_workbook(request: Request) -> Response:
    require_user(request, SUPERVISOR)
    days = _days(request)
    data = export_xlsx(mailagent_app(request), days, lambda m: gettext(request, m))
    return _download(data, f"mailagent-{days}d.xlsx", XLSX)


async def acknowledge(request: Request) -> Response:
    user = require_user(request, SUPERVISOR)
    form = await request.form()
    clock_id = form_int(form, "clock")
    if clock_id is None:
        raise NotFound("clock")
    slaservice.acknowledge(mailagent_app(request), clock_id, user.email)
    flash(request, N_("The escalation was acknowledged."))
    return redirect("/dashboard#breaches")


ROUTES = [
    Route("/dashboard", dashboard_page, name="dashboard"),
    Route("/dashboard/export.xlsx", export_workbook, name="export_xlsx"),
    Route("/dashboard/export/{name}.csv", export_table, name="export_csv"),
    Route("/dashboard/acknowledge", protect(acknowledge), methods=["POST"], name="acknowledge"),
]
