"""The capture process of ``mailagent run`` with triage worker processes loads no triage.

Triage (language profiles, the intent model and scikit-learn, rules, drafting) runs in the
worker processes; the daemon process only captures, so it must not pay ~150 MB for them.
Checked in a fresh interpreter (this test process has imported everything already).
"""

from __future__ import annotations

import os
from pathlib import Path

from support.apptools import ROOT
from support.subproc import python_json, run_python

# not numpy: fpdf (quotation PDFs, which the daemon's send job needs) imports it anyway
HEAVY = (
    "sklearn",
    "joblib",
    "langdetect",
    "mailagent.triage.intent_model",
    "mailagent.triage.worker",
    "mailagent.triage.pipeline",
)

SCRIPT = """
import json, sys
from click.testing import CliRunner
import mailagent.daemon.loop as loop
from mailagent.cli.main import cli

seen = {}

def fake_run_daemon(app, **kw):
    seen.update(model=app.model is not None, worker_model=kw.get("worker_model"),
                workers=kw.get("triage_workers"),
                loaded=sorted(m for m in HEAVY if m in sys.modules))

loop.run_daemon = fake_run_daemon
result = CliRunner().invoke(cli, ["--config", CONFIG, "run", "--triage-workers", "2"])
assert result.exit_code == 0, result.output
print(json.dumps(seen))
"""


def test_run_with_worker_processes_captures_without_triage_modules(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n'
        f'[store]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\ndir = "{tmp_path / "store"}"\n'
        '[[imap.mailboxes]]\nhost = "imap.example.com"\nusername = "s@x.com"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILAGENT_IMAP_PASSWORD": "x"}
    env.pop("MAILAGENT_CONFIG", None)
    create = "from mailagent.app import open_app; from mailagent.config import load\n"
    create += f"open_app(load({str(config)!r}), with_model=False).close()\n"
    prelude = f"HEAVY = {HEAVY!r}\nCONFIG = {str(config)!r}\n"
    run_python(create, env)
    seen = python_json(prelude + SCRIPT, env)
    assert seen == {"model": False, "worker_model": True, "workers": 2, "loaded": []}
