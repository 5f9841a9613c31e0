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
from sqlalchemy import select
from support.servers import Smtpd, in_ci
from support.webtools import FAST_HASHER, PASSWORD, REMOTE_HOST, USERS, Site, build_site

from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.drafts.prepare import prepare_drafts
from mailagent.drafts.translate import translate_draft
from mailagent.translation.inbound import build, run_queue
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
PT_RFQ = Path(__file__).resolve().parents[2] / "mailagent/demo/mail/045-nordeste-rfq-portuguese.eml"
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
    pt_id: int = 0  # the demo's Portuguese RFQ, translated by the real Bergamot model
    pt_draft_id: int = 0  # its reply, put into Portuguese


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
    pt_id, pt_draft_id = portuguese_rfq(site)
    server = UiServer(create_app(site.app), bind("127.0.0.1", 0))
    url = server.start().rstrip("/")
    yield Env(site, url, smtpd, draft_id, tracker, pt_id, pt_draft_id)
    server.stop()
    tracker.shutdown()
    tracker.server_close()
    smtpd.stop()
    site.app.close()
    mp.undo()


def portuguese_rfq(site: Site) -> tuple[int, int]:
    """The demo's pt RFQ (Kevin's prospect NORDESTE), a supervisor who reads Portuguese,
    the background translation run, and the English reply draft put into Portuguese."""
    users_module.create_user(
        site.app, RUI, PASSWORD, role="supervisor", language="en",
        reads="pt,en",
    )  # fmt: skip
    (result,) = ingest_raw(site.app, [(PT_RFQ.read_bytes(), "pt")])
    assert result.message_pk is not None
    result_q = run_queue(*build(site.app.settings, site.app.sessions))
    assert result_q.translated == 1, result_q  # only the pt mail: for Kevin, into English
    with site.app.sessions() as session, session.begin():
        row = session.get(m.Message, result.message_pk)
        assert row is not None and row.language == "pt"
        drafts = session.scalars(select(m.Draft.id).where(m.Draft.message_pk == row.id)).all()
        draft_id = drafts[0] if drafts else prepare_drafts(session, site.app, row)[0]
        language = session.get(m.Draft, draft_id).language  # type: ignore[union-attr]
    if language != "pt":  # drafted in the customer's language already, else put into it
        translate_draft(site.app, draft_id, actor="test", source=language, target="pt")
    return result.message_pk, draft_id


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


RUI = "rui.santos@huaxin-pcb.com"  # a supervisor who reads Portuguese (see portuguese_rfq)


def log_in(page: Any, env: Env, who: str) -> None:
    page.goto(env.url + "/login")
    page.fill("input[name=email]", RUI if who == "rui" else USERS[who][0])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(env.url + "/inbox")


def test_sales_user_logs_in_reads_mail_and_switches_language(page: Any, env: Env) -> None:
    log_in(page, env, "lily")  # Lily works in Chinese
    expect(page.locator("nav.main a.active")).to_have_text("收件箱")
    assert page.locator("h1").first.inner_text().startswith("收件箱")
    threads = page.locator("table.threads tbody tr")
    assert threads.count() == 1, "only the conversations of Lily's own customers"
    page.get_by_role("link", name="单封邮件").click()  # the same mail as single messages
    page.wait_for_url(env.url + "/messages")
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
    page.get_by_role("button", name="Approve", exact=True).click()
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


# -- translation per reader ------------------------------------------------------------------

PT_SUBJECT = "Cotação – MCPCB de alumínio para módulos LED lineares (50.000 pçs/ano)"


def inbox_subject(page: Any, env: Env) -> Any:
    """The subject of the Portuguese RFQ's conversation in the inbox (/inbox)."""
    with env.site.app.sessions() as session:
        thread_id = session.scalar(select(m.Message.thread_id).where(m.Message.id == env.pt_id))
    page.goto(env.url + "/inbox")
    return page.locator(f"tr[data-id='{thread_id}'] td.subject > a > span[translate=no]")


def test_reader_who_needs_it_sees_translated_subject_and_side_by_side(page: Any, env: Env) -> None:
    log_in(page, env, "kevin")  # reads English only
    # the inbox (conversations) shows the thread's subject translated, the original on hover
    subject = inbox_subject(page, env)
    expect(subject).to_have_class(re.compile(r"\btranslated-subject\b"))
    expect(subject).to_have_attribute("title", PT_SUBJECT)
    expect(subject).to_have_attribute("translate", "no")
    text = subject.inner_text()
    assert "LED" in text and "50,000" in text and "Cotação" not in text
    page.goto(env.url + "/messages")  # the single messages show translated subjects
    link = page.locator(f"a.translated-subject[href='/messages/{env.pt_id}']")
    expect(link).to_have_attribute("title", PT_SUBJECT)  # the original on hover
    subject = link.inner_text()
    assert "LED" in subject and "50,000" in subject and "Cotação" not in subject
    link.click()
    page.wait_for_url(f"{env.url}/messages/{env.pt_id}")
    original = page.locator(".bodies .text.original")
    translated = page.locator(".bodies .translation-col .text.translated")
    expect(original).to_contain_text("Gostaríamos também de receber 10 amostras")
    expect(translated).to_contain_text("NL-LIN-240")
    expect(translated).to_contain_text("CIF")
    assert "samples" in translated.inner_text()
    box_o, box_t = original.bounding_box(), translated.bounding_box()
    assert box_o and box_t and box_t["x"] > box_o["x"] + 200  # side by side
    expect(page.locator(".translation-col h2")).to_contain_text("pt→en")
    # hovering a translated line highlights the original line it came from
    line = translated.locator(".ln", has_text="Incoterm: CIF Port of Suape")
    line.hover()
    twin = original.locator(f".ln[data-l='{line.get_attribute('data-l')}']")
    expect(twin).to_have_class(re.compile(r"\bhl\b"))
    assert "Incoterm: CIF Porto de Suape" in twin.inner_text()
    page.screenshot(path=str(SHOTS / "translation-side-by-side.png"), full_page=True)
    page.locator("label[for=show-translation]").click()  # the toggle hides it ...
    expect(translated).to_be_hidden()
    expect(original).to_be_visible()
    page.locator("label[for=show-translation]").click()  # ... and shows it again
    expect(translated).to_be_visible()


def test_reader_of_the_language_gets_no_translation(page: Any, env: Env) -> None:
    log_in(page, env, "rui")  # a supervisor who reads Portuguese
    subject = inbox_subject(page, env)  # the inbox: the thread's subject as the customer wrote it
    expect(subject).to_have_text(PT_SUBJECT)
    expect(subject).to_have_attribute("translate", "no")
    assert "translated-subject" not in (subject.get_attribute("class") or "")
    page.goto(env.url + "/messages")
    link = page.locator(f"td.subject a[href='/messages/{env.pt_id}']")
    expect(link).to_have_text(PT_SUBJECT)
    assert "translated-subject" not in (link.get_attribute("class") or "")
    link.click()
    page.wait_for_url(f"{env.url}/messages/{env.pt_id}")
    expect(page.locator(".bodies .text.original")).to_contain_text("Prezados")
    assert page.locator(".translation-col").count() == 0
    assert page.locator(".translation-state").count() == 0
    assert page.locator("#show-translation").count() == 0


def test_missing_model_is_named_with_the_commands_to_run(page: Any, env: Env) -> None:
    log_in(page, env, "lily")  # reads Chinese only; no German model is installed
    page.goto(f"{env.url}/messages/{env.site.ids['mueller']}")
    state = page.locator(".translation-state")
    expect(state).to_have_attribute("data-state", "no_model")
    expect(state).to_have_text(
        "没有 de→zh 的翻译模型：请管理员运行 mailagent translate install de en 和 en zh"
    )
    assert "等待中" not in page.locator("article.message").inner_text()  # no "pending" forever


def test_approver_sees_back_translation_of_a_draft_in_a_language_they_do_not_read(
    page: Any, env: Env
) -> None:
    log_in(page, env, "kevin")
    page.goto(f"{env.url}/drafts/{env.pt_draft_id}")
    body = page.locator("textarea[name=body]")
    assert "Fernanda" in body.input_value() and "Agradecemos" in body.input_value()
    assert "\n> Prezados," in body.input_value()  # the quoted customer mail is kept as is
    back = page.locator("section.back-translation")
    expect(back.locator("h2")).to_contain_text("pt→en")
    expect(back.locator(".text.translated")).to_contain_text("quotation request")
    expect(back.locator(".text.translated")).to_contain_text("FOB Shenzhen")
    assert "wrote:" not in back.inner_text()  # only the reply is back-translated
    page.screenshot(path=str(SHOTS / "draft-back-translation.png"), full_page=True)
