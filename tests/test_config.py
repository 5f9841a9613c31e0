"""Settings: documented, validated with file/section/key errors, secrets kept out of repr."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from mailagent import config
from mailagent.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def _flatten(data: dict[str, object], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            keys |= _flatten(v, name + ".")
        elif isinstance(v, list) and v and all(isinstance(i, dict) for i in v):
            for item in v:
                keys |= _flatten(item, name + ".")
        else:
            keys.add(name)
    return keys


def test_every_setting_is_in_the_example_file() -> None:
    documented = _flatten(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    declared = {name for name, _ in config.iter_settings()}
    assert declared - documented == set(), "settings missing from config.example.toml"
    assert documented - declared == set(), "example file documents unknown settings"


def test_every_setting_has_help() -> None:
    for name, help_text in config.iter_settings():
        assert len(help_text) > 10, name


def test_example_file_loads() -> None:
    settings = config.load(EXAMPLE)
    assert settings.imap.mailboxes[0].name == "sales"
    assert settings.imap.mailboxes[0].folders == ["INBOX"]
    assert settings.team.language == "zh"


def test_defaults_without_file() -> None:
    settings = config.load(None)
    assert settings.store.url.startswith("sqlite:///")
    assert settings.imap.mailboxes == []


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[store]\nurl = 5\n", r"store\.url: expected str, got int 5"),
        ("[store]\nnope = 1\n", r"store\.nope: unknown setting"),
        ("[[imap.mailboxes]]\nport = '993'\n", r"imap\.mailboxes\[0\]\.port: expected int"),
        ("[[imap.mailboxes]]\nsecurity = 'ssl'\n", r"imap\.mailboxes\[0\]\.security: must be"),
        (
            "[[imap.mailboxes]]\nhost = 'imap.example.com'\nsecurity = 'plain'\n",
            r"security: plain IMAP is only allowed on loopback",
        ),
        ("[[imap.mailboxes]]\nfolders = []\n", r"folders: at least one folder"),
        ("[[imap.mailboxes]]\n[[imap.mailboxes]]\n", r"mailbox names must be unique"),
        ("[team]\nown_domains = 'x.com'\n", r"team\.own_domains: expected a list"),
        ("[translation]\nenabled = 'yes'\n", r"translation\.enabled: expected bool"),
        ("[imap]\nreconnect_max_seconds = true\n", r"expected int, got bool"),
        ("store = [", r"invalid TOML"),
    ],
)
def test_invalid_settings_name_file_and_key(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value).startswith(str(path) + ":")
    assert re.search(expected, str(err.value)), str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "none.toml")


def test_secrets_come_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MA_TEST_PW", "hunter2")
    assert config.read_secret("MA_TEST_PW", what="imap") == "hunter2"
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.delenv("MA_TEST_PW")
    assert config.read_secret("MA_TEST_PW", str(secret), what="imap") == "s3cret"
    assert config.read_secret("MA_TEST_PW", what="imap") is None
    with pytest.raises(ConfigError) as err:
        config.read_secret("", str(tmp_path / "missing"), what="imap")
    assert "cannot read secret file" in str(err.value)


def test_settings_repr_holds_no_secret_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", "topsecret-value")
    settings = config.load(EXAMPLE)
    assert "topsecret-value" not in repr(settings)


def test_database_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    store = config.StoreSettings(url_env="MA_DB_URL")
    with pytest.raises(ConfigError, match="MA_DB_URL is not set"):
        config.database_url(store)
    monkeypatch.setenv("MA_DB_URL", "postgresql+psycopg://u:p@127.0.0.1/x")
    assert config.database_url(store).startswith("postgresql+psycopg://")
