"""deploy/: the systemd units verify, the compose file has the PostgreSQL-mode services, and
the image's entry commands run (daemon and web) against real PostgreSQL and Dovecot.

The container engine is not needed: the image's ENTRYPOINT/CMD and the compose commands
are run here as the image would run them (``mailagent <command>`` with its config).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from support.apptools import ROOT
from support.modelcache import seed_intent_model
from support.servers import Dovecot, free_port

from mailagent.cli.main import cli

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted(
    (DEPLOY / "systemd").glob("*.timer")
)


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package: systemd)")
    # verify checks that ExecStart exists: point it at this machine's mailagent
    exe = shutil.which("mailagent") or sys.executable
    for unit in UNITS:
        text = unit.read_text().replace("/opt/mailagent/venv/bin/mailagent", exe)
        (tmp_path / unit.name).write_text(text)
    res = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    # verify exits 0 on unknown keys or bad values: any output is a finding
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr


@pytest.mark.parametrize("name", ["mailagent.service", "mailagent-web.service"])
def test_units_are_hardened(name: str) -> None:
    text = (DEPLOY / "systemd" / name).read_text()
    for line in (
        "User=mailagent",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/mailagent",
        "EnvironmentFile=/etc/mailagent/mailagent.env",
        "CapabilityBoundingSet=",
    ):
        assert re.search(rf"^{re.escape(line)}$", text, re.MULTILINE), f"{name}: {line}"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker" / "compose.yaml").read_text())
    return data


def test_compose_has_two_daemons_web_and_postgres() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "daemon-1", "daemon-2", "web"}
    for name in ("daemon-1", "daemon-2", "web"):
        svc = services[name]
        assert svc["image"] == "mailagent:latest"
        assert svc["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert "store:/var/lib/mailagent" in svc["volumes"]  # one shared store
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "postgresql+psycopg://" in svc["environment"]["MAILAGENT_DATABASE_URL"]
        assert svc["read_only"] is True and svc["cap_drop"] == ["ALL"]
    assert services["daemon-1"]["command"] == services["daemon-2"]["command"] == ["run"]
    assert services["web"]["command"][0] == "web"
    assert services["web"]["ports"] == ["127.0.0.1:8025:8025"]  # TLS proxy in front
    assert services["postgres"]["image"].endswith("-bookworm")
    assert set(compose()["volumes"]) == {"store", "pgdata"}
    # X-Forwarded-* believed from the network's gateway only (the host's reverse proxy),
    # through web.trusted_proxies; uvicorn's own FORWARDED_ALLOW_IPS is not used
    gateway = compose()["networks"]["default"]["ipam"]["config"][0]["gateway"]
    assert "FORWARDED_ALLOW_IPS" not in services["web"]["environment"]
    image_config = tomllib.loads((DEPLOY / "docker" / "config.toml").read_text())
    assert image_config["web"]["trusted_proxies"] == [gateway]


def test_compose_file_validates(tmp_path: Path) -> None:
    """``docker-compose config`` checks the file against the Compose schema, no engine needed.

    Debian 12's docker-compose (1.29, the one validator its packages ship) predates the
    top-level ``name`` key: the test checks that key itself and validates the rest.
    """
    validator = shutil.which("docker-compose")
    if validator is None:
        pytest.skip("docker-compose is not installed (Debian package: docker-compose)")
    text = (DEPLOY / "docker" / "compose.yaml").read_text()
    assert re.search(r"^name: mailagent$", text, re.MULTILINE)
    work = tmp_path / "deploy" / "docker"
    work.mkdir(parents=True)
    (work / "compose.yaml").write_text(re.sub(r"^name: .*\n", "", text, flags=re.MULTILINE))
    shutil.copy(DEPLOY / "docker" / "mailagent.env.example", work / "mailagent.env")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "COMPOSE_"))}
    res = subprocess.run(
        [validator, "-f", str(work / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        env={**env, "POSTGRES_PASSWORD": "pw-from-dot-env"},
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    resolved = yaml.safe_load(res.stdout)["services"]  # anchors merged, variables filled
    assert set(resolved) == {"postgres", "daemon-1", "daemon-2", "web"}
    assert (
        "pw-from-dot-env@postgres:5432" in resolved["web"]["environment"]["MAILAGENT_DATABASE_URL"]
    )


def dockerfile() -> tuple[list[str], list[str], list[str]]:
    text = (DEPLOY / "docker" / "Dockerfile").read_text()
    base = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    for src in re.findall(r"^COPY (\S+)", text, re.MULTILINE):
        if not src.startswith("--"):
            assert (ROOT / src).exists(), f"Dockerfile copies missing {src}"
    return base, entry, cmd


def test_image_is_debian_python_and_its_config_checks(tmp_path: Path) -> None:
    base, entry, cmd = dockerfile()
    assert base == ["python:3.11-slim-bookworm"]
    assert entry[-1] == "mailagent" and cmd == ["run"]
    # the image's config with its paths mapped onto this checkout and the secrets the
    # compose file passes in: `config check` (paths, secrets, values) must be clean
    text = (DEPLOY / "docker" / "config.toml").read_text()
    text = text.replace("/opt/mailagent", str(ROOT)).replace("/var/lib/mailagent", str(tmp_path))
    config_file = tmp_path / "config.toml"
    config_file.write_text(text)
    secrets = {
        "MAILAGENT_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
        "MAILAGENT_IMAP_PASSWORD": "x",
        "MAILAGENT_SMTP_PASSWORD": "x",
        "MAILAGENT_SECRET_KEY": "x" * 32,
    }
    result = CliRunner().invoke(cli, ["--config", str(config_file), "config", "check"], env=secrets)
    assert result.exit_code == 0, result.output


def container_config(tmp_path: Path, dovecot: Dovecot, user: str) -> Path:
    """The image's config.toml with the image's paths mapped onto this machine."""
    text = (DEPLOY / "docker" / "config.toml").read_text()
    text = text.replace("/opt/mailagent", str(ROOT)).replace("/var/lib/mailagent", str(tmp_path))
    text = text.split("[[imap.mailboxes]]")[0] + (
        f'[[imap.mailboxes]]\nname = "sales"\nhost = "127.0.0.1"\nport = {dovecot.imap_port}\n'
        f'security = "plain"\nusername = "{user}"\npassword_env = "MAILAGENT_IMAP_PASSWORD"\n'
        "poll_seconds = 2\n"
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


@pytest.mark.postgres
@pytest.mark.dovecot
@pytest.mark.slow
def test_entry_commands_run_daemon_and_web(
    tmp_path: Path, pg_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    _base, entry, _cmd = dockerfile()
    services = compose()["services"]
    config = container_config(tmp_path, dovecot, imap_user)
    seed_intent_model(tmp_path / "store")  # the image's store volume after a first start
    port = free_port()
    env = {
        **os.environ,
        "MAILAGENT_CONFIG": str(config),
        "MAILAGENT_DATABASE_URL": pg_url,
        "MAILAGENT_IMAP_PASSWORD": dovecot.password,
        "MAILAGENT_SMTP_PASSWORD": "unused-here",  # run refuses to start with a secret missing
        "MAILAGENT_SECRET_KEY": "test-secret-key-for-the-container",
        "PYTHONPATH": str(ROOT),
    }
    web_cmd = [a if a != "8025" else str(port) for a in services["web"]["command"]]
    web_cmd = [a if a != "0.0.0.0" else "127.0.0.1" for a in web_cmd]
    procs = []
    log = (tmp_path / "out.log").open("wb")
    try:
        for argv in (services["daemon-1"]["command"], web_cmd):
            # the ENTRYPOINT's program is `mailagent` (after tini): run it with this Python
            assert entry[-1] == "mailagent"
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "mailagent", *argv],
                    env=env,
                    stdout=log,
                    stderr=log,
                    cwd=tmp_path,
                )
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while get(f"{base}/readyz") != 200:
            for proc in procs:
                assert proc.poll() is None, (tmp_path / "out.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "out.log").read_text()[-3000:]
            time.sleep(0.5)
        assert get(f"{base}/healthz") == 200
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(60) for proc in procs]
        log.close()
    assert codes[0] == 0  # the daemon stops cleanly on SIGTERM
    lines = (tmp_path / "out.log").read_text().splitlines()
    assert any(line.startswith("{") and '"logger"' in line for line in lines)  # JSON logs


def test_alert_rules_use_metrics_that_exist(tmp_path: Path) -> None:
    from support.apptools import make_app

    from mailagent.ops.metrics import render

    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'm.db'}")
    exposed = set(re.findall(r"^# TYPE (\w+) (\w+)", render(app).decode(), re.MULTILINE))
    app.close()
    names = {n for n, _t in exposed} | {f"{n}_total" for n, t in exposed if t == "counter"}
    for expr in exprs:
        used = set(re.findall(r"\bmailagent_\w+", expr))
        assert used and used <= names, f"{expr}: unknown {used - names}"
