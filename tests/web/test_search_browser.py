"""Search in a real headless Chromium: the header's box, a PO number, an English word that
finds a German mail through its translation, the results page in English and Chinese
(screenshots under ``MAILAGENT_SCREENSHOTS``, default /tmp/mailagent-web-screenshots)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from support.searchsite import add_english_translation
from support.webtools import FAST_HASHER, PASSWORD, USERS, Site, build_site
from test_web_browser import SHOTS, browser, expect  # the module's Chromium fixture

from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.routes import search as search_routes
from mailagent.web.server import UiServer, bind

__all__ = ["browser"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    tmp = tmp_path_factory.mktemp("search-browser")
    site = build_site(tmp, f"sqlite:///{tmp / 'web.db'}", users=("grace",))
    add_english_translation(site)
    server = UiServer(create_app(site.app), bind("127.0.0.1", 0))
    url = server.start().rstrip("/")
    yield site, url
    server.stop()
    site.app.close()
    mp.undo()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def test_search_by_po_number_and_by_a_word_of_the_translation(
    page: Any, served: tuple[Site, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, url = served
    page.goto(url + "/login")
    page.fill("input[name=email]", USERS["grace"][0])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(url + "/inbox")
    # the PO number, typed into the header's box on the inbox: results appear as you type
    page.locator("#search-box").press_sequentially("45001189")
    live = page.locator("#search-live")
    expect(live.locator("ul.live-results a")).to_have_count(1)
    expect(page.locator("#search-box")).to_have_attribute("aria-expanded", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-live-en.png"))
    page.press("#search-box", "ArrowDown")
    expect(live.locator("ul.live-results a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(live).to_be_hidden()
    page.fill("#search-box", "4500118999")
    page.press("#search-box", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=4500118999$"))
    results = page.locator("li.result")
    expect(results).to_have_count(1)
    expect(results.first.locator("a.result-subject mark")).to_have_text("4500118999")
    expect(page.locator(".search-count")).to_contain_text("Messages found: 1")
    # a full first page comes at once, its count right after (the page's script fetches it)
    monkeypatch.setattr(search_routes, "PER_PAGE", 1)  # "Tom" finds two
    page.goto(url + "/search?q=Tom")
    expect(results).to_have_count(1)
    expect(page.locator(".search-count")).to_have_text(re.compile(r"^\s*Messages found: 2\s"))
    monkeypatch.undo()
    # an English word finds the German mail through its translation
    page.fill("#search-box", "purchase")
    page.press("#search-box", "Enter")
    page.wait_for_url(re.compile(r"q=purchase$"))
    expect(results).to_have_count(1)
    expect(results.first.locator("a.result-subject")).to_have_text("Bestellung 4500118999")
    snippet = results.first.locator(".snippet")
    expect(snippet.locator(".tag.source")).to_have_text("in the translation")
    expect(snippet.locator("mark")).to_have_text("purchase")
    expect(snippet).to_contain_text("<b>R&D</b>")  # mail text shown as text, never as markup
    # the filters narrow it, as form controls
    page.select_option("select[name=language]", "de")
    page.locator("form.search-filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"language=de"))
    expect(results).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "search-en.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "search-en-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="搜索")).to_be_visible()
    expect(snippet.locator(".tag.source")).to_have_text("在译文中")
    page.screenshot(path=str(SHOTS / "search-zh.png"), full_page=True)
    results.first.locator("a.result-subject").click()
    page.wait_for_url(f"{url}/messages/{site.ids['mueller']}")
