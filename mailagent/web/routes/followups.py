"""Routes: follow-ups and greetings (one approval screen), a contact's greeting preferences,
the payment ledger and its forms, send-later. Thin: parse the form, check the viewer's
scope, call :mod:`mailagent.followups`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.db import models as m
from mailagent.drafts.service import DraftStateError
from mailagent.errors import NotFound
from mailagent.followups import greetings, ledger, ledgerview, sendlater
from mailagent.followups.report import open_followups
from mailagent.followups.store import PreferenceError
from mailagent.records import DraftState
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.csrf import Handler, protect
from mailagent.web.drafts import approve_draft, draft_detail, scoped_drafts
from mailagent.web.i18n import N_
from mailagent.web.ids import parse_id
from mailagent.web.render import flash, form_str, mailagent_app, redirect, render

__all__ = ["ROUTES"]

GREETING_INTENTS = ("greeting", "closure")


def _owned(viewer: Viewer, salesperson: str) -> bool:
    return viewer.all_mail or salesperson.lower() == viewer.email


def followups_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    now = app.clock()
    rows = [o for o in open_followups(app, now) if _owned(viewer, o.salesperson)]
    plan = greetings.plan(app, now)
    with app.sessions() as s:
        planned = [p for p in plan.greetings if viewer.may_see_customer(s, p.customer_id)]
    batch = [
        d for d in scoped_drafts(app, viewer, DraftState.PENDING) if d.intent in GREETING_INTENTS
    ]
    return render(
        request,
        "followups.html",
        {"rows": rows, "planned": planned, "notices": plan.notices, "batch": batch},
    )


async def approve_greetings(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    form = await request.form()
    picked = (parse_id(v) if isinstance(v, str) else None for v in form.getlist("draft"))
    ids = [i for i in picked if i is not None]
    done = 0
    for draft_id in ids[:500]:
        try:
            approve_draft(app, viewer, draft_id, user.email)
            done += 1
        except (DraftStateError, LookupError) as exc:
            flash(
                request,
                N_("Draft %(id)s was not approved: %(error)s"),
                "error",
                id=str(draft_id),
                error=str(exc),
            )
    flash(request, N_("%(n)s greeting draft(s) approved."), n=str(done))
    return redirect("/followups")


async def send_later(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    draft_id = int(request.path_params["draft_id"])
    draft_detail(app, viewer, draft_id)  # scope check (404 outside it)
    try:
        when = sendlater.approve_send_later(app, draft_id, user.email)
    except DraftStateError as exc:
        flash(request, N_("The draft was not approved: %(error)s"), "error", error=str(exc))
    else:
        flash(
            request,
            N_("Approved: it leaves at the customer's next business morning (%(when)s UTC)."),
            when=f"{when:%Y-%m-%d %H:%M}",
        )
    return redirect(f"/drafts/{draft_id}")


def payments_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    now = app.clock()
    rows = [r for r in ledgerview.ledger(app, now) if _owned(viewer, r.salesperson)]
    overdue = ledgerview.overdue_report(app, now) if viewer.all_mail else []
    return render(request, "payments.html", {"rows": rows, "overdue": overdue, "today": now.date()})


def _order_scope(request: Request, viewer: Viewer, order_no: str) -> bool:
    app = mailagent_app(request)
    with app.sessions() as s:
        cid = s.scalar(select(m.Order.customer_id).where(m.Order.order_no == order_no))
        return cid is not None and viewer.may_see_customer(s, cid)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def record_payment(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    viewer = Viewer.of(user)
    form = await request.form()
    order_no = form_str(form, "order_no", limit=64)
    if not _order_scope(request, viewer, order_no):
        flash(request, N_("No such order: %(order)s"), "error", order=order_no)
        return redirect("/payments")
    try:
        left = ledger.record_payment(
            mailagent_app(request),
            order_no,
            form_str(form, "amount", limit=30),
            actor=user.email,
            received_on=_day(form_str(form, "received_on", limit=10)),
            kind=form_str(form, "kind", "payment", limit=10),
            reference=form_str(form, "reference", limit=200),
            claimed=form_str(form, "claimed") == "1",
        )
    except ledger.OrderError as exc:
        flash(request, N_("The payment was not recorded: %(error)s"), "error", error=str(exc))
    else:
        flash(
            request,
            N_("Payment recorded for %(order)s; outstanding %(left)s."),
            order=order_no,
            left=str(left),
        )
    return redirect("/payments")


async def confirm_payment(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    form = await request.form()
    order_no = form_str(form, "order_no", limit=64)
    if not _order_scope(request, Viewer.of(user), order_no):
        flash(request, N_("No such order: %(order)s"), "error", order=order_no)
        return redirect("/payments")
    n = ledger.confirm_claims(mailagent_app(request), order_no, actor=user.email)
    flash(
        request, N_("%(n)s claimed payment(s) confirmed for %(order)s."), n=str(n), order=order_no
    )
    return redirect("/payments")


async def update_order(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    form = await request.form()
    order_no = form_str(form, "order_no", limit=64)
    if not _order_scope(request, Viewer.of(user), order_no):
        flash(request, N_("No such order: %(order)s"), "error", order=order_no)
        return redirect("/payments")
    try:
        ledger.update_order(
            mailagent_app(request),
            order_no,
            actor=user.email,
            amount=form_str(form, "amount", limit=30) or None,
            due_date=_day(form_str(form, "due_date", limit=10)),
            pi_number=form_str(form, "pi_number", limit=64) or None,
        )
    except (ledger.OrderError, ArithmeticError) as exc:
        flash(request, N_("The order was not updated: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("Order %(order)s updated."), order=order_no)
    return redirect("/payments")


async def greeting_prefs(request: Request) -> Response:
    """A contact's greeting preferences from the customer page (the whole form: opt-out,
    language, occasions skipped and added)."""
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    code = request.path_params["code"]
    with app.sessions() as s:
        cid = s.scalar(select(m.Customer.id).where(m.Customer.code == code))
        if cid is None or not viewer.may_see_customer(s, cid):
            raise NotFound(f"no customer {code!r}")
    form = await request.form()
    email = form_str(form, "email", limit=320)
    try:
        greetings.set_preferences(
            app,
            email,
            actor=user.email,
            greetings=form_str(form, "greetings", limit=3) == "on",
            language=form_str(form, "language", limit=16),
            skip=[v for v in form.getlist("skip") if isinstance(v, str)][:100],
            extra=[v for v in form.getlist("occasions") if isinstance(v, str)][:100],
            customer_id=cid,
        )
    except PreferenceError as exc:
        flash(request, N_("Could not save the preferences: %(error)s"), "error", error=str(exc))
    else:
        flash(request, N_("Greeting preferences of %(email)s saved."), email=email)
    return redirect(f"/customers/{quote(code)}")


def _post(path: str, handler: Handler, name: str) -> Route:
    return Route(path, protect(handler), methods=["POST"], name=name)


ROUTES = [
    Route("/followups", followups_page, name="followups"),
    _post("/followups/greetings/approve", approve_greetings, "greetings_approve"),
    _post("/drafts/{draft_id:id}/send-later", send_later, "draft_send_later"),
    Route("/payments", payments_page, name="payments"),
    _post("/payments/record", record_payment, "payment_record"),
    _post("/payments/confirm", confirm_payment, "payment_confirm"),
    _post("/orders/update", update_order, "order_update"),
    _post("/customers/{code}/greetings", greeting_prefs, "greeting_prefs"),
]
