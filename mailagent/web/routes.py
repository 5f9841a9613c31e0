"""The web UI's route table, assembled from the ``routes_*`` modules, plus static files."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from mailagent.web import (
    routes_admin,
    routes_auth,
    routes_dashboard,
    routes_directory,
    routes_drafts,
    routes_mail,
)

__all__ = ["routes"]


def routes(static_dir: Path) -> list[BaseRoute]:
    return [
        *routes_auth.ROUTES,
        *routes_mail.ROUTES,
        *routes_drafts.ROUTES,
        *routes_directory.ROUTES,
        *routes_dashboard.ROUTES,
        *routes_admin.ROUTES,
        Mount("/static", app=StaticFiles(directory=static_dir), name="static"),
    ]
