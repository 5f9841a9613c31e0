"""Routes: the customer list, a customer's page (contacts with their greeting preferences,
orders, recent mail), an order."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.followups.greetings import occasion_choices
from mailagent.sla.views import sla_badges
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.pages import customer_page, customer_rows, order_page
from mailagent.web.render import lang_of, mailagent_app, render

__all__ = ["GREETING_LANGUAGES", "ROUTES"]

GREETING_LANGUAGES = ("en", "zh", "de", "es", "pt")  # templates/followups/greeting/<lang>


def customers(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    rows = customer_rows(mailagent_app(request), Viewer.of(user))
    return render(request, "customers.html", {"rows": rows})


def customer(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app = mailagent_app(request)
    page = customer_page(app, Viewer.of(user), request.path_params["code"])
    sla = sla_badges(app, [r.id for r in page.messages])
    occasions = occasion_choices(app, lang_of(request))
    return render(
        request,
        "customer.html",
        {"c": page, "sla": sla, "occasions": occasions, "greeting_languages": GREETING_LANGUAGES},
    )


def order(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app = mailagent_app(request)
    page = order_page(app, Viewer.of(user), request.path_params["order_no"])
    sla = sla_badges(app, [r.id for r in page.messages])
    return render(request, "order.html", {"o": page, "sla": sla})


ROUTES = [
    Route("/customers", customers, name="customers"),
    Route("/customers/{code}", customer, name="customer"),
    Route("/orders/{order_no}", order, name="order"),
]
