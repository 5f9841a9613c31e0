"""CLI and config findings of issue 17: value checks with effective values, one-line errors
for non-UTF-8 files and missing secrets, ``config check --connect`` against real servers, no
implicit stores, the demo's own config file, MH/extension-less imports, ports that say why,
and the daily report's documented sender."""

from __future__ import annotations

import dataclasses
import mailbox
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result
from support.apptools import ROOT, mail, make_settings
from support.servers import IMAP_PASSWORD_ENV, Dovecot, free_port

from mailagent import config
from mailagent.app import open_app
from mailagent.cli.main import cli
from mailagent.config import ImapSettings, MailboxSettings, SmtpSettings
from mailagent.demo.configfile import write_config
from mailagent.errors import ConfigError

run = CliRunner().invoke


def _config(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _store(tmp_path: Path) -> str:
    return f'[store]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\ndir = "{tmp_path / "store"}"\n'


def _invoke(config_path: Path | None, *args: str, cwd: Path | None = None) -> Result:
    argv = (["--config", str(config_path)] if config_path else []) + list(args)
    if cwd is None:
        return run(cli, argv)
    before = Path.cwd()
    os.chdir(cwd)
    try:
        return run(cli, argv)
    finally:
        os.chdir(before)


def _mailagent(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MAILAGENT_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "mailagent", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# -- config check -------------------------------------------------------------------------------


def test_config_check_rejects_values_that_cannot_work(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[store]\nurl = "mysql://u:pw@db.example/x"\n'
        '[web]\nport = 99999\n[team]\ntimezone = "Mars/Base"\nquality_address = "quality"\n'
        '[smtp]\nhost = "smtp.example.com"\nsecurity = "plain"\n',
    )
    with pytest.raises(ConfigError) as err:  # every command refuses it, in one line
        config.load(path)
    assert "\n" not in str(err.value) and str(err.value).startswith(f"{path}: ")
    result = _invoke(path, "config", "check")
    assert result.exit_code == 2
    for expected in (
        "web.port: 99999 is not a TCP port",
        "team.timezone: 'Mars/Base' is not an IANA time zone",
        "store.url: database 'mysql' is not supported",
        "smtp.security: plain SMTP is only allowed on loopback",
        "team.quality_address: 'quality' is not an e-mail address",
    ):
        assert expected in result.output, result.output
    assert "configuration OK" not in result.output


def test_config_check_prints_effective_values_with_secrets_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILAGENT_SMTP_PASSWORD", raising=False)
    path = _config(
        tmp_path,
        f'rules_dir = "{ROOT / "rules"}"\ntemplates_dir = "{ROOT / "templates"}"\n'
        '[store]\nurl = "postgresql+psycopg://agent:hunter2secret@db.example/mail"\n'
        '[smtp]\nusername = "agent@huaxin-pcb.com"\n',
    )
    result = _invoke(path, "config", "check")
    assert "hunter2secret" not in result.output
    assert "store.url = 'postgresql+psycopg://agent:***@db.example/mail'" in result.output
    assert "smtp.password_env = 'MAILAGENT_SMTP_PASSWORD'  ($MAILAGENT_SMTP_PASSWORD: not set)" in (
        result.output
    )
    assert "smtp: no password for agent@huaxin-pcb.com" in result.output
    assert result.exit_code == 2
    monkeypatch.setenv("MAILAGENT_SMTP_PASSWORD", "s3cret-value")
    result = _invoke(path, "config", "check")
    assert result.exit_code == 0, result.output
    assert "s3cret-value" not in result.output and "(set)" not in result.output
    assert "$MAILAGENT_SMTP_PASSWORD: set)" in result.output
    assert result.output.rstrip().endswith(f"configuration OK ({path})")


def test_non_utf8_config_is_one_line_with_byte_position(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes('[team]\ntimezone = "Asia/Shanghai"\nlanguage = "zh"  # 中文\n'.encode("gbk"))
    done = _mailagent("--config", str(path), "config", "check", cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{path}: not UTF-8 text: byte 0xd6 at byte position 53 (line 3)" in lines[0]


# -- secrets ------------------------------------------------------------------------------------


def test_missing_imap_secret_is_a_config_error_not_a_retry_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAILAGENT_IMAP_PASSWORD", raising=False)
    path = _config(
        tmp_path,
        _store(tmp_path) + '[[imap.mailboxes]]\nhost = "imap.example.com"\nusername = "s@x.com"\n',
    )
    result = _invoke(path, "run")
    assert result.exit_code == 2
    err = result.output.strip().splitlines()
    assert err == [
        f"error: {path}: imap.mailboxes[0] (sales): no IMAP password: set the environment "
        "variable MAILAGENT_IMAP_PASSWORD or password_file"
    ]


@pytest.mark.dovecot
def test_config_check_connect_logs_in_to_imap_and_smtp(
    tmp_path: Path, dovecot: Dovecot, smtpd_server: object
) -> None:
    from support.servers import Smtpd

    assert isinstance(smtpd_server, Smtpd)
    settings = make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        imap=ImapSettings(mailboxes=[dovecot.mailbox_settings("check@example.test")]),
        smtp=smtpd_server.smtp_settings(),
    )
    path = write_config(settings, tmp_path / "config.toml")
    result = _invoke(path, "config", "check", "--connect")
    assert result.exit_code == 0, result.output
    assert "IMAP test (check@example.test@127.0.0.1" in result.output
    assert result.output.count(": OK") == 2
    wrong = dataclasses.replace(smtpd_server.smtp_settings(), password_env="WRONG_SMTP_PW")
    os.environ["WRONG_SMTP_PW"] = "not-the-password"
    try:
        bad = write_config(dataclasses.replace(settings, smtp=wrong), tmp_path / "bad.toml")
        result = _invoke(bad, "config", "check", "--connect")
    finally:
        del os.environ["WRONG_SMTP_PW"]
    assert result.exit_code == 2
    assert "authentication failed: 535" in result.output


# -- stores, demo, ports -------------------------------------------------------------------------


def test_no_store_is_created_implicitly(tmp_path: Path) -> None:
    done = _mailagent("messages", "list", cwd=tmp_path)
    assert done.returncode == 2
    assert "no store at" in done.stderr and "mailagent db upgrade" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "store").exists()
    path = _config(tmp_path, f'rules_dir = "{ROOT / "rules"}"\n' + _store(tmp_path))
    assert isinstance(_invoke(path, "messages", "list").exception, ConfigError)
    assert not (tmp_path / "db.sqlite").exists()
    assert _invoke(path, "db", "upgrade").exit_code == 0
    assert _invoke(path, "messages", "list").exit_code == 0


@pytest.mark.slow
def test_demo_writes_its_config_and_prints_the_next_command(tmp_path: Path) -> None:
    store = tmp_path / "demo"
    result = _invoke(None, "demo", "--no-ui", "--store", str(store), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    written = store / "config.toml"
    assert f"next: mailagent --config {written} messages list" in result.output
    # the follow-up engine (issue 14): a quote gone silent, the ladder, upcoming greetings
    shown = result.output.split("follow-up engine, as of", 1)[1]
    assert "drafted   quote try 1" in shown and "3 business day(s) of BR" in shown
    ladder = shown.split("payment ladder (mailagent payments ledger):", 1)[1]
    assert "step overdue_30" in ladder and "overdue Brightwell Controls Ltd" in ladder
    greetings = ladder.split("upcoming greetings and notices", 1)[1]
    assert "Müller Elektronik GmbH       de  Weihnachten" in greetings
    assert "team notice: United States is closed on 26 Nov (Thanksgiving Day)" in greetings
    listed = _invoke(written, "messages", "list", cwd=ROOT.parent)
    assert listed.exit_code == 0, listed.output
    assert "RFQ" in listed.output or len(listed.output.splitlines()) > 30
    settings = config.load(written)
    assert settings.store.dir == str(store.resolve())


def test_web_port_taken_says_so_and_demo_falls_back_with_a_note(tmp_path: Path) -> None:
    from mailagent.web.server import bind_explained

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        with pytest.raises(ConfigError, match=rf"cannot listen on 127.0.0.1:{port} \(--port\)"):
            bind_explained("127.0.0.1", port, source="--port", fallback=False)
        sock, note = bind_explained("127.0.0.1", port, source="web.port", fallback=True)
        got = sock.getsockname()[1]
        sock.close()
        assert got != port
        assert f"port {port} (web.port) on 127.0.0.1 is not available" in note
        assert f"a free port was chosen: {got}. Use --port" in note
    finally:
        taken.close()
    path = _config(tmp_path, f'rules_dir = "{ROOT / "rules"}"\n' + _store(tmp_path))
    assert _invoke(path, "db", "upgrade").exit_code == 0
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        result = _invoke(path, "web", "--port", str(taken.getsockname()[1]))
    finally:
        taken.close()
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)
    assert "choose another with --port" in str(result.exception)


# -- import -------------------------------------------------------------------------------------


def test_import_mh_folder_extensionless_files_and_nothing_found(tmp_path: Path) -> None:
    path = _config(tmp_path, f'rules_dir = "{ROOT / "rules"}"\n' + _store(tmp_path))
    assert _invoke(path, "db", "upgrade").exit_code == 0
    mh = mailbox.MH(tmp_path / "inbox", create=True)
    for n in range(3):
        mh.add(mail(n, message_id=f"<mh-{n}@example.com>"))
    mh.close()
    corpus = tmp_path / "spam"
    corpus.mkdir()
    (corpus / "00001.7848dde101aa985090474a91ec93fcf0").write_bytes(
        b"Return-Path: <a@example.com>\nDelivered-To: b@example.com\n" + mail(7)
    )
    (corpus / "cmds").write_bytes(b"mv 00001 00002\n")  # not mail: skipped
    result = _invoke(path, "import", str(tmp_path / "inbox"))
    assert result.exit_code == 0, result.output
    assert "3 message(s): 3 stored" in result.output
    result = _invoke(path, "import", str(corpus))
    assert result.exit_code == 0 and "1 message(s): 1 stored" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello\n", encoding="utf-8")
    result = _invoke(path, "import", str(empty))
    assert result.exit_code == 1
    assert "no messages found" in result.output


# -- report sender -------------------------------------------------------------------------------


class _Sink:
    def __init__(self) -> None:
        self.mail_from: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.mail_from.append(envelope.mail_from)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[tuple[_Sink, int]]:
    handler = _Sink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_daily_report_goes_out_from_the_documented_sender(
    tmp_path: Path, sink: tuple[_Sink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = sink
    monkeypatch.setenv(IMAP_PASSWORD_ENV, "x")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    settings = dataclasses.replace(
        settings,
        imap=ImapSettings(
            mailboxes=[
                MailboxSettings(
                    host="imap.huaxin-pcb.com",
                    username="sales@huaxin-pcb.com",
                    password_env=IMAP_PASSWORD_ENV,
                )
            ]
        ),
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="plain", timeout_seconds=10),
        team=dataclasses.replace(settings.team, supervisor_addresses=["grace@huaxin-pcb.com"]),
    )
    open_app(settings, with_model=False).close()
    path = write_config(settings, tmp_path / "config.toml")
    result = _invoke(path, "report", "send", "--daily")
    assert result.exit_code == 0, result.output
    assert handler.mail_from == ["sales@huaxin-pcb.com"]  # the mailbox, as config.example says
