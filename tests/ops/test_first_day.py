"""The README's "First day" section, run as written against a local Dovecot.

Every ```sh block of the section runs in one bash, in order; the ```sh site block is
replaced by this machine's values and the ```sh install block by a ``mailagent`` on PATH
that runs this checkout. Nothing else is changed; the machine trusts the local SMTP
server's certificate (``SSL_CERT_FILE``) as a real one trusts its provider's.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from support.apptools import ROOT, mail
from support.modelcache import seed_intent_model
from support.servers import Dovecot, Smtpd, free_port


def first_day_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## First day", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```(sh(?: \w+)?|text)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


def site_variables() -> set[str]:
    """The variables the README's ```sh site block sets (exported or read)."""
    (site,) = [body for kind, body in first_day_blocks() if kind == "sh site"]
    exported = re.findall(r"\b([A-Z_]+)=", site)
    read = re.findall(r"^read .* ([A-Z_]+); echo$", site, re.MULTILINE)
    return set(exported) | set(read)


def test_the_section_has_the_expected_steps() -> None:
    kinds = [kind for kind, _ in first_day_blocks()]
    assert kinds[:2] == ["sh install", "sh site"]
    assert kinds.count("sh") >= 6
    script = "\n".join(body for kind, body in first_day_blocks() if kind == "sh")
    for step in (
        "config check --connect",
        "db upgrade --dry-run",
        "customers import",
        "users add",
        "poll-once",
        "status",
    ):
        assert f"mailagent {step}" in script
    assert "history_days = " in script and "[[drafts.salespeople]]" in script


@pytest.mark.dovecot
@pytest.mark.slow
def test_first_day_runs_verbatim(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, smtpd_server: Smtpd
) -> None:
    lily = f"lily-{imap_user}"
    dovecot.seed_maildir(lily, [mail(3, subject="Re: samples", message_id="<day1-3@acme.test>")])
    dovecot.seed_maildir(
        imap_user,
        [
            mail(1, subject="RFQ: 4-layer boards", message_id="<day1-1@acmerobotics.com>"),
            mail(2, subject="PO 4711 confirmed", message_id="<day1-2@acmerobotics.com>"),
        ],
    )
    seed_intent_model(tmp_path / "ma" / "store")  # saves the first start's training
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "mailagent"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m mailagent "$@"\n')
    shim.chmod(0o755)
    site = {
        "MA_SRC": str(ROOT),
        "MA_DIR": str(tmp_path / "ma"),
        "OWN_DOMAIN": "example.com",
        "IMAP_HOST": "127.0.0.1",
        "IMAP_PORT": str(dovecot.imap_port),
        "IMAP_SECURITY": "plain",
        "SALES_MAILBOX": imap_user,
        "LILY_MAILBOX": lily,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtpd_server.port),
        "SMTP_SECURITY": "starttls",
        "SMTP_USER": smtpd_server.user,
        "WEB_PORT": str(free_port()),
        "IMAP_PASSWORD": dovecot.password,
        "LILY_PASSWORD": dovecot.password,
        "SMTP_PASSWORD": smtpd_server.password,
        "ADMIN_PASSWORD": "first day admin passphrase",
    }
    assert set(site) == site_variables()  # every value the README asks for, and no other
    lines = ["set -euo pipefail"]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in site.items()]
    lines += [body for kind, body in first_day_blocks() if kind == "sh"]
    script = tmp_path / "first-day.sh"
    script.write_text("\n".join(lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILAGENT_")}
    env["PATH"] = f"{bindir}:{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    env["SSL_CERT_FILE"] = smtpd_server.cert
    res = subprocess.run(
        ["bash", str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    assert "configuration OK" in out
    assert "migration(s) to apply, in this order:" in out and "-> 0018_search3" in out
    logins = re.findall(r"^(IMAP sales|IMAP lily|SMTP 127\.0\.0\.1).*: OK$", out, re.MULTILINE)
    assert logins == ["IMAP sales", "IMAP lily", "SMTP 127.0.0.1"], out[-4000:]
    assert "sales: 2 message(s) fetched" in out and "lily: 1 message(s) fetched" in out
    assert "RFQ: 4-layer boards" in out
    assert '"status":"ok"' in out  # /readyz once the daemon polled
    assert 'mailagent_messages_captured_total{mailbox="sales"} 2.0' in out
    assert 'mailagent_messages_captured_total{mailbox="lily"} 1.0' in out
    assert "status: ok" in out
    assert not (tmp_path / "ma" / "secrets" / "first-password").exists()
    secrets = tmp_path / "ma" / "secrets"
    assert oct(secrets.stat().st_mode & 0o777) == "0o700"
    assert dovecot.password not in (tmp_path / "ma" / "config.toml").read_text()
