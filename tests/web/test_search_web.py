"""The search page over HTTP: the header box, filters, scope, highlighted and escaped
snippets, in Chinese and English (the browser test is ``test_search_browser.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from support.searchsite import add_english_translation
from support.webtools import FAST_HASHER, Site, build_site, login

from mailagent.messages.snippets import Piece, highlight, snippet
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.routes import search as search_routes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One store for the module: these tests only read."""
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    tmp = tmp_path_factory.mktemp("search-web")
    s = build_site(tmp, f"sqlite:///{tmp / 'web.db'}")
    add_english_translation(s)
    yield s
    s.app.close()
    mp.undo()


def _results(html: str) -> list[str]:
    return re.findall(r'class="result-subject" href="/messages/(\d+)"', html)


def test_search_box_in_the_header_and_results_with_filters(site: Site) -> None:
    web = TestClient(create_app(site.app))
    login(web, "grace")  # supervisor, English
    inbox = web.get("/inbox").text
    assert 'id="search-box"' in inbox and 'action="/search"' in inbox
    empty = web.get("/search").text
    assert "Every word must match" in empty and _results(empty) == []
    # the salesperson filter names people (the address on hover), the value stays the address
    kevin = re.search(r'<option value="kevin[^"]*"[^>]*>([^<]*)</option>', empty)
    assert kevin is not None and kevin.group(1) == "Kevin", kevin
    page = web.get("/search", params={"q": "purchase order"}).text
    assert _results(page) == [str(site.ids["mueller"])]  # the German mail, by its translation
    assert "in the translation" in page and "<mark>purchase</mark> <mark>order</mark>" in page
    assert "Messages found: 1" in page
    assert 'value="purchase order"' in page  # the header box keeps the words
    assert _results(web.get("/search", params={"q": "4500 118999"}).text) == [
        str(site.ids["mueller"])
    ]
    # attachment names are searched and the filters combine
    assert _results(web.get("/search", params={"q": "quote"}).text) == [str(site.ids["acme"])]
    only = {"q": "Tom", "attachment": "1"}
    assert _results(web.get("/search", params=only).text) == [str(site.ids["acme"])]
    both = web.get("/search", params={"q": "Tom"}).text
    assert sorted(_results(both)) == sorted([str(site.ids["acme"]), str(site.ids["hostile"])])
    assert _results(web.get("/search", params={"q": "Tom", "language": "de"}).text) == []
    ranged = {"q": "Tom", "since": "2026-11-17", "until": "bad date"}
    assert _results(web.get("/search", params=ranged).text) == []
    assert _results(web.get("/search", params={"q": "Tom", "customer": "ACME"}).text) != []


def test_sales_user_finds_only_own_customers_mail_in_chinese(site: Site) -> None:
    web = TestClient(create_app(site.app))
    login(web, "lily")  # Lily: MUELLER is hers, ACME is Kevin's; she works in Chinese
    page = web.get("/search", params={"q": "4500118999"}).text
    assert _results(page) == [str(site.ids["mueller"])]
    assert "找到的邮件：1 封" in page and "搜索" in page
    assert 'name="salesperson"' not in page  # the salesperson filter is a supervisor's
    assert _results(web.get("/search", params={"q": "HX-4L"}).text) == []  # Kevin's customer


def test_query_and_mail_text_are_escaped(site: Site) -> None:
    web = TestClient(create_app(site.app))
    login(web, "grace")
    hostile = '<script>alert("q")</script>'
    page = web.get("/search", params={"q": hostile}).text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    # the translation's "<b>R&D</b>" is shown as text, its match marked
    page = web.get("/search", params={"q": "<b>R&D"}).text
    assert _results(page) == [str(site.ids["mueller"])]
    assert "<mark>&lt;b&gt;R&amp;D</mark>&lt;/b&gt;" in page and "<b>R&D" not in page


def test_snippet_cuts_around_the_first_match_and_marks_every_term() -> None:
    text = "word " * 100 + "the Lötstopplack was damaged, see Lötstopplack photo " + "tail " * 100
    pieces = snippet(text, ["lötstopplack"], width=80)
    assert pieces is not None
    assert pieces[0] == Piece("… ") and pieces[-1] == Piece(" …")
    assert [p.text for p in pieces if p.hit] == ["Lötstopplack", "Lötstopplack"]
    assert sum(len(p.text) for p in pieces) <= 80 + 4
    assert snippet("nothing here", ["x y"]) is None
    assert highlight("a.b A.B", ["a.b"]) == (Piece("a.b", True), Piece(" "), Piece("A.B", True))


def test_live_results_under_the_header_box(site: Site) -> None:
    web = TestClient(create_app(site.app))
    login(web, "grace")
    live = web.get("/search/live", params={"q": "4500118999"})
    assert live.status_code == 200 and live.headers["cache-control"] == "no-store"
    assert f'href="/messages/{site.ids["mueller"]}"' in live.text
    assert "<mark>4500118999</mark>" in live.text and 'href="/search?q=4500118999"' in live.text
    assert "<html" not in live.text  # a fragment for the box's script
    assert "No mail matches" in web.get("/search/live", params={"q": "zzqqxx"}).text
    assert web.get("/search/live", params={"q": " "}).text.strip() == ""
    lily = TestClient(create_app(site.app))
    login(lily, "lily")  # Kevin's customer's mail is not hers, live or not
    assert "/messages/" not in lily.get("/search/live", params={"q": "HX-4L"}).text
    anonymous = TestClient(create_app(site.app))
    assert anonymous.get("/search/live?q=4500", follow_redirects=False).status_code == 303


def test_a_full_first_page_comes_without_waiting_for_its_count(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_routes, "PER_PAGE", 1)  # "Tom" finds two: the first page is full
    web = TestClient(create_app(site.app))
    login(web, "grace")
    page = web.get("/search", params={"q": "Tom"}).text
    assert len(_results(page)) == 1 and "Messages found" not in page
    link = '<a href="/search?q=Tom&amp;page=1&amp;count=1" data-count="/search/count?q=Tom&amp;'
    link += 'page=1">'
    assert link + "Count the messages found</a>" in page  # the script fetches data-count
    count = web.get("/search/count", params={"q": "Tom", "page": "1"})
    assert count.status_code == 200 and count.headers["cache-control"] == "no-store"
    assert "Messages found: 2" in count.text and "<html" not in count.text
    counted = web.get("/search", params={"q": "Tom", "count": "1"}).text  # without script
    assert "Messages found: 2" in counted and "data-count" not in counted
    last = web.get("/search", params={"q": "Tom", "page": "2"}).text
    assert "Messages found" not in last  # a full page again: its count is asked for too
    lily = TestClient(create_app(site.app))
    login(lily, "lily")  # counted within what she may see, in Chinese
    assert "统计找到的邮件" in lily.get("/search", params={"q": "4500118999"}).text
    assert "找到的邮件：1 封" in lily.get("/search/count", params={"q": "4500118999"}).text
    assert "找到的邮件：0 封" in lily.get("/search/count", params={"q": "Tom"}).text
    anonymous = TestClient(create_app(site.app))
    assert anonymous.get("/search/count?q=Tom", follow_redirects=False).status_code == 303
