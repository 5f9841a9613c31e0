"""What the customer asks for, in several languages, and the checks on rules/asks.toml."""

from __future__ import annotations

import pytest
from support.apptools import ROOT

from mailagent.drafts.asks import extract, load_ask_rules, parse_ask_rules
from mailagent.errors import RulesError

RULES = load_ask_rules(str(ROOT / "rules"))


def kinds(text: str) -> list[str]:
    return [a.kind for a in extract(text, RULES)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hi Kevin,\nplease send the PI and the packing list. What is the lead time?\n"
            "Can you ship by air DDP Munich?\nBest regards\nTom\nAcme Co. Ltd",
            ["pi", "packing_list", "lead_time", "shipping"],
        ),
        (
            "¿Pueden enviarnos muestras? Necesitamos el certificado de origen y la factura "
            "comercial. ¿Cuál es el plazo de entrega?",
            ["sample", "ci", "co", "lead_time"],
        ),
        (
            "Können Sie uns bitte das Sicherheitsdatenblatt schicken? Wann können Sie liefern?",
            ["msds", "lead_time"],
        ),
        (
            "能否提供样品？请发形式发票和装箱单。交期多久？海运运费多少？",
            ["sample", "pi", "packing_list", "lead_time", "shipping"],
        ),
        ("Poderiam enviar a fatura comercial e o relatório de teste?", ["ci", "test_report"]),
        (
            "Pouvez-vous nous envoyer un échantillon ? Quelles sont vos conditions de paiement ?",
            ["sample", "payment_terms"],
        ),
        ("サンプルを送っていただけますか。納期はいつでしょうか。", ["sample", "lead_time"]),
        ("We need the B/L copy and the COA for the last shipment.", ["bl", "coa"]),
    ],
    ids=["en", "es", "de", "zh", "pt", "fr", "ja", "en-docs"],
)
def test_asks_in_each_language(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_questions_that_nothing_else_covers() -> None:
    text = (
        "Do you have UL certification?\n¿Pueden hacer placas de aluminio?\n"
        "Können Sie auch Rigid-Flex fertigen?\n能否做盲埋孔？\nPodem fazer HDI?\n"
        "Pouvez-vous faire du 12 couches ?\nThanks."
    )
    asks = extract(text, RULES)
    assert [a.kind for a in asks] == ["question"] * 6
    assert asks[3].sentence == "能否做盲埋孔？"


def test_a_document_name_without_a_request_is_not_an_ask() -> None:
    assert kinds("Shenzhen Huaxin Co. Ltd\nISO 9001 certified. The PI was paid.") == []
    assert kinds("> please send the PI\nThanks, received.") == []  # quoted history


def test_broken_rules_name_file_ask_and_field() -> None:
    base = 'request = ["please"]\n[ask.question]\npatterns = ["[?]"]\n'
    with pytest.raises(RulesError, match=r"asks.toml: ask.pi: patterns\[0\]: invalid regex"):
        parse_ask_rules(base + '[ask.pi]\npatterns = ["(PI"]\n', "asks.toml")
    with pytest.raises(RulesError, match=r"ask.pi: unknown field\(s\) pattern"):
        parse_ask_rules(base + '[ask.pi]\npattern = ["PI"]\n', "asks.toml")
    with pytest.raises(RulesError, match=r"including \[ask.question\]"):
        parse_ask_rules('request = ["please"]\n[ask.pi]\npatterns = ["PI"]\n', "asks.toml")
    with pytest.raises(RulesError, match="request: a non-empty list"):
        parse_ask_rules("[ask.question]\npatterns = ['x']\n", "asks.toml")
