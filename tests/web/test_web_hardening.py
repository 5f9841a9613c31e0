"""Web hardening findings of issue 17, each reproduced over HTTP: revocable server-side
sessions with timeouts, Secure/HSTS through trusted proxies only, the per-(account, address)
log-in throttle, ids too large for a key, and an oversized draft that keeps its text."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.testclient import TestClient
from support.webtools import FAST_HASHER, PASSWORD, USERS, Site, build_site, csrf_of, login

from mailagent.db import models as m
from mailagent.drafts.prepare import prepare_drafts
from mailagent.web import users as users_module
from mailagent.web.app import create_app
from mailagent.web.auth import SESSION_COOKIE
from mailagent.web.routes.drafts import DRAFT_BODY_LIMIT
from mailagent.web.throttle import FIRST_LOCK, lock_seconds
from mailagent.web.users import update_user

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Site]:
    s = build_site(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    yield s
    s.app.close()


@pytest.fixture
def clock(lite: Site) -> Clock:
    c = Clock()
    lite.app.clock = c
    return c


def _web(site: Site, **settings: object) -> None:
    web = dataclasses.replace(site.app.settings.web, **settings)
    site.app.settings = dataclasses.replace(site.app.settings, web=web)


def client(site: Site, address: str = "203.0.113.7", **kw: object) -> TestClient:
    return TestClient(create_app(site.app), client=(address, 40000), **kw)  # type: ignore[arg-type]


def attempt(c: httpx.Client, who: str, password: str, **headers: str) -> int:
    token = csrf_of(c.get("/login", headers=headers).text)
    response = c.post(
        "/login",
        data={"email": USERS[who][0], "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


# -- sessions ---------------------------------------------------------------------------------


def test_cookie_saved_before_logout_opens_nothing_after_it(lite: Site) -> None:
    browser = client(lite)
    token = login(browser, "kevin")
    saved = browser.cookies[SESSION_COOKIE]
    browser.post("/logout", data={"csrf_token": token})
    thief = client(lite)
    thief.cookies.set(SESSION_COOKIE, saved)
    assert thief.get("/inbox", follow_redirects=False).status_code == 303


def test_deactivation_and_password_change_end_sessions(lite: Site) -> None:
    browser = client(lite)
    login(browser, "kevin")
    with lite.app.sessions() as s:  # closed at once: an open transaction holds SQLite's lock
        uid = s.scalar(select(m.User.id).where(m.User.email == USERS["kevin"][0]))
    assert uid is not None
    update_user(lite.app, uid, actor="test", active=False)
    with lite.app.sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.WebSession)) == 0
    assert browser.get("/inbox", follow_redirects=False).status_code == 303
    # a password change (here the admin page's reset) ends every session of that user only
    update_user(lite.app, uid, actor="test", active=True)
    laptop, phone, admin = client(lite), client(lite), client(lite)
    login(laptop, "kevin")
    login(phone, "kevin")
    token = login(admin, "admin")
    changed = admin.post(
        f"/admin/users/{uid}/password",
        data={"csrf_token": token, "password": "a brand new passphrase"},
    )
    assert changed.status_code == 200 and "was changed" in changed.text, changed.text[:2000]
    for device in (laptop, phone):
        assert device.get("/inbox", follow_redirects=False).status_code == 303
    assert admin.get("/admin", follow_redirects=False).status_code == 200


def test_idle_and_absolute_timeouts(lite: Site, clock: Clock) -> None:
    _web(lite, session_idle_minutes=30, session_hours=2)
    browser = client(lite)
    login(browser, "kevin")
    for _ in range(4):  # active every 25 minutes: the idle timeout never hits ...
        clock.now += timedelta(minutes=25)
        assert browser.get("/inbox", follow_redirects=False).status_code == 200
    clock.now += timedelta(minutes=25)  # ... but 2 h after log-in the absolute one does
    assert browser.get("/inbox", follow_redirects=False).status_code == 303
    login(browser, "kevin")
    clock.now += timedelta(minutes=31)
    assert browser.get("/inbox", follow_redirects=False).status_code == 303


# -- Secure cookie, HSTS, trusted proxies -------------------------------------------------------


def test_https_from_trusted_proxy_only(lite: Site) -> None:
    _web(lite, trusted_proxies=["127.0.0.1"])
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.9"}
    proxied = client(lite, "127.0.0.1").get("/login", headers=https)
    assert "; Secure" in proxied.headers["set-cookie"]
    assert proxied.headers["strict-transport-security"].startswith("max-age=")
    spoofed = client(lite, "203.0.113.7").get("/login", headers=https)
    assert "Secure" not in spoofed.headers["set-cookie"]
    assert "strict-transport-security" not in spoofed.headers


def test_public_https_url_always_secure(lite: Site) -> None:
    _web(lite, public_url="https://mail.huaxin-pcb.com")
    response = client(lite).get("/login")
    assert "; Secure" in response.headers["set-cookie"]
    assert "strict-transport-security" in response.headers


def test_real_server_believes_forwarded_headers_only_from_trusted_proxies(lite: Site) -> None:
    """Through uvicorn itself, not only the ASGI app: its own proxy handling (which trusts
    127.0.0.1 unless told otherwise) must not believe what web.trusted_proxies does not."""
    from mailagent.web.server import UiServer, bind

    def serve() -> UiServer:
        server = UiServer(create_app(lite.app), bind("127.0.0.1", 0))
        server.start()
        return server

    https = {"x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.9"}
    server = serve()  # no trusted proxies: a local peer's headers are ignored
    try:
        with httpx.Client(base_url=server.url) as http:
            response = http.get("/login", headers=https)
            assert "Secure" not in response.headers["set-cookie"]
            assert "strict-transport-security" not in response.headers
            # a new X-Forwarded-For per guess is still the same client to the throttle
            for i in range(5):
                with httpx.Client(base_url=server.url) as guesser:
                    headers = {"x-forwarded-for": f"198.51.100.{i + 10}"}
                    assert attempt(guesser, "lily", "wrong", **headers) == 401
            with httpx.Client(base_url=server.url) as guesser:
                headers = {"x-forwarded-for": "198.51.100.99"}
                assert attempt(guesser, "lily", PASSWORD, **headers) == 429
    finally:
        server.stop()
    _web(lite, trusted_proxies=["127.0.0.1"])
    server = serve()
    try:
        with httpx.Client(base_url=server.url) as http:
            response = http.get("/login", headers=https)
            assert "; Secure" in response.headers["set-cookie"]
            assert response.headers["strict-transport-security"].startswith("max-age=")
    finally:
        server.stop()


# -- log-in throttle ------------------------------------------------------------------------------


def test_backoff_doubles_and_is_capped() -> None:
    assert [lock_seconds(n, 5, 900) for n in range(4, 10)] == [0, 30, 60, 120, 240, 480]
    assert lock_seconds(40, 5, 900) == 900
    assert FIRST_LOCK == 30


def test_stranger_behind_the_proxy_locks_out_nobody_else(lite: Site) -> None:
    """Everyone comes through 127.0.0.1; the proxy says who is who."""
    _web(lite, trusted_proxies=["127.0.0.1"])
    proxy = client(lite, "127.0.0.1")
    stranger = {"x-forwarded-for": "198.51.100.66"}
    for _ in range(6):
        assert attempt(proxy, "lily", "wrong password", **stranger) in (401, 429)
    assert attempt(proxy, "lily", PASSWORD, **stranger) == 429  # that pair is locked
    lily_at_desk = {"x-forwarded-for": "10.1.2.3"}
    assert attempt(client(lite, "127.0.0.1"), "lily", PASSWORD, **lily_at_desk) == 303


def test_address_limit_never_blocks_other_accounts_correct_password(lite: Site) -> None:
    _web(lite, login_address_failures=20)
    shared = "192.0.2.1"  # a whole office behind one NAT address
    spray = client(lite, shared)
    for i in range(24):
        assert attempt(spray, ("lily", "grace", "admin")[i % 3], f"guess {i}") in (401, 429)
    # the sprayed accounts are now refused from that address, even with the right password
    assert attempt(client(lite, shared), "grace", PASSWORD) == 429
    # a colleague who never failed from there logs in first time
    assert attempt(client(lite, shared), "kevin", PASSWORD) == 303


def test_lock_survives_restart_and_admin_unlocks(lite: Site, clock: Clock) -> None:
    for _ in range(5):
        attempt(client(lite), "lily", "wrong password")
    locked = client(lite)  # a new web app: a restart, or a second web process
    assert attempt(locked, "lily", PASSWORD) == 429
    assert int(locked.post("/login", data={}).status_code) in (403, 429)
    clock.now += timedelta(seconds=31)  # the first lock is 30 s ...
    assert attempt(client(lite), "lily", "wrong again") == 401
    assert attempt(client(lite), "lily", PASSWORD) == 429
    clock.now += timedelta(seconds=31)  # ... the next one 60 s
    assert attempt(client(lite), "lily", PASSWORD) == 429
    clock.now += timedelta(seconds=30)
    assert attempt(client(lite), "lily", PASSWORD) == 303  # success clears the pair
    for _ in range(5):
        attempt(client(lite), "lily", "wrong password")
    assert attempt(client(lite), "lily", PASSWORD) == 429
    admin = client(lite, "10.0.0.5")
    token = login(admin, "admin")
    with lite.app.sessions() as s:  # closed at once: an open transaction holds SQLite's lock
        uid = s.scalar(select(m.User.id).where(m.User.email == USERS["lily"][0]))
    page = admin.post(f"/admin/users/{uid}/unlock", data={"csrf_token": token})
    assert "unlocked" in page.text
    assert attempt(client(lite), "lily", PASSWORD) == 303


def test_cli_unlock(lite: Site, tmp_path: Path) -> None:
    from mailagent.cli.main import cli
    from mailagent.cli.web import users

    for _ in range(5):
        attempt(client(lite), "kevin", "wrong password")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\nurl = "{lite.app.settings.store.url}"\ndir = "{lite.app.settings.store.dir}"\n',
        encoding="utf-8",
    )
    cli.add_command(users)
    result = CliRunner().invoke(
        cli, ["--config", str(config), "users", "unlock", USERS["kevin"][0]]
    )
    assert result.exit_code == 0, result.output
    assert "1 throttle entry removed" in result.output
    assert attempt(client(lite), "kevin", PASSWORD) == 303


# -- bad ids, oversized drafts ---------------------------------------------------------------


def test_ids_too_large_for_a_key_are_404(lite: Site) -> None:
    browser = client(lite)
    token = login(browser, "kevin")
    huge = "99999999999999999999"
    paths = (f"/messages/{huge}", f"/drafts/{huge}", f"/messages/1/attachments/{huge}",
             "/messages/9223372036854775807", "/inbox?page=²", "/dashboard?days=٣٠")  # fmt: skip
    for path in paths:
        assert browser.get(path).status_code in (404, 200, 403), path
    assert browser.get(f"/messages/{huge}").status_code == 404
    assert browser.get(f"/drafts/{huge}").status_code == 404
    response = browser.post(f"/drafts/{huge}/edit", data={"csrf_token": token, "body": "x"})
    assert response.status_code == 404


def test_oversized_draft_is_refused_with_its_limit_and_keeps_the_text(lite: Site) -> None:
    with lite.app.sessions() as s, s.begin():
        row = s.get(m.Message, lite.ids["acme"])
        assert row is not None
        draft_id = prepare_drafts(s, lite.app, row)[0]
    with lite.app.sessions() as s:
        before = s.scalar(select(m.Draft.body).where(m.Draft.id == draft_id))
    body = "Dear Tom,\n" + "x" * (1024 * 1024) + "\nMARKER-END"
    browser = client(lite)
    token = login(browser, "kevin")
    response = browser.post(
        f"/drafts/{draft_id}/edit",
        data={"csrf_token": token, "body": body, "subject": "Re: RFQ"},
    )
    assert response.status_code == 413
    assert "Text is too large (limit 200,000 characters)" in response.text
    assert "MARKER-END" in response.text, "the user's text is still in the form"
    with lite.app.sessions() as s:
        kevin = s.scalar(select(m.User.id).where(m.User.email == USERS["kevin"][0]))
    assert kevin is not None
    update_user(lite.app, kevin, actor="test", language="zh")
    response = browser.post(
        f"/drafts/{draft_id}/edit", data={"csrf_token": token, "body": body, "subject": "Re"}
    )
    assert response.status_code == 413
    assert "未保存：正文过长（上限 200,000 个字符）" in response.text, response.text[:3000]
    assert f"{DRAFT_BODY_LIMIT:,}" == "200,000"
    with lite.app.sessions() as s:
        assert s.scalar(select(m.Draft.body).where(m.Draft.id == draft_id)) == before
