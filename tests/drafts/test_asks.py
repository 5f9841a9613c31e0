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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please let me know the lead time.", ["lead_time"]),
        ("Kindly advise the MOQ.", ["question"]),
        ("Could you send us the COA.", ["coa"]),
        ("We would like to know your MOQ for the 6-layer board.", ["question"]),
        ("Bitte teilen Sie uns den Liefertermin mit.", ["lead_time"]),
        ("Bitte nennen Sie uns die Mindestbestellmenge.", ["question"]),
        ("Favor informar el plazo.", ["question"]),
        ("Les agradeceríamos nos envíen la hoja de seguridad.", ["msds"]),
        ("Por favor, informe o prazo de entrega.", ["lead_time"]),
        ("Merci de nous envoyer le devis.", ["quote"]),
        ("Сообщите, пожалуйста, срок поставки.", ["lead_time"]),
        ("最小発注数量を教えてください。", ["question"]),
        ("请告知交期", ["lead_time"]),
        ("麻烦报个价", ["quote"]),
        ("烦请提供最小起订量。", ["question"]),
    ],
    ids=[
        "en-lead", "en-moq", "en-coa", "en-know", "de-lead", "de-moq", "es-plazo", "es-msds",
        "pt-lead", "fr-quote", "ru-lead", "ja-moq", "zh-lead", "zh-quote", "zh-moq",
    ],
)  # fmt: skip
def test_requests_without_a_question_mark_are_asks(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Please let me know if you have any questions.",
        "Thank you for your quotation, we will place the order next week.",
        "Please find attached our purchase order.",
        "Vielen Dank für Ihr Angebot. Bei Fragen melden Sie sich gerne.",
        "N'hésitez pas à me contacter.",
        "如有任何问题，请随时联系。请查收附件。",
        "よろしくお願いします。",
    ],
)
def test_courtesy_and_thanks_ask_nothing(text: str) -> None:
    assert kinds(text) == []


def test_imperative_rules_are_checked() -> None:
    base = 'request = ["please"]\n[ask.question]\npatterns = ["[?]"]\n'
    ok = parse_ask_rules('request = ["please"]\n[imperative]\nen = ["kindly"]\n' + base[20:], "a")
    assert [lang for lang, _ in ok.imperative] == ["en"]
    with pytest.raises(RulesError, match=r"imperative.english: not an ISO 639-1"):
        parse_ask_rules('request = ["x"]\n[imperative]\nenglish = ["kindly"]\n' + base[20:], "a")
    with pytest.raises(RulesError, match=r"imperative.en\[0\]: matches every sentence"):
        parse_ask_rules('request = ["x"]\n[imperative]\nen = ["(?:please)?"]\n' + base[20:], "a")
    with pytest.raises(RulesError, match=r"imperative.de\[0\]: invalid regex"):
        parse_ask_rules('request = ["x"]\n[imperative]\nde = ["(bitte"]\n' + base[20:], "a")
    with pytest.raises(RulesError, match=r"unknown key\(s\) imperatives"):
        parse_ask_rules('request = ["x"]\nimperatives = ["x"]\n' + base[20:], "a")
    with pytest.raises(RulesError, match=r"ask.pi: label must be text, document and"):
        parse_ask_rules(base + '[ask.pi]\nneeds_request = "yes"\npatterns = ["PI"]\n', "a")
