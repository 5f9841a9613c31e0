"""Routes: the search page (``GET /search``): the header's search box submits here; and the
box's results as you type (``GET /search/live``, an HTML fragment).

The query string carries the words (``q``) and the filters (intent, customer, salesperson,
SLA state, language, date range, attachment, disposition); they combine, within what the
viewer may see. Results come newest first, a page at a time, with a snippet of where the
words were found (``messages.snippets``) and a count that stops at ``COUNT_CAP``. When the
first page is full the count comes afterwards (``GET /search/count``, a fragment the page's
script fetches; without script a link counts), so the results never wait for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailagent.messages.listing import MessageFilter, count_found, list_messages
from mailagent.messages.search import terms
from mailagent.messages.snippets import highlight, search_snippets
from mailagent.records import Intent
from mailagent.sla.views import SLA_STATES, sla_badges
from mailagent.web.access import MAIL_ROLES, Viewer
from mailagent.web.auth import require_user
from mailagent.web.i18n import N_
from mailagent.web.ids import parse_id
from mailagent.web.labels import LABELS
from mailagent.web.pages import customer_options
from mailagent.web.people import people_of
from mailagent.web.render import mailagent_app, render

__all__ = ["LANGUAGES", "ROUTES", "SearchForm"]

INTENTS = tuple(i.value for i in Intent)
DISPOSITIONS = tuple(LABELS["disposition"])
# mail languages offered as a filter (code -> gettext id)
LANGUAGES = {
    "zh": N_("Chinese"),
    "en": N_("English"),
    "de": N_("German"),
    "es": N_("Spanish"),
    "pt": N_("Portuguese"),
    "fr": N_("French"),
    "it": N_("Italian"),
    "ja": N_("Japanese"),
    "ru": N_("Russian"),
    "tr": N_("Turkish"),
    "ar": N_("Arabic"),
}
PER_PAGE = 25
LIVE = 8  # results shown under the header box while typing


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SearchForm:
    """The search page's query string, validated (unknown values are dropped)."""

    q: str = ""
    intent: str = ""
    customer: str = ""
    salesperson: str = ""
    sla: str = ""
    language: str = ""
    since: date | None = None
    until: date | None = None
    attachment: bool = False
    disposition: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: QueryParams) -> SearchForm:
        def pick(name: str, allowed: tuple[str, ...] | dict[str, str]) -> str:
            value = params.get(name) or ""
            return value if value in allowed else ""

        return cls(
            q=(params.get("q") or "").strip()[:500],
            intent=pick("intent", INTENTS),
            customer=(params.get("customer") or "").strip()[:64],
            salesperson=(params.get("salesperson") or "").strip()[:320],
            sla=pick("sla", SLA_STATES),
            language=pick("language", LANGUAGES),
            since=_date(params.get("since")),
            until=_date(params.get("until")),
            attachment=params.get("attachment") == "1",
            disposition=pick("disposition", DISPOSITIONS),
            page=parse_id(params.get("page"), maximum=10_000) or 1,
        )

    def message_filter(self) -> MessageFilter:
        return MessageFilter(
            text=self.q,
            intent=self.intent or None,
            customer_code=self.customer or None,
            salesperson=self.salesperson or None,
            sla=self.sla or None,
            language=self.language or None,
            since=_midnight(self.since) if self.since else None,
            until=_midnight(self.until) + timedelta(days=1) if self.until else None,
            has_attachment=self.attachment,
            disposition=self.disposition or None,
            page=self.page,
            per_page=PER_PAGE,
        )

    def query(self, page: int) -> str:
        """This search's query string for another page."""
        fields = {
            "q": self.q,
            "intent": self.intent,
            "customer": self.customer,
            "salesperson": self.salesperson,
            "sla": self.sla,
            "language": self.language,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "attachment": "1" if self.attachment else "",
            "disposition": self.disposition,
            "page": str(page),
        }
        return urlencode({k: v for k, v in fields.items() if v})


def search_page(request: Request) -> Response:
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    form = SearchForm.parse(request.query_params)
    words = terms(form.q)
    rows, snippets, subjects = [], {}, {}
    total: int | None = 0
    more = False
    if words:
        flt = form.message_filter()
        rows = list_messages(app, flt, viewer)
        if 0 < len(rows) < PER_PAGE or (form.page == 1 and not rows):  # the last page
            total = (form.page - 1) * PER_PAGE + len(rows)
        elif request.query_params.get("count") == "1":  # asked for (the link without script)
            total, more = count_found(app, flt, viewer)
        else:  # counting can take longer than the page: static/search.js asks /search/count
            total = None
        snippets = search_snippets(app.sessions, [r.id for r in rows], words)
        subjects = {r.id: highlight(r.subject, words) for r in rows}
    customers = customer_options(app, viewer)
    salespeople = sorted({c.salesperson for c in customers if c.salesperson})
    people = people_of(request)
    return render(
        request,
        "search.html",
        {
            "form": form,
            "words": words,
            "rows": rows,
            "total": total,
            "more": more,
            "snippets": snippets,
            "subjects": subjects,
            "sla": sla_badges(app, [r.id for r in rows]),
            "intents": INTENTS,
            "customers": customers,
            "salespeople": [(e, people.name_of(e) or e) for e in salespeople],
            "sla_states": SLA_STATES,
            "languages": LANGUAGES,
            "dispositions": DISPOSITIONS,
            "per_page": PER_PAGE,
            "search_q": form.q,
        },
    )


def search_count(request: Request) -> Response:
    """The search page's count alone, an HTML fragment (``_search_count.html``): the page
    shows its results at once and ``static/search.js`` fetches this count afterwards."""
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    form = SearchForm.parse(request.query_params)
    total, more = 0, False
    if terms(form.q):
        total, more = count_found(app, form.message_filter(), viewer)
    return render(
        request,
        "_search_count.html",
        {"form": form, "total": total, "more": more},
        headers={"cache-control": "no-store"},
    )


def live_results(request: Request) -> Response:
    """The header box's results as you type: the newest few matches, an HTML fragment the
    box's script shows under it (``static/search.js``); the full page is one Enter away."""
    user = require_user(request, *MAIL_ROLES)
    app, viewer = mailagent_app(request), Viewer.of(user)
    q = (request.query_params.get("q") or "").strip()[:500]
    words = terms(q)
    rows = []
    if words and sum(len(w) for w in words) >= 2:
        rows = list_messages(app, MessageFilter(text=q, per_page=LIVE), viewer)
    return render(
        request,
        "_search_live.html",
        {
            "rows": rows,
            "q": q,
            "words": words,
            "subjects": {r.id: highlight(r.subject, words) for r in rows},
            "more": len(rows) == LIVE,
        },
        headers={"cache-control": "no-store"},
    )


ROUTES = [
    Route("/search", search_page, name="search"),
    Route("/search/live", live_results, name="search_live"),
    Route("/search/count", search_count, name="search_count"),
]
