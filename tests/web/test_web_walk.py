"""Walk every page of a demo-like store in real Chromium, in Chinese and in English.

The store holds the whole demo mailbox and archive (rules only, no intent model: fast), its
SLA clocks and follow-ups at the demo's clock. Each walk logs in, starts from the nav and
follows in-app links breadth first (at most :data:`PER_PATTERN` pages per path shape, e.g.
``/messages/N``, and :data:`MAX_PAGES` in all), so pages added later are walked too. On every
page it fails on

* catalogue strings the page showed untranslated (``Catalogs.misses``: msgids missing from
  the reader's catalogue, shown in English);
* English in a Chinese page, Chinese in an English one, outside customer text (elements
  marked ``translate="no"``) — see ``support/pagecheck.py``;
* the accessibility basics of ``pagecheck.A11Y_JS`` (lang, alt, labels, names, contrast,
  visible focus), at desktop width and, for the main pages, at phone width with no
  horizontal scrolling.

Screenshots of the inbox, a message, a draft review and the dashboard, in zh and en at 1280
and 390 px, go to ``$MAILAGENT_SCREENSHOTS`` (default: a pytest temporary directory; the path
is printed). They are not compared, only saved to be looked at.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from support.apptools import make_settings
from support.pagecheck import A11Y_JS, TEXT_JS, cjk_text, english_words
from support.servers import in_ci
from support.webtools import FAST_HASHER

from mailagent import demo
from mailagent.app import open_app
from mailagent.capture.importer import import_path
from mailagent.db import models as m
from mailagent.demo.clock import install_demo_clock, mail_anchor
from mailagent.demo.run import demo_settings, import_demo_archive
from mailagent.demo.web import DEMO_USERS, ensure_demo_users
from mailagent.followups.service import run_followups
from mailagent.sla import service as slaservice
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.i18n import Catalogs
from mailagent.web.server import UiServer, bind

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
PASSWORD = "walk the demo pages"
PER_PATTERN = 2
MAX_PAGES = 30
# a GET form (a search box, a filter) as a URL with a sample value in its first text field
SEARCH_FORMS_JS = """() => [...document.querySelectorAll('form')]
  .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get')
  .map(f => {
    const field = f.querySelector('input[type=search], input[type=text], input:not([type])');
    const url = new URL(f.action || location.href);
    if (field && field.name) url.searchParams.set(field.name, 'PO');
    return url.href;
  })"""
SKIP = re.compile(r"/attachments/|/raw\b|/export|\.csv$|\.xlsx$|/logout|/static/|/source\b")

if not os.path.exists(CHROMIUM) and not in_ci():
    pytest.skip(f"{CHROMIUM} is not installed (not in CI: skipping)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Demo:
    url: str
    catalogs: Catalogs
    shots: Path
    draft_id: int
    message_id: int
    found: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    tmp = tmp_path_factory.mktemp("walk")
    store = tmp / "store"
    app = open_app(demo_settings(make_settings(tmp, "sqlite://"), str(store)), with_model=False)
    import_demo_archive(app)
    now_at = install_demo_clock(app, mail_anchor(sorted(demo.mail_dir().glob("*.eml"))))
    assert now_at is not None
    import_path(app, demo.mail_dir(), mailbox="demo")
    slaservice.refresh_clocks(app, app.clock(), notify=False, since=now_at.replace(year=1970))
    run_followups(app, app.clock())
    ensure_demo_users(app, PASSWORD)
    with app.sessions() as session:
        draft = (
            session.scalars(
                select(m.Draft).where(m.Draft.status == "pending", m.Draft.intent == "inquiry")
            ).first()
            or session.scalars(select(m.Draft).where(m.Draft.status == "pending")).first()
        )
        assert draft is not None
        draft_id, message_id = draft.id, draft.message_pk
    web = create_app(app)
    server = UiServer(web, bind("127.0.0.1", 0))
    url = server.start().rstrip("/")
    shots = Path(os.environ.get("MAILAGENT_SCREENSHOTS") or tmp / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    yield Demo(url, web.state.catalogs, shots, draft_id, message_id)
    print(f"\nscreenshots: {shots}")
    server.stop()
    app.close()
    mp.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _context(browser: Any, width: int) -> Any:
    height = 900 if width > 600 else 844
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
    return context


def _log_in(page: Any, site: Demo, email: str, lang: str) -> None:
    page.goto(site.url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()
    switch = page.locator(f"form.lang-switch button[value={lang}]")
    if switch.is_enabled():
        switch.click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang").startswith(lang)


def _check(page: Any, lang: str) -> list[str]:
    out = []
    for text in page.evaluate(TEXT_JS):
        if lang == "zh":
            out += [
                f"English in a Chinese page: {w!r} in {text[:90]!r}" for w in english_words(text)
            ]
        elif cjk_text(text):
            out.append(f"Chinese in an English page: {text[:90]!r}")
    return out + page.evaluate(A11Y_JS)


def _walk(page: Any, site: Demo, lang: str, max_pages: int) -> tuple[list[str], list[str]]:
    """Breadth-first from the nav; returns (pages seen, problems as "path: problem")."""
    queue = page.eval_on_selector_all("nav.main a[href]", "els => els.map(e => e.href)")
    seen: list[str] = []
    shapes: dict[str, int] = {}
    problems: list[str] = []
    while queue and len(seen) < max_pages:
        url = queue.pop(0).split("#")[0]
        path = urlsplit(url).path
        shape = re.sub(r"/\d+|/[A-Z][A-Z0-9-]+\b", "/N", path)
        if url in seen or not url.startswith(site.url) or SKIP.search(url):
            continue
        if shapes.get(shape, 0) >= (PER_PATTERN if "/N" in shape else 1):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        seen.append(url)
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        problems += [f"{path}: {p}" for p in _check(page, lang)]
        queue += page.eval_on_selector_all(
            "main a[href], nav a[href]", "els => els.map(e => e.href)"
        )
        queue += page.evaluate(SEARCH_FORMS_JS)  # GET forms (search, filters): a sample query
    return seen, problems


def _screenshots(page: Any, site: Demo, lang: str, width: int) -> list[str]:
    """The main pages: checked (at phone width too) and saved as screenshots."""
    problems = []
    for name, path in SCREENS.items():
        target = path.format(message=site.message_id, draft=site.draft_id)
        page.goto(site.url + target)
        if width < 600:
            problems += [f"{target} {lang} {width}px: {p}" for p in page.evaluate(A11Y_JS)]
        shot = site.shots / f"{name}-{lang}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5_000
    return problems


def _misses(site: Demo, lang: str) -> list[str]:
    return sorted(msgid for (lg, msgid) in site.catalogs.misses if lg == lang)


SUPERVISOR = next(u[0] for u in DEMO_USERS if u[1] == "supervisor")
ADMIN = next(u[0] for u in DEMO_USERS if u[1] == "admin")
SALES = next(u[0] for u in DEMO_USERS if u[1] == "sales" and u[2] == "zh")
SCREENS = {
    "inbox": "/inbox",
    "message": "/messages/{message}",
    "draft": "/drafts/{draft}",
    "dashboard": "/dashboard",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_is_in_the_readers_language_and_accessible(
    browser: Any, site: Demo, lang: str
) -> None:
    """The supervisor walks everything (and takes the desktop screenshots); a salesperson
    (Chinese only) and the administrator walk their own views."""
    started = time.monotonic()
    site.catalogs.misses.clear()
    problems: list[str] = []
    seen: list[str] = []
    users = [(SUPERVISOR, MAX_PAGES), (ADMIN, 3)] + ([(SALES, 8)] if lang == "zh" else [])
    for email, limit in users:
        context = _context(browser, 1280)
        page = context.new_page()
        page.set_default_timeout(10_000)
        _log_in(page, site, email, lang)
        pages, found = _walk(page, site, lang, limit)
        seen += pages
        problems += found
        if email == SUPERVISOR:
            problems += _screenshots(page, site, lang, 1280)
        context.close()
    paths = {urlsplit(u).path for u in seen}
    assert {"/inbox", "/drafts", "/dashboard", "/admin"} <= paths, sorted(paths)
    assert any(p.startswith("/messages/") for p in paths) and any(
        p.startswith("/drafts/") for p in paths
    ), sorted(paths)
    assert _misses(site, lang) == [], f"untranslated catalogue strings ({lang})"
    assert problems == [], "\n".join(sorted(set(problems)))
    print(
        f"\n{lang}: {len(seen)} pages in {time.monotonic() - started:.1f} s; "
        f"screenshots: {site.shots}"
    )


def test_main_pages_at_phone_width(browser: Any, site: Demo) -> None:
    """390 px wide: no sideways scrolling, the same accessibility checks; screenshots."""
    problems: list[str] = []
    for lang in ("zh", "en"):
        context = _context(browser, 390)
        page = context.new_page()
        page.set_default_timeout(10_000)
        _log_in(page, site, SUPERVISOR, lang)
        problems += _screenshots(page, site, lang, 390)
        context.close()
    assert problems == [], "\n".join(problems)
    print(f"\nscreenshots (390 px): {site.shots}")
