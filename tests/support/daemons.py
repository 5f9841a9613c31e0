"""Run `mailagent run` as a real subprocess against the test Dovecot (daemon tests, benches).

``write_config`` writes a complete config for one IMAP mailbox; :class:`DaemonProcess`
starts the daemon with its stderr in a log file and stops it by SIGTERM or ``kill -9``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from support.apptools import ROOT
from support.servers import IMAP_PASSWORD_ENV, Dovecot

__all__ = ["DaemonProcess", "prime_store", "wait_until", "write_config"]


def prime_store(store: Path, cache: Path) -> None:
    """Give a fresh store the trained intent model (trained into ``cache`` once), so the
    daemon does not spend its first 15-20 s training it."""
    from mailagent.triage.intent_model import CORPUS, IntentModel, cache_key

    if not (cache / "models" / f"intent-{cache_key(CORPUS)}.joblib").exists():
        IntentModel.load_or_train(cache)
    shutil.copytree(cache / "models", store / "models", dirs_exist_ok=True)


def write_config(
    path: Path,
    dovecot: Dovecot,
    user: str,
    db_url: str,
    store: Path,
    *,
    extra: str = "",
    lease_seconds: int = 20,
) -> Path:
    path.write_text(
        f"""
rules_dir = "{ROOT / "rules"}"
templates_dir = "{ROOT / "templates"}"
[store]
url = "{db_url}"
dir = "{store}"
[imap]
reconnect_max_seconds = 2
lease_seconds = {lease_seconds}
[smtp]
from_address = "sales@huaxin-pcb.com"
[team]
own_domains = ["huaxin-pcb.com"]
[translation]
enabled = false
[scheduler]
triage_seconds = 1
{extra}
[[imap.mailboxes]]
name = "sales"
host = "127.0.0.1"
port = {dovecot.imap_port}
security = "plain"
username = "{user}"
password_env = "{IMAP_PASSWORD_ENV}"
timeout_seconds = 10
batch_size = 100
poll_seconds = 60
idle = true
""",
        encoding="utf-8",
    )
    return path


class DaemonProcess:
    """``python -m mailagent --config CONFIG -v run ARGS`` with stderr appended to ``log``."""

    def __init__(self, config: Path, log: Path, *args: str) -> None:
        env = dict(os.environ)
        env.setdefault(IMAP_PASSWORD_ENV, "imap-test-secret")
        argv = [sys.executable, "-m", "mailagent", "--config", str(config), "-v", "run", *args]
        self.log = log
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=log.open("ab"), stdin=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def wait_until(
    cond: Callable[[], bool], timeout: float, what: str, log: Path | None = None
) -> float:
    """Poll ``cond`` every 50 ms; the seconds it took, or AssertionError with the log tail."""
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")
        time.sleep(0.05)
    return time.monotonic() - start
