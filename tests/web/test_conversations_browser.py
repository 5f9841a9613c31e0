"""Conversations in a real headless Chromium: the thread page with inline previews of an
image and a PDF attachment, assign + snooze + bulk junk on the inbox, and approving a draft
with the keyboard. Reuses the Chromium fixture and settings of ``test_web_browser``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image
from sqlalchemy import select
from support.webtools import FAST_HASHER, PASSWORD, USERS, Site, build_site
from test_web_browser import SHOTS, browser, expect  # noqa: F401  (the shared fixture)

from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.drafts.prepare import prepare_drafts
from mailagent.drafts.service import edit_draft
from mailagent.messages.previews import pdf_previews
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.server import UiServer, bind


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _pdf() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=20)
    doc.cell(text="Proforma invoice PI-2026-0042")
    return bytes(doc.output())


def _mail(n: int, sender: str, subject: str, body: str, reply_to: str | None = None) -> Any:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "sales@huaxin-pcb.com", subject
    msg["Date"] = f"Mon, 16 Nov 2026 0{n}:30:00 +0000"
    msg["Message-ID"] = f"<conv-{n}@test.example>"
    if reply_to:
        msg["In-Reply-To"] = msg["References"] = reply_to
    msg.set_content(body)
    return msg


@dataclass
class Env:
    site: Site
    url: str
    draft_id: int
    acme_thread: int
    spam_threads: tuple[int, int]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    tmp = tmp_path_factory.mktemp("conversations")
    site = build_site(tmp, f"sqlite:///{tmp / 'web.db'}", users=("kevin", "grace"))
    reply = _mail(
        3, "Tom Baker <tom@acmerobotics.com>", "Re: RFQ: 500 pcs HX-4L-FR4-1.6",
        "Drawing and our PO draft attached.\n\n> please quote 500 pcs", "<web-1@test.example>",
    )  # fmt: skip
    reply.add_attachment(_png(), maintype="image", subtype="png", filename="drawing.png")
    reply.add_attachment(_pdf(), maintype="application", subtype="pdf", filename="PO-draft.pdf")
    spam = [
        _mail(4, "Deals <win@promo.example>", "You have won a prize", "Click to claim it."),
        _mail(5, "SEO <seo@rank.example>", "Rank #1 on Google", "Cheap SEO for your site."),
    ]
    results = ingest_raw(site.app, [(x.as_bytes(), f"c{i}") for i, x in enumerate([reply, *spam])])
    pks = [r.message_pk for r in results]
    with site.app.sessions() as session, session.begin():
        row = session.get(m.Message, site.ids["acme"])
        assert row is not None and row.thread_id is not None
        prepare_drafts(session, site.app, row)
        acme_thread = row.thread_id
        threads = [session.get(m.Message, pk).thread_id for pk in pks]  # type: ignore[union-attr]
    assert threads[0] == acme_thread, "the reply joins the RFQ's thread"
    with site.app.sessions() as session:  # the thread's live draft, its blanks filled in
        draft_id, body = session.execute(
            select(m.Draft.id, m.Draft.body)
            .join(m.Message, m.Message.id == m.Draft.message_pk)
            .where(m.Message.thread_id == acme_thread, m.Draft.status == "pending")
            .order_by(m.Draft.id.desc())
        ).first()  # type: ignore[misc]
    edit_draft(site.app, draft_id, re.sub(r"\[\[[^\]]*\]\]", "USD 2.80", body), None, actor="t")
    server = UiServer(create_app(site.app), bind("127.0.0.1", 0))
    url = server.start().rstrip("/")
    yield Env(site, url, draft_id, acme_thread, (int(threads[1] or 0), int(threads[2] or 0)))
    server.stop()
    site.app.close()
    mp.undo()


@pytest.fixture
def page(browser: Any, env: Env) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def log_in(page: Any, env: Env, who: str, target: str = "/inbox") -> None:
    page.goto(env.url + "/login?next=" + target)
    page.fill("input[name=email]", USERS[who][0])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(env.url + target)


def test_thread_page_shows_messages_in_order_with_attachment_previews(page: Any, env: Env) -> None:
    log_in(page, env, "kevin")
    row = page.locator(f"tr.thread[data-id='{env.acme_thread}']")
    expect(row).to_have_class(re.compile("unread"))
    expect(row.locator(".count")).to_have_text("2")
    expect(row.locator(".preview")).to_contain_text("Drawing and our PO draft attached.")
    expect(row.locator(".person").first).to_have_attribute("title", "tom@acmerobotics.com")
    row.get_by_role("link", name=re.compile("RFQ")).click()
    page.wait_for_url(f"{env.url}/conversations/{env.acme_thread}")
    messages = page.locator("article.thread-message")
    expect(messages).to_have_count(2)
    assert "please quote 500 pcs" in messages.nth(0).inner_text()
    expect(messages.nth(1).locator("details.quoted")).not_to_have_attribute("open", "")
    image = page.get_by_role("img", name="Preview of drawing.png")
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    src = image.get_attribute("src")
    response = page.request.get(env.url + src)
    assert response.headers["content-type"] == "image/png"
    assert "sandbox" in response.headers["content-security-policy"]
    if pdf_previews():
        pdf = page.get_by_role("img", name="Preview of PO-draft.pdf")
        pdf.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=pdf.element_handle())
    # the hostile HTML attachment is offered as a download only, never previewed
    assert page.locator("img[alt*='quote']").count() == 0
    assert page.locator("#audit li").count() >= 1, "the drafts' history is in the trail"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "thread-en.png"), full_page=True)
    page.goto(env.url + "/inbox")
    expect(page.locator(f"tr.thread[data-id='{env.acme_thread}']")).not_to_have_class(
        re.compile("unread")
    )


def test_assign_snooze_and_bulk_junk(page: Any, env: Env) -> None:
    log_in(page, env, "grace")
    first, second = env.spam_threads
    row = page.locator(f"tr.thread[data-id='{first}']")
    row.locator("input[name=thread]").check()
    page.select_option("#bulk-owner", label="Kevin")
    page.locator("#bulk button[value=assign]").click()
    expect(page.locator("p.flash")).to_contain_text("Owner set for 1 conversation(s).")
    expect(page.locator(f"tr.thread[data-id='{first}'] .person").last).to_have_text("Kevin")
    # snooze from the thread page until the customer replies: it leaves the inbox
    page.goto(f"{env.url}/conversations/{second}")
    page.select_option("#thread-snooze", "reply")
    page.locator("#work button[value=snooze]").click()
    expect(page.locator("p.flash")).to_contain_text("1 conversation(s) snoozed.")
    page.goto(env.url + "/inbox")
    expect(page.locator(f"tr.thread[data-id='{second}']")).to_have_count(0)
    page.get_by_role("link", name="Snoozed", exact=True).click()
    expect(page.locator(f"tr.thread[data-id='{second}']")).to_have_count(1)
    page.locator(f"tr.thread[data-id='{second}'] input[name=thread]").check()
    page.locator("#bulk button[value=reopen]").click()
    expect(page.locator("p.flash")).to_contain_text("1 conversation(s) back in the inbox.")
    # bulk junk: both spam threads selected, both leave the inbox for the junk view
    page.goto(env.url + "/inbox")
    for tid in env.spam_threads:
        page.locator(f"tr.thread[data-id='{tid}'] input[name=thread]").check()
    page.locator("#bulk button[value=junk]").click()
    expect(page.locator("p.flash")).to_contain_text("2 message(s) marked as junk.")
    for tid in env.spam_threads:
        expect(page.locator(f"tr.thread[data-id='{tid}']")).to_have_count(0)
    page.get_by_role("link", name="Junk", exact=True).click()
    for tid in env.spam_threads:
        expect(page.locator(f"tr.thread[data-id='{tid}']")).to_have_count(1)
    page.goto(f"{env.url}/conversations/{first}")
    expect(page.locator("#audit")).to_contain_text("assigned → Kevin")


def test_keyboard_moves_and_approves_the_draft(page: Any, env: Env) -> None:
    log_in(page, env, "kevin")
    page.keyboard.press("j")
    expect(page.locator("tr.thread.current")).to_have_count(1)
    while page.locator("tr.thread.current").get_attribute("data-id") != str(env.acme_thread):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{env.url}/conversations/{env.acme_thread}")
    expect(page.locator("#approve-button")).to_be_visible()
    page.keyboard.press("a")
    expect(page.locator("p.flash")).to_contain_text("1 draft(s) approved.")
    with env.site.app.sessions() as session:
        assert session.get(m.Draft, env.draft_id).status == "approved"  # type: ignore[union-attr]
