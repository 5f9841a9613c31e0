"""``mailagent threads``: the conversation use cases from the command line (same functions
as the web UI): list with owner and preview, assign, snooze until the reply, show the trail."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.apptools import mail, make_app
from support.webtools import FAST_HASHER

from mailagent.capture.ingest import ingest_raw
from mailagent.cli.main import cli
from mailagent.db import models as m
from mailagent.demo.configfile import write_config
from mailagent.web import users as users_module
from mailagent.web.users import create_user

KEVIN = "kevin.wang@huaxin-pcb.com"


def test_threads_list_assign_snooze_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "_hasher", FAST_HASHER)
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'c.db'}")
    (result,) = ingest_raw(app, [(mail(1, sender="Tom Baker <tom@acmerobotics.com>"), "m")])
    create_user(app, KEVIN, "correct horse battery", role="sales", display_name="Kevin Wang")
    with app.sessions() as session:
        tid = session.scalar(select(m.Message.thread_id).where(m.Message.id == result.message_pk))
    config = write_config(app.settings, tmp_path / "config.toml")
    app.close()

    def run(*args: str) -> str:
        done = CliRunner().invoke(cli, ["--config", str(config), "threads", *args])
        assert done.exit_code == 0, done.output
        return done.output

    listed = run("list")
    assert "Tom Baker" in listed and "please quote 500 pcs" in listed
    assert "assign: 1 thread(s)" in run("assign", str(tid), "--owner", KEVIN, "--actor", "grace")
    mine = run("list", "--view", "mine", "--reader", KEVIN)
    assert "Kevin Wang" in mine and "Request for quotation" in mine
    run("snooze", str(tid), "--for", "reply", "--actor", "grace")
    shown = run("show", str(tid))
    assert "[snoozed]" in shown and "thread.assigned" in shown and "thread.snoozed" in shown
    bad = CliRunner().invoke(
        cli, ["--config", str(config), "threads", "assign", str(tid), "--owner", "x@y.z"]
    )
    assert bad.exit_code == 2 and "not an active salesperson" in bad.output
