"""The operator commands as the README's "Operating" section uses them: ``db upgrade
--dry-run``, ``backup``, ``restore``, ``verify --manifest`` and ``retention --dry-run``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result
from support.apptools import mail, make_app, make_settings

from mailagent.capture.ingest import ingest_raw
from mailagent.cli.main import cli
from mailagent.config import OpsSettings
from mailagent.demo.configfile import write_config

OLD = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def test_upgrade_plan_backup_restore_verify_and_retention(tmp_path: Path) -> None:
    live, fresh = tmp_path / "live", tmp_path / "fresh"
    ops = OpsSettings(retention_days=90)
    configs = {}
    for where in (live, fresh):
        where.mkdir()
        settings = make_settings(where, f"sqlite:///{where / 'mailagent.db'}", ops=ops)
        configs[where] = write_config(settings, where / "config.toml")

    plan = invoke(configs[live], "db", "upgrade", "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "not created yet" in plan.output and "current revision: (empty database)" in plan.output
    assert "(base) -> 0001" in plan.output and "-> 0018_search3" in plan.output
    assert not (live / "mailagent.db").exists()  # a dry run creates nothing

    app = make_app(live, f"sqlite:///{live / 'mailagent.db'}", ops=ops)
    newsletter = mail(1, sender="news@bulk-mailer.example", message_id="<n-1@bulk.example>",
                      date=OLD, headers={"List-Id": "<offers.bulk-mailer.example>"})  # fmt: skip
    inquiry = mail(2, message_id="<rfq-2@acmerobotics.com>", date=OLD)
    ingest_raw(app, [(newsletter, "t:1"), (inquiry, "t:2"), (mail(3), "t:3")])
    app.close()
    current = invoke(configs[live], "db", "upgrade", "--dry-run")
    assert "current revision: 0018_search3" in current.output
    assert "up to date: nothing to do" in current.output

    dry = invoke(configs[live], "retention", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would delete the raw mail of 1 message(s)" in dry.output
    assert "n-1@bulk.example" in dry.output and "rfq-2" not in dry.output  # customer mail kept

    dest = tmp_path / "backups" / "before-upgrade"
    made = invoke(configs[live], "backup", str(dest))
    assert made.exit_code == 0, made.output
    assert f"backup in {dest}: 3 messages, 3 raw" in made.output
    assert (dest / "manifest.json").exists()

    restored = invoke(configs[fresh], "restore", str(dest))
    assert restored.exit_code == 0, restored.output
    assert "restored 3 messages" in restored.output
    checked = invoke(configs[fresh], "verify", "--manifest", str(dest / "manifest.json"))
    assert checked.exit_code == 0, checked.output
    assert "messages: 3, raw blobs checked: 3" in checked.output
    assert "missing: 0, corrupt: 0" in checked.output

    # the dry run deleted nothing in the live store; a blob lost after restore is found
    next((fresh / "store" / "raw").rglob("*.eml")).unlink()
    broken = invoke(configs[fresh], "verify", "--manifest", str(dest / "manifest.json"))
    assert broken.exit_code == 1, broken.output
    assert "missing: 1, corrupt: 0" in broken.output
