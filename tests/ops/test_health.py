"""/healthz, /readyz and /metrics against a real Dovecot that is stopped and restarted."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support.apptools import mail, make_app
from support.servers import Dovecot, start_or_skip

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.config import ImapSettings, MailboxSettings, OpsSettings
from mailagent.daemon.loop import MailboxWorker
from mailagent.web.app import create_app

TOKEN_ENV = "MAILAGENT_TEST_METRICS_TOKEN"


@pytest.fixture
def own_dovecot() -> Iterator[Dovecot]:
    """A Dovecot of its own: this test kills and restarts it."""
    server = start_or_skip(lambda: Dovecot().start())
    yield server
    server.stop()


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text ``text`` (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(want) + r"\}" if want else "") + r" (\S+)"
    match = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def build(tmp_path: Path, dovecot: Dovecot, user: str) -> App:
    mb = dovecot.mailbox_settings(user, name="sales", poll_seconds=1)
    ops = OpsSettings(poll_stale_factor=2, poll_stale_min_seconds=2, metrics_token_env=TOKEN_ENV)
    return make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'mailagent.db'}",
        imap=ImapSettings(mailboxes=[mb], reconnect_max_seconds=1),
        ops=ops,
    )


def test_healthz_and_metrics_need_no_login_but_metrics_needs_the_token(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, db_url)
    ingest_raw(app, [(mail(1), "test:1"), (mail(2), "test:2")])
    app.settings = dataclasses.replace(app.settings, ops=OpsSettings(metrics_token_env=TOKEN_ENV))
    client = TestClient(create_app(app))
    assert client.get("/healthz").json() == {"status": "ok"}
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert client.get("/metrics").status_code == 404  # no token configured: off
    monkeypatch.setenv(TOKEN_ENV, "s3cret-metrics")
    assert client.get("/metrics").status_code == 401
    bad = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
    assert ok.status_code == 200
    assert sample(ok.text, "mailagent_messages_captured_total", mailbox="(import)") == 2
    assert sample(ok.text, "mailagent_triage_wait_seconds_count") == 2
    assert sample(ok.text, "mailagent_queue_depth", queue="triage") == 0
    app.close()


@pytest.mark.dovecot
def test_readyz_follows_dovecot_and_metrics_move_during_ingest(
    tmp_path: Path, own_dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "s3cret-metrics")
    app = build(tmp_path, own_dovecot, imap_user)
    client = TestClient(create_app(app))
    auth = {"Authorization": "Bearer s3cret-metrics"}

    def metrics() -> str:
        response = client.get("/metrics", headers=auth)
        assert response.status_code == 200
        return response.text

    # no daemon yet: the mailbox was never polled
    first = client.get("/readyz")
    assert first.status_code == 503
    assert first.json()["checks"]["mailbox:sales"]["ok"] is False
    before = metrics()
    assert sample(before, "mailagent_messages_captured_total", mailbox="sales") == 0

    stop = threading.Event()
    worker = MailboxWorker(app, app.settings.imap.mailboxes[0], stop)
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    try:
        wait_for(lambda: client.get("/readyz").status_code == 200)
        for n in range(3):
            own_dovecot.deliver_lmtp(imap_user, mail(n, message_id=f"<ops-{n}@example.test>"))
        wait_for(
            lambda: sample(metrics(), "mailagent_messages_triaged_total", mailbox="sales") == 3
        )
        text = metrics()
        assert sample(text, "mailagent_messages_captured_total", mailbox="sales") == 3
        assert sample(text, "mailagent_triage_wait_seconds_count") == 3
        assert sample(text, "mailagent_capture_delay_seconds_count") == 3
        assert sample(text, "mailagent_ready") == 1
        body = client.get("/readyz").json()
        assert body["status"] == "ok"
        assert "Request for quotation" not in client.get("/readyz").text  # no mail data

        own_dovecot.kill()
        wait_for(lambda: client.get("/readyz").status_code == 503)
        down = client.get("/readyz").json()
        assert down["checks"]["mailbox:sales"]["ok"] is False
        assert down["checks"]["database"]["ok"] is True
        assert sample(metrics(), "mailagent_check_ok", check="mailbox:sales") == 0

        own_dovecot.restart()
        wait_for(lambda: client.get("/readyz").status_code == 200)
        own_dovecot.deliver_lmtp(imap_user, mail(9, message_id="<ops-9@example.test>"))
        wait_for(
            lambda: sample(metrics(), "mailagent_messages_captured_total", mailbox="sales") == 4
        )
    finally:
        stop.set()
        thread.join(15)
        app.close()


def test_admin_page_shows_the_status_in_both_languages(tmp_path: Path) -> None:
    from support.webtools import USERS, login

    from mailagent.web.users import create_user

    mb = MailboxSettings(name="sales", host="127.0.0.1", security="plain", poll_seconds=60)
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'm.db'}", imap=ImapSettings(mailboxes=[mb]))
    email, _role, _lang = USERS["admin"]
    create_user(app, email, "correct horse battery", role="admin", language="zh")
    client = TestClient(create_app(app))
    login(client, "admin", "correct horse battery")
    page = client.get("/admin").text
    assert "系统状态" in page and "邮箱 sales" in page
    assert "从未收取" in page  # no daemon has polled it yet
    app.close()
