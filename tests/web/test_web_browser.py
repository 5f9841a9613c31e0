"""The web UI in a real headless Chromium (Playwright + Debian's /usr/bin/chromium).

One uvicorn server on a free loopback port serves a small store for the whole module; an
aiosmtpd server on loopback (``servers.Smtpd``: STARTTLS and AUTH) receives
what the UI sends. Outside CI the tests are skipped
when Chromium is not installed; under CI (``CI`` set) they must run.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support.servers import Smtpd, in_ci
from support.webtools import FAST_HASHER, PASSWORD, REMOTE_HOST, USERS, Site, build_site

from mailagent.db import models as m
from mailagent.drafts.prepare import prepare_drafts
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.server import UiServer, bind

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
SHOTS = Path(os.environ.get("MAILAGENT_SCREENSHOTS", "/tmp/mailagent-web-screenshots"))

if not os.path.exists(CHROMIUM) and not in_ci():
    pytest.skip(f"{CHROMIUM} is not installed (not in CI: skipping)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


class Tracker(ThreadingHTTPServer):
    """Stands in for the sender's web-bug host: records every request that reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        tracker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                tracker.hits.append(self.path)
                self.send_response(200)
                self.send_header("content-type", "image/gif")
                self.end_headers()
                self.wfile.write(GIF)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@dataclass
class Env:
    site: Site
    url: str
    smtpd: Smtpd
    draft_id: int
    tracker: Tracker


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    smtpd = Smtpd().start()  # STARTTLS + AUTH, like a real submission server
    tracker = Tracker()
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    tmp = tmp_path_factory.mktemp("web-browser")
    site = build_site(
        tmp,
        f"sqlite:///{tmp / 'web.db'}",
        users=("lily", "kevin"),
        smtp=smtpd.smtp_settings(),
        remote=tracker.base,
    )
    with site.app.sessions() as session, session.begin():
        row = session.get(m.Message, site.ids["acme"])
        assert row is not None
        draft_id = prepare_drafts(session, site.app, row)[0]
    server = UiServer(create_app(site.app), bind("127.0.0.1", 0))
    url = server.start().rstrip("/")
    yield Env(site, url, smtpd, draft_id, tracker)
    server.stop()
    tracker.shutdown()
    tracker.server_close()
    smtpd.stop()
    site.app.close()
    mp.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, env: Env) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    # nothing may leave the machine: every non-loopback request is aborted
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def log_in(page: Any, env: Env, who: str) -> None:
    page.goto(env.url + "/login")
    page.fill("input[name=email]", USERS[who][0])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(env.url + "/inbox")


def test_sales_user_logs_in_reads_mail_and_switches_language(page: Any, env: Env) -> None:
    log_in(page, env, "lily")  # Lily works in Chinese
    expect(page.locator("nav.main a.active")).to_have_text("收件箱")
    assert page.locator("h1").first.inner_text().startswith("收件箱")
    rows = page.locator("table.messages tbody tr")
    assert rows.count() == 1, "only the mail of Lily's own customers"
    assert "Bestellung 4500118999" in rows.first.inner_text()
    page.get_by_role("link", name="Bestellung 4500118999").click()
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    expect(page.get_by_role("heading", name="分类")).to_be_visible()
    expect(page.get_by_role("button", name="重新归档")).to_be_visible()
    assert "Sehr geehrte Frau Chen" in page.locator(".bodies .text").first.inner_text()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Classification")).to_be_visible()
    expect(page.get_by_role("button", name="Re-file")).to_be_visible()
    expect(page.locator("nav.main a").first).to_have_text("Inbox")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "message-en.png"), full_page=True)
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="分类")).to_be_visible()
    # Kevin's customer's mail is not there for her, even by address
    response = page.goto(f"{env.url}/messages/{env.site.ids['acme']}")
    assert response is not None and response.status == 404


def test_hostile_html_mail_cannot_run_script_or_load_remote_images(page: Any, env: Env) -> None:
    """Chromium runs the sandboxed mail frame in its own process, whose requests Playwright's
    ``request`` events do not report; the web-bug host itself therefore records the hits."""
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, env, "kevin")
    page.goto(f"{env.url}/messages/{env.site.ids['hostile']}")
    page.locator("details.html-part > summary").click()
    frame_el = page.locator("iframe.mail-html")
    frame_el.wait_for()
    frame = frame_el.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    assert "urgent" in frame.locator("body").inner_text()
    frame.get_by_text("click me").click()  # the javascript: link was defused
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert frame.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert not [u for u in requests if env.tracker.base in u or REMOTE_HOST in u], requests
    assert env.tracker.hits == [], "the web bug must not be fetched"
    expect(page.get_by_text("Remote images are blocked")).to_be_visible()
    # (not full_page: the out-of-process mail frame is not painted into full-page shots)
    page.screenshot(path=str(SHOTS / "hostile-blocked.png"))
    # asked for, the remote image is fetched (so the checks above can see a fetch), and
    # still no script runs
    page.get_by_role("link", name="Show images").click()
    page.wait_for_url(re.compile(r"images=1$"))
    page.locator("iframe.mail-html").wait_for()
    for _ in range(50):
        if env.tracker.hits:
            break
        page.wait_for_timeout(50)
    assert env.tracker.hits == ["/pixel.gif?id=42"]
    assert page.evaluate("typeof window.__pwned") == "undefined" and dialogs == []


def test_approve_a_draft_and_send_it_over_smtp(page: Any, env: Env) -> None:
    log_in(page, env, "kevin")
    page.get_by_role("link", name="Drafts").click()
    page.locator(f"a[href='/drafts/{env.draft_id}']").click()
    page.wait_for_url(f"{env.url}/drafts/{env.draft_id}")
    body = page.locator("textarea[name=body]")
    text = body.input_value()
    assert "[[" in text, "the generated quote still has blanks to fill in"
    filled = re.sub(r"\[\[[^\]]*\]\]", "USD 2.80 / 12 working days", text)
    body.fill(filled)
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("p.flash")).to_contain_text("The draft was approved")
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("The reply was sent.")).to_be_visible()
    expect(page.locator("h1 .tag")).to_have_text("Sent")
    page.screenshot(path=str(SHOTS / "draft-sent.png"), full_page=True)
    received = env.smtpd.received[-1]
    assert received.mail_from == "sales@huaxin-pcb.com"
    assert received.rcpt_tos == ("tom@acmerobotics.com",)
    msg = message_from_bytes(received.content)
    assert msg["In-Reply-To"] == "<web-1@test.example>"
    assert b"USD 2.80 / 12 working days" in received.content
    with env.site.app.sessions() as session:
        draft = session.get(m.Draft, env.draft_id)
        assert draft is not None and draft.status == "sent"
