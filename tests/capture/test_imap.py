"""ImapSource, poll_folder and Backoff against a real Dovecot (see tests/servers.py)."""

from __future__ import annotations

import json
import logging
import random
import re
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
from support.servers import IMAP_PASSWORD_ENV, Dovecot, free_port, start_or_skip

from mailagent.capture.imap import Backoff, FolderState, ImapSource, poll_folder
from mailagent.errors import ConfigError, SourceError
from mailagent.records import FetchedMail

pytestmark = [pytest.mark.dovecot, pytest.mark.timeout(60)]


def raw_mail(n: int, *, tag: str = "m") -> bytes:
    return (
        f"From: Buyer {n} <buyer{n}@customer.example>\r\n"
        f"To: sales@example.test\r\n"
        f"Subject: Inquiry {tag}-{n}\r\n"
        f"Message-ID: <{tag}-{n}@customer.example>\r\n"
        f"Date: Mon, 03 Mar 2025 10:00:00 +0000\r\n"
        f"\r\n"
        f"Please quote item {n}.\r\n"
    ).encode()


def message_id(mail: FetchedMail) -> str:
    found = re.search(rb"^Message-ID: <([^>]+)>", mail.raw, re.MULTILINE)
    assert found, mail.raw[:200]
    return found.group(1).decode()


def collect(source: ImapSource, folder: str = "INBOX") -> list[FetchedMail]:
    """Everything in ``folder`` via a full fetch (known=None)."""
    return [m for batch in source.fetch_new(folder, None) for m in batch]


@pytest.fixture
def connect(dovecot: Dovecot, imap_user: str) -> Iterator[Any]:
    """``connect(**overrides)`` -> a logged-in ImapSource for ``imap_user`` (closed after)."""
    opened: list[ImapSource] = []

    def _connect(server: Dovecot = dovecot, **overrides: Any) -> ImapSource:
        source = ImapSource(server.mailbox_settings(imap_user, **overrides))
        source.connect()
        opened.append(source)
        return source

    yield _connect
    for source in opened:
        source.close()


# -- connecting ---------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["plain", "starttls", "tls"])
def test_login_with_each_transport(
    connect: Any, dovecot: Dovecot, imap_user: str, security: str
) -> None:
    host = "127.0.0.1" if security == "plain" else "localhost"  # cert is checked for localhost
    source = connect(security=security, host=host)
    assert {"IMAP4REV1", "IDLE", "UIDPLUS", "MOVE"} <= source.capabilities()
    state = source.select("INBOX")
    assert state.last_uid == 0 and state.uidvalidity > 0
    login = dovecot.wait_log(rf"Login: user=<{re.escape(imap_user)}>")
    assert (", TLS," in login) == (security != "plain")  # the server saw an encrypted session


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_rejects_an_untrusted_certificate(
    dovecot: Dovecot, imap_user: str, security: str
) -> None:
    settings = dovecot.mailbox_settings(imap_user, security=security, host="localhost")
    source = ImapSource(settings, ssl_context=ssl.create_default_context())  # system CAs only
    with pytest.raises(SourceError, match="CERTIFICATE_VERIFY_FAILED") as info:
        source.connect()
    assert f"localhost:{settings.port}, {security}" in str(info.value)


def test_explicit_ssl_context_is_used(dovecot: Dovecot, imap_user: str) -> None:
    settings = dovecot.mailbox_settings(imap_user, security="tls", ca_file="")
    with ImapSource(settings, ssl_context=dovecot.ssl_context()) as source:
        assert "IMAP4REV1" in source.capabilities()


def test_wrong_password_is_a_source_error_without_the_password(
    dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "Wr0ng-Secret-Value-42"
    monkeypatch.setenv(IMAP_PASSWORD_ENV, wrong)
    source = ImapSource(dovecot.mailbox_settings(imap_user))
    with pytest.raises(SourceError) as info:
        source.connect()
    text = str(info.value)
    assert f"127.0.0.1:{dovecot.imap_port}, plain" in text
    assert "AUTHENTICATIONFAILED" in text or "Authentication failed" in text
    assert wrong not in text and wrong not in repr(info.value) and wrong not in repr(source)
    cause: BaseException | None = info.value.__cause__
    while cause is not None:
        assert wrong not in str(cause)
        cause = cause.__cause__


def test_missing_password_is_a_config_error(
    dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(IMAP_PASSWORD_ENV)
    with pytest.raises(ConfigError, match=IMAP_PASSWORD_ENV):
        ImapSource(dovecot.mailbox_settings(imap_user)).connect()


def test_plain_transport_refused_off_loopback(dovecot: Dovecot, imap_user: str) -> None:
    settings = dovecot.mailbox_settings(imap_user, host="imap.example.com")
    with pytest.raises(ConfigError, match="loopback"):
        ImapSource(settings).connect()


def test_connection_refused_names_host_and_port(dovecot: Dovecot, imap_user: str) -> None:
    port = free_port()
    with pytest.raises(SourceError, match=rf"127\.0\.0\.1:{port}, plain\): connect failed"):
        ImapSource(dovecot.mailbox_settings(imap_user, port=port)).connect()


# -- fetching -----------------------------------------------------------------------------


def test_select_reports_uidvalidity_and_highest_uid(
    connect: Any, dovecot: Dovecot, imap_user: str
) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i) for i in range(3)])
    source = connect()
    state = source.select("INBOX")
    assert state.last_uid == 3
    assert source.selected == state
    assert source.select("INBOX").uidvalidity == state.uidvalidity


def test_fetch_new_yields_all_messages_in_ascending_batches(
    connect: Any, dovecot: Dovecot, imap_user: str
) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i) for i in range(250)])
    source = connect(batch_size=100)
    batches = list(source.fetch_new("INBOX", None))
    assert [len(b) for b in batches] == [100, 100, 50]
    mails = [m for b in batches for m in b]
    uids = [m.uid for m in mails]
    assert uids == sorted(set(uids)) == list(range(1, 251))
    assert {message_id(m) for m in mails} == {f"m-{i}@customer.example" for i in range(250)}
    uidvalidity = source.selected.uidvalidity
    first = mails[0]
    assert (first.mailbox, first.folder, first.uidvalidity) == ("test", "INBOX", uidvalidity)
    assert first.internal_date is not None and first.internal_date.tzinfo is not None
    assert first.raw.startswith(b"From: Buyer")
    assert all("\\Seen" not in m.flags for m in mails)


def test_only_uids_after_the_known_state_are_fetched(
    connect: Any, dovecot: Dovecot, imap_user: str
) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i, tag="old") for i in range(10)])
    source = connect(batch_size=4)
    state = poll_folder(source, "INBOX", None, lambda batch, after: None)
    assert state.last_uid == 10

    assert list(source.fetch_new("INBOX", state)) == []  # nothing new: no batches at all
    assert poll_folder(source, "INBOX", state, lambda b, a: None) == state

    dovecot.seed_maildir(imap_user, [raw_mail(i, tag="new") for i in range(5)])
    new = [m for b in source.fetch_new("INBOX", state) for m in b]
    assert [m.uid for m in new] == [11, 12, 13, 14, 15]
    assert all(message_id(m).startswith("new-") for m in new)


def test_uidvalidity_change_yields_everything_again(
    connect: Any, dovecot: Dovecot, imap_user: str, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i) for i in range(5)])
    source = connect()
    known = poll_folder(source, "INBOX", None, lambda b, a: None)
    source.close()

    dovecot.set_uidvalidity(imap_user, "INBOX", known.uidvalidity + 1000)
    source = connect()
    seen: list[FetchedMail] = []
    with caplog.at_level(logging.WARNING, logger="mailagent.capture.imap"):
        state = poll_folder(source, "INBOX", known, lambda batch, after: seen.extend(batch))
    assert len(seen) == 5
    assert {m.uidvalidity for m in seen} == {known.uidvalidity + 1000}
    assert state == FolderState(known.uidvalidity + 1000, 5)
    assert "UIDVALIDITY of INBOX changed" in caplog.text


def test_default_settings_never_set_seen_or_move(
    connect: Any, dovecot: Dovecot, imap_user: str
) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i) for i in range(3)])
    poll_folder(connect(), "INBOX", None, lambda b, a: None)  # includes mark_done
    again = collect(connect())
    assert len(again) == 3
    assert all("\\Seen" not in m.flags for m in again)


def test_mark_seen_flags_messages_after_the_batch_is_handled(
    connect: Any, dovecot: Dovecot, imap_user: str
) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i) for i in range(3)])
    flags_when_handled: list[tuple[str, ...]] = []
    poll_folder(
        connect(mark_seen=True),
        "INBOX",
        None,
        lambda batch, after: flags_when_handled.extend(m.flags for m in batch),
    )
    assert flags_when_handled and all("\\Seen" not in f for f in flags_when_handled)
    assert all("\\Seen" in m.flags for m in collect(connect()))


def _check_moved(connect: Any, server: Dovecot) -> None:
    source = connect(server, move_to="Processed", batch_size=2)
    handled: list[int] = []
    state = poll_folder(source, "INBOX", None, lambda b, a: handled.extend(m.uid for m in b))
    assert handled == [1, 2, 3, 4, 5] and state.last_uid == 5
    reader = connect(server)
    assert collect(reader, "INBOX") == []
    moved = collect(reader, "Processed")
    assert sorted(message_id(m) for m in moved) == sorted(
        f"m-{i}@customer.example" for i in range(5)
    )
    assert all("\\Deleted" not in m.flags for m in moved)


def test_move_to_moves_handled_messages(connect: Any, dovecot: Dovecot, imap_user: str) -> None:
    dovecot.seed_maildir(imap_user, [raw_mail(i) for i in range(5)])
    _check_moved(connect, dovecot)


@pytest.fixture(scope="module")
def dovecot_without_move() -> Iterator[Dovecot]:
    caps = "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS CHILDREN UNSELECT"
    server = start_or_skip(lambda: Dovecot(extra_conf=f"imap_capability = {caps}\n").start())
    yield server
    server.stop()


def test_move_to_without_move_capability_copies_and_expunges(
    connect: Any, dovecot_without_move: Dovecot, imap_user: str
) -> None:
    dovecot_without_move.seed_maildir(imap_user, [raw_mail(i) for i in range(5)])
    caps = connect(dovecot_without_move).capabilities()
    assert "MOVE" not in caps and "UIDPLUS" in caps
    _check_moved(connect, dovecot_without_move)


def test_append_returns_the_new_uid(connect: Any) -> None:
    source = connect()
    when = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    uid = source.append("Sent", raw_mail(1, tag="sent"), flags=["\\Seen"], when=when)
    assert isinstance(uid, int) and uid >= 1
    (mail,) = collect(source, "Sent")
    assert mail.uid == uid and message_id(mail) == "sent-1@customer.example"
    assert "\\Seen" in mail.flags and mail.internal_date == when


# -- waiting ------------------------------------------------------------------------------


def test_idle_wakes_up_on_lmtp_delivery(connect: Any, dovecot: Dovecot, imap_user: str) -> None:
    source = connect(idle=True, poll_seconds=30)
    known = poll_folder(source, "INBOX", None, lambda b, a: None)
    delivered: list[float] = []

    def deliver() -> None:
        dovecot.deliver_lmtp(imap_user, raw_mail(7, tag="lmtp"))
        delivered.append(time.monotonic())

    timer = threading.Timer(0.3, deliver)
    timer.start()
    try:
        assert source.wait_for_changes("INBOX", timeout=20) is True
        woke = time.monotonic()
    finally:
        timer.join()
    assert delivered and woke - delivered[0] < 2.0
    (new,) = [m for b in source.fetch_new("INBOX", known) for m in b]
    assert message_id(new) == "lmtp-7@customer.example"
    assert b"Delivered-To:" in new.raw  # really came through LMTP


def test_idle_times_out_without_changes(connect: Any) -> None:
    source = connect(idle=True, poll_seconds=30)
    source.select("INBOX")
    started = time.monotonic()
    assert source.wait_for_changes("INBOX", timeout=0.5) is False
    assert 0.4 < time.monotonic() - started < 5
    assert source.select("INBOX").last_uid == 0  # connection still usable after DONE


def test_idle_wait_is_capped_by_poll_seconds(connect: Any) -> None:
    source = connect(idle=True, poll_seconds=1)
    started = time.monotonic()
    assert source.wait_for_changes("INBOX", timeout=600) is False
    assert 0.9 < time.monotonic() - started < 5


def test_poll_fallback_without_idle(connect: Any, dovecot: Dovecot, imap_user: str) -> None:
    source = connect(idle=False, poll_seconds=1)
    dovecot.deliver_lmtp(imap_user, raw_mail(1, tag="poll"))
    started = time.monotonic()
    assert source.wait_for_changes("INBOX", timeout=0.3) is True  # sleep + NOOP, caller polls
    assert 0.25 < time.monotonic() - started < 3
    started = time.monotonic()
    assert source.wait_for_changes("INBOX", timeout=600) is True  # capped at poll_seconds
    assert 0.9 < time.monotonic() - started < 5
    assert [message_id(m) for m in collect(source)] == ["poll-1@customer.example"]


# -- failures and resuming ----------------------------------------------------------------


@pytest.fixture
def crashable_dovecot() -> Iterator[Dovecot]:
    server = start_or_skip(lambda: Dovecot().start())
    yield server
    server.stop()


def test_server_killed_mid_fetch_then_resume_gets_every_message_once(
    crashable_dovecot: Dovecot, imap_user: str
) -> None:
    server = crashable_dovecot
    server.seed_maildir(imap_user, [raw_mail(i) for i in range(250)])
    settings = server.mailbox_settings(imap_user, batch_size=50)
    stored: list[str] = []  # the "database": messages and state committed together
    committed: dict[str, FolderState] = {}

    def handle(batch: list[FetchedMail], after: FolderState) -> None:
        stored.extend(message_id(m) for m in batch)
        committed["INBOX"] = after
        if len(stored) == 100:
            server.kill()  # crash while the daemon is between batches

    source = ImapSource(settings)
    source.connect()
    with pytest.raises(SourceError, match=rf"127\.0\.0\.1:{server.imap_port}"):
        poll_folder(source, "INBOX", None, handle)
    source.close()
    assert len(stored) == 100 and committed["INBOX"].last_uid == 100

    server.restart()
    with ImapSource(settings) as again:
        final = poll_folder(again, "INBOX", committed["INBOX"], handle)
    assert len(stored) == 250 == len(set(stored))
    assert set(stored) == {f"m-{i}@customer.example" for i in range(250)}
    assert final == committed["INBOX"] == FolderState(final.uidvalidity, 250)


def test_idle_on_a_killed_server_raises_source_error(
    crashable_dovecot: Dovecot, imap_user: str
) -> None:
    source = ImapSource(crashable_dovecot.mailbox_settings(imap_user, poll_seconds=30))
    source.connect()
    threading.Timer(0.2, crashable_dovecot.kill).start()
    with pytest.raises(SourceError, match="IDLE on INBOX failed"):
        source.wait_for_changes("INBOX", timeout=10)
    source.close()  # must not raise on a dead connection


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(max_seconds=10, rng=random.Random(42))
    delays = [backoff.next_delay() for _ in range(7)]
    for delay, base in zip(delays, [1, 2, 4, 8, 10, 10, 10], strict=True):
        assert 0.8 * base <= delay <= min(1.2 * base, 10)
    assert len(set(delays)) == len(delays)  # jittered, not constant
    twin = Backoff(max_seconds=10, rng=random.Random(42))
    assert [twin.next_delay() for _ in range(7)] == delays  # deterministic under a seed
    backoff.reset()
    assert 0.8 <= backoff.next_delay() <= 1.2


# -- XOAUTH2 ------------------------------------------------------------------------------


class _Introspection(BaseHTTPRequestHandler):
    """RFC 7662-style token introspection: one valid token per user."""

    tokens: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        token = parse_qs(body).get("token", [""])[0]
        self.seen.append(token)
        user = self.tokens.get(token)
        reply = {"active": True, "username": user} if user else {"active": False}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def oauth_dovecot() -> Iterator[Dovecot]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Introspection)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/introspect"
    try:
        server = start_or_skip(lambda: Dovecot(oauth2_url=url).start())
        yield server
        server.stop()
    finally:
        httpd.shutdown()


def test_xoauth2_login_with_a_valid_token(
    oauth_dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "ya29.valid-token-for-test"
    _Introspection.tokens[token] = imap_user
    monkeypatch.setenv("MAILAGENT_TEST_OAUTH_TOKEN", token)
    settings = oauth_dovecot.mailbox_settings(
        imap_user,
        auth="xoauth2",
        oauth_token_env="MAILAGENT_TEST_OAUTH_TOKEN",
        security="starttls",
        host="localhost",
    )
    with ImapSource(settings) as source:
        assert source.select("INBOX").last_uid == 0
    assert token in _Introspection.seen  # the server really asked the token endpoint


def test_xoauth2_rejected_token_is_a_source_error_without_the_token(
    oauth_dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "ya29.revoked-token-zz9"
    monkeypatch.setenv("MAILAGENT_TEST_OAUTH_TOKEN", token)
    settings = oauth_dovecot.mailbox_settings(
        imap_user, auth="xoauth2", oauth_token_env="MAILAGENT_TEST_OAUTH_TOKEN"
    )
    with pytest.raises(SourceError, match=r"login \(xoauth2\)") as info:
        ImapSource(settings).connect()
    assert token not in str(info.value)
    assert token in _Introspection.seen
