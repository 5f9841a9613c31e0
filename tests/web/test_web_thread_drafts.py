"""The review page after new mail arrived on an edited draft: the notice (zh/en) and the choice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, Site, build_site, login, message

from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.web import users as users_module
from mailagent.web.app import create_app


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)  # as the other web tests


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    yield s
    s.app.close()


def _drafts(site: Site, message_pk: int) -> list[m.Draft]:
    with site.app.sessions() as s:
        return list(s.query(m.Draft).filter(m.Draft.message_pk == message_pk).order_by(m.Draft.id))


def test_new_mail_after_an_edit_asks_the_salesperson(site: Site) -> None:
    web = TestClient(create_app(site.app))
    token = login(web, "kevin")
    (edited,) = _drafts(site, site.ids["acme"])
    saved = web.post(
        f"/drafts/{edited.id}/edit",
        data={
            "subject": edited.subject,
            "body": "Dear Tom,\n\nmy own text.\n",
            "csrf_token": token,
        },
    )
    assert "Saved as version 2" in saved.text
    follow_up = message(9, "Tom Baker <tom@acmerobotics.com>", "Re: RFQ", "Make it 800 pcs.")
    follow_up = follow_up.replace(
        b"Message-ID: <web-9@test.example>",
        b"Message-ID: <web-9@test.example>\nIn-Reply-To: <web-1@test.example>",
    )
    (result,) = ingest_raw(site.app, [(follow_up, "follow-up")])
    assert result.message_pk is not None
    (held,) = _drafts(site, result.message_pk)
    assert held.status == "held"

    page = web.get(f"/drafts/{edited.id}").text
    assert "New mail arrived since you edited this draft." in page
    assert f'href="/drafts/{held.id}"' in page and "Keep the edited draft" in page
    assert "Approve" in page
    refused = web.post(f"/drafts/{edited.id}/approve", data={"csrf_token": token})
    assert "new mail arrived since you edited" in refused.text
    assert "Held: new mail, your choice" in web.get(f"/drafts/{held.id}").text

    web.post("/language", data={"lang": "zh", "next": "/inbox", "csrf_token": token})
    page = web.get(f"/drafts/{edited.id}").text
    assert "你编辑此草稿后收到了新邮件。" in page and "采用新草稿" in page

    chosen = web.post(
        f"/drafts/{edited.id}/choose", data={"choice": "take_new", "csrf_token": token}
    )
    assert f"现在请审核草稿 #{held.id}" in chosen.text
    with site.app.sessions() as s:
        old, new = s.get(m.Draft, edited.id), s.get(m.Draft, held.id)
        assert old is not None and new is not None
        assert (old.status, old.superseded_by, new.status) == ("superseded", held.id, "pending")
    page = web.get(f"/drafts/{edited.id}").text
    assert "已被取代" in page and 'id="thread-note"' in page


def test_recipients_attachments_and_the_mime_preview(site: Site) -> None:
    web = TestClient(create_app(site.app))
    token = login(web, "kevin")
    (draft,) = _drafts(site, site.ids["acme"])
    bad = web.post(
        f"/drafts/{draft.id}/recipients",
        data={"to": "Tom <tom@acmerobotics>", "cc": "", "bcc": "", "csrf_token": token},
    )
    assert "The recipients were not saved" in bad.text and "not a valid e-mail address" in bad.text
    saved = web.post(
        f"/drafts/{draft.id}/recipients",
        data={
            "to": "Tom Baker <tom@acmerobotics.com>",
            "cc": "Sarah <sarah@acmerobotics.com>; qa@acmerobotics.com",
            "bcc": "kevin.wang@huaxin-pcb.com",
            "csrf_token": token,
        },
    )
    assert "Recipients saved." in saved.text
    uploaded = web.post(
        f"/drafts/{draft.id}/attach",
        data={"csrf_token": token},
        files={"file": ("stack-up.txt", b"6 layers\n", "text/plain")},
    )
    assert "Attached." in uploaded.text
    page = web.post(
        f"/drafts/{draft.id}/attach", data={"document": "quotation", "csrf_token": token}
    ).text
    assert "Quotation REF-QT2026-" in page and "application/pdf" in page
    assert "报价 _quote_.html" in page  # the thread's received file can be picked
    preview = page.split('id="mime-preview"')[1]
    assert "Cc: Sarah &lt;sarah@acmerobotics.com&gt;, qa@acmerobotics.com" in preview
    assert "Bcc:" not in preview  # never in the headers...
    assert "kevin.wang@huaxin-pcb.com" in preview  # ...but an envelope recipient
    assert "multipart/alternative" in preview and "text/html" in preview
    assert "stack-up.txt" in preview
    web.post("/language", data={"lang": "zh", "next": "/inbox", "csrf_token": token})
    assert "将要发送的内容" in web.get(f"/drafts/{draft.id}").text


def test_compose_from_the_message_page(site: Site) -> None:
    web = TestClient(create_app(site.app))
    token = login(web, "kevin")
    page = web.get(f"/messages/{site.ids['acme']}").text
    assert 'value="reply_all"' in page and 'value="forward"' in page
    opened = web.post(
        "/compose",
        data={"mode": "reply_all", "message_pk": str(site.ids["acme"]), "csrf_token": token},
    )
    assert re.search(r"/drafts/\d+$", str(opened.url))
    assert "[[YOUR TEXT / 正文]]" in opened.text and "Save recipients" in opened.text
    lily = TestClient(create_app(site.app))
    lily_token = login(lily, "lily")  # not her customer: the message does not exist for her
    refused = lily.post(
        "/compose",
        data={"mode": "reply", "message_pk": str(site.ids["acme"]), "csrf_token": lily_token},
    )
    assert refused.status_code == 404
