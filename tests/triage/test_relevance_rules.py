"""rules/relevance.toml is validated at load: every problem is reported as
``FILE: rule "ID": FIELD: PROBLEM`` (or ``FILE: table.key: PROBLEM``), and the shipped file
loads and is what ``mailagent rules check`` summarises."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mailagent.cli.main import cli
from mailagent.errors import RulesError
from mailagent.triage.rules.relevance import CATEGORIES, CHECKS, load_gate_rules

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = (ROOT / "rules" / "relevance.toml").read_text(encoding="utf-8")


def _load(tmp_path: Path, text: str) -> str:
    (tmp_path / "relevance.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_gate_rules(tmp_path)
    return str(err.value)


def test_shipped_rules_load() -> None:
    rules = load_gate_rules(ROOT / "rules")
    assert {r.category for r in rules.rules} == set(CATEGORIES)
    assert {r.check for r in rules.rules if r.check} <= set(CHECKS)
    assert len(rules.fraud.bank_change) >= 10
    assert {"html", "exe", "iso", "js"} <= rules.fraud.dangerous_extensions


def test_bad_rules_name_file_rule_and_field(tmp_path: Path) -> None:
    bad_rules = """
[[rule]]
id = "spam.broken"
category = "spam"
evidence = "content"
score = 2.0
when.body = '(unclosed'

[[rule]]
id = "spam.broken"
category = "junkmail"
evidence = "gossip"
score = 0
when.check = "looks_bad"
when.min_hits = 2

[[rule]]
id = "bulk.nothing"
category = "bulk"
evidence = "header"
score = 1.0
when.matches = 'x'
colour = "red"
"""
    text = SHIPPED.split("[[rule]]", 1)[0] + bad_rules + "\n[fraud]" + SHIPPED.split("[fraud]")[1]
    message = _load(tmp_path, text)
    path = tmp_path / "relevance.toml"
    assert f'{path}: rule "spam.broken": when.body: invalid regex' in message
    assert f'{path}: rule "spam.broken": id: duplicate rule id' in message
    assert f'{path}: rule "spam.broken": category: must be one of' in message
    assert f'{path}: rule "spam.broken": evidence: must be one of' in message
    assert f'{path}: rule "spam.broken": score: must be a non-zero number' in message
    assert f'{path}: rule "spam.broken": when.check: unknown check' in message
    assert f'{path}: rule "spam.broken": when.min_hits: only applies to when.body' in message
    assert f'{path}: rule "bulk.nothing": when.matches: needs when.header' in message
    assert f'{path}: rule "bulk.nothing": colour: unknown key' in message


def test_bad_tables_and_fraud_data(tmp_path: Path) -> None:
    text = SHIPPED.replace("spam = 5.0\n", "", 1).replace("we_wrote = 6.0", "we_wrote = -1")
    text = text.replace("lookalike_max_distance = 2", "lookalike_max_distance = 9")
    text = text.replace("  '(?i)\\bnova\\s+conta", "  '(?i)(\\bnova\\s+conta", 1)
    message = _load(tmp_path, text)
    path = tmp_path / "relevance.toml"
    assert f"{path}: thresholds.spam: missing" in message
    assert f"{path}: relationship.we_wrote: must be a number > 0" in message
    assert f"{path}: fraud.lookalike_max_distance: must be an integer from 1 to 3" in message
    assert f"{path}: fraud.bank_change[" in message and "invalid regex" in message
    assert "invalid TOML" in _load(tmp_path, "[thresholds\n")


def test_rules_check_lists_the_gate(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\n[store]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "rules", "check"])
    assert result.exit_code == 0, result.output
    assert "relevance rules in" in result.output and "bank-change patterns" in result.output
