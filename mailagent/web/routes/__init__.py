"""The web UI's route table, assembled from the ``routes_*`` modules, plus static files."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

import mailagent.web.ids  # noqa: F401  (registers the {name:id} path convertor first)
from mailagent.web.routes import admin as routes_admin
from mailagent.web.routes import auth as routes_auth
from mailagent.web.routes import conversations as routes_conversations
from mailagent.web.routes import dashboard as routes_dashboard
from mailagent.web.routes import directory as routes_directory
from mailagent.web.routes import drafts as routes_drafts
from mailagent.web.routes import followups as routes_followups
from mailagent.web.routes import mail as routes_mail
from mailagent.web.routes import ops as routes_ops
from mailagent.web.routes import relevance as routes_relevance
from mailagent.web.routes import search as routes_search

__all__ = ["routes"]


def routes(static_dir: Path) -> list[BaseRoute]:
    return [
        *routes_auth.ROUTES,
        *routes_mail.ROUTES,
        *routes_conversations.ROUTES,
        *routes_search.ROUTES,
        *routes_relevance.ROUTES,
        *routes_drafts.ROUTES,
        *routes_followups.ROUTES,
        *routes_directory.ROUTES,
        *routes_dashboard.ROUTES,
        *routes_admin.ROUTES,
        *routes_ops.ROUTES,
        Mount("/static", app=StaticFiles(directory=static_dir), name="static"),
    ]
