"""Reply-all with a Cc and an attachment in a real headless Chromium, approved and sent through
the real path (aiosmtpd with STARTTLS + AUTH -> Dovecot LMTP), then read back over IMAP."""

from __future__ import annotations

import email
import os
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient
from sqlalchemy import select
from support.servers import Dovecot, Smtpd, in_ci, unique_name
from support.webtools import FAST_HASHER, PASSWORD, USERS, Site, build_site

from mailagent.db import models as m
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.server import UiServer, bind

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

if not os.path.exists(CHROMIUM) and not in_ci():
    pytest.skip(f"{CHROMIUM} is not installed (not in CI: skipping)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
pytestmark = pytest.mark.dovecot


@pytest.fixture
def served(tmp_path: Path, smtpd: Smtpd) -> Iterator[tuple[Site, str]]:
    mp = pytest.MonkeyPatch()
    mp.setattr(users_module, "_hasher", FAST_HASHER)
    site = build_site(
        tmp_path, f"sqlite:///{tmp_path / 'web.db'}", users=("kevin",), smtp=smtpd.smtp_settings()
    )
    server = UiServer(create_app(site.app), bind("127.0.0.1", 0))
    url = server.start().rstrip("/")
    yield site, url
    server.stop()
    site.app.close()
    mp.undo()


def _fetch(dovecot: Dovecot, user: str, message_id: str) -> EmailMessage:
    with IMAPClient("127.0.0.1", dovecot.imap_port, ssl=False, timeout=10) as c:
        c.login(user, dovecot.password)
        c.select_folder("INBOX", readonly=True)
        (uid,) = c.search(["HEADER", "Message-ID", f"<{message_id}>"])
        raw = c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_reply_all_with_cc_and_attachment_from_the_browser_lands_in_dovecot(
    served: tuple[Site, str], dovecot: Dovecot, smtpd: Smtpd, tmp_path: Path
) -> None:
    site, url = served
    with site.app.sessions() as s:
        draft_id = s.scalar(select(m.Draft.id).where(m.Draft.message_pk == site.ids["acme"]))
    assert draft_id is not None
    colleague = unique_name("eng") + "@acmerobotics.com"
    drawing = tmp_path / "panel drawing.txt"
    drawing.write_text("Panel 2x3, V-cut, 1.6 mm\n", encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(locale="en-US")
        context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: route.abort())
        page: Any = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(url + "/login")
        page.fill("input[name=email]", USERS["kevin"][0])
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(url + "/inbox")
        page.goto(f"{url}/drafts/{draft_id}")
        page.fill("#recipients input[name=cc]", f"Engineering <{colleague}>")
        page.get_by_role("button", name="Save recipients").click()
        expect(page.get_by_text("Recipients saved.")).to_be_visible()
        page.set_input_files("#attachments input[type=file]", str(drawing))
        page.get_by_role("button", name="Upload").click()
        expect(page.locator("#attachments .att-name")).to_have_text("panel drawing.txt")
        page.fill("textarea[name=body]", "Dear Tom,\n\nplease find the panel drawing attached.\n")
        page.get_by_role("button", name="Save as new version").click()
        expect(page.locator("#mime-preview")).to_contain_text("multipart/alternative")
        expect(page.locator("#mime-preview")).to_contain_text(colleague)
        page.get_by_role("button", name="Approve", exact=True).click()
        page.get_by_role("button", name="Send now").click()
        expect(page.get_by_text("The reply was sent.")).to_be_visible()
        context.close()
        browser.close()

    (got,) = smtpd.received
    assert set(got.rcpt_tos) == {"tom@acmerobotics.com", colleague}
    with site.app.sessions() as s:
        ob = s.scalar(select(m.Outbox).where(m.Outbox.draft_id == draft_id))
        assert ob is not None and ob.state == "sent"
    for user in ("tom@acmerobotics.com", colleague):
        msg = _fetch(dovecot, user, ob.message_id)
        assert msg["Cc"] == f"Engineering <{colleague}>"
        assert msg.get_content_type() == "multipart/mixed"
        (alt,) = [p for p in msg.iter_parts() if p.get_content_type() == "multipart/alternative"]
        text, html = alt.iter_parts()  # type: ignore[attr-defined]
        assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
        assert "panel drawing attached" in text.get_content()
        assert "<p>Dear Tom,</p>" in html.get_content()
        (att,) = list(msg.iter_attachments())
        assert att.get_filename() == "panel drawing.txt"
        assert att.get_content() == "Panel 2x3, V-cut, 1.6 mm\n"
