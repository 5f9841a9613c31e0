"""Tests for ruleset.py / rulematch.py / vocabulary.py: loading, validation, operators."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from mailagent.errors import RulesError
from mailagent.records import Address, Attachment, AutoReplyKind, InboundMail, Intent
from mailagent.triage.rules.ruleset import Ruleset, check, load_rules

ROOT = Path(__file__).resolve().parents[2]

VOCAB = """
[vocab.rfq]
description = "price requests"
en = ["quotation", "best price", "quote*"]
zh = ["报价", "询价"]
de = ["Angebot"]
"""


def mail(
    subject: str = "",
    body: str = "",
    *,
    sender: str = "buyer@acme.example",
    attachments: tuple[str, ...] = (),
    headers: tuple[tuple[str, str], ...] = (),
) -> InboundMail:
    digest = hashlib.sha256(f"{subject}{body}".encode()).hexdigest()
    return InboundMail(
        raw_sha256=digest, raw_size=1, message_id=digest[:12], message_id_synthetic=False,
        subject=subject, from_=Address("", sender), sender=None, reply_to=(), to=(), cc=(),
        date=None, in_reply_to=None, references=(), headers=headers, text=body, html=None,
        new_text=body, quoted_text="", signature="",
        attachments=tuple(Attachment(n, "application/pdf", 1, digest, b"") for n in attachments),
        auto_reply=AutoReplyKind.NONE, auto_reply_reason=None, charsets=(), defects=(),
    )  # fmt: skip


def write_rules(
    tmp_path: Path, rules: str, vocab: str = VOCAB, name: str = "classify.toml"
) -> Path:
    (tmp_path / "vocabulary.toml").write_text(textwrap.dedent(vocab), encoding="utf-8")
    (tmp_path / name).write_text(textwrap.dedent(rules), encoding="utf-8")
    return tmp_path


def load(tmp_path: Path, rules: str, vocab: str = VOCAB) -> Ruleset:
    return load_rules(write_rules(tmp_path, rules, vocab))


def rule(when: str, extra: str = "", rule_id: str = "t.rule", intent: str = "order") -> str:
    return f'[[rule]]\nid = "{rule_id}"\nintent = "{intent}"\n{extra}\n{when}\n'


# -- shipped rules ------------------------------------------------------------------------


def test_shipped_rules_load_clean() -> None:
    ruleset = load_rules(ROOT / "rules")
    assert len(ruleset.rules) >= 20
    assert {r.intent for r in ruleset.rules} == set(Intent)
    assert len(ruleset.vocabularies) >= 10
    langs = {lang for v in ruleset.vocabularies.values() for lang in v.terms}
    assert {"en", "zh", "de", "es", "ja", "fr", "pt", "it", "ru"} <= langs


def test_check_summarises() -> None:
    lines = check(ROOT / "rules")
    assert "rules in 1 file(s)" in lines[0]
    assert any(line.strip().startswith("complaint") for line in lines)
    assert "vocabularies" in lines[-3]
    assert lines[-2].startswith("needs review below confidence 0.55 or margin 0.10")
    assert lines[-1] == "3 inquiry platforms: Alibaba.com, Made-in-China.com, Global Sources"


def test_shipped_rules_hit_with_reasons() -> None:
    ruleset = load_rules(ROOT / "rules")
    hits = ruleset.evaluate(mail("PO 45001", "Please find attached our PO."))
    assert hits[0].intent is Intent.ORDER
    ids = {h.rule_id for h in ruleset.evaluate(mail("", "Boards show delamination"))}
    assert "complaint.defect" in ids
    reason = next(
        h.reason for h in ruleset.evaluate(mail("", "短路很多")) if h.intent is Intent.COMPLAINT
    )
    assert "短路" in reason and "vocab defect/zh" in reason


# -- a valid rule file ----------------------------------------------------------------------


def test_valid_rules_load_and_evaluate(tmp_path: Path) -> None:
    ruleset = load(
        tmp_path,
        """
        [[rule]]
        id = "order.po-number"
        intent = "order"
        description = "Mentions a purchase order number"
        priority = 20
        weight = 2.0
        when.subject.matches = '(?i)\\bP\\.?O\\.?\\s*#?\\s*\\d{4,}'

        [[rule]]
        id = "inquiry.rfq"
        intent = "inquiry"
        priority = 10
        vocab = "rfq"
        """,
    )
    assert [r.id for r in ruleset.rules] == ["order.po-number", "inquiry.rfq"]
    hits = ruleset.evaluate(mail("PO 45001 and quotation", "text"))
    assert [h.rule_id for h in hits] == ["order.po-number", "inquiry.rfq"]
    assert hits[0].reason == "subject matches 'PO 45001'"
    assert hits[0].priority == 20 and hits[0].weight == 2.0
    assert hits[1].reason == "text contains 'quotation' (vocab rfq/en)"


def test_conditions_are_anded(tmp_path: Path) -> None:
    ruleset = load(tmp_path, rule('when.subject.contains = "urgent"\nwhen.body.contains = "po"'))
    assert ruleset.evaluate(mail("URGENT", "our PO"))
    assert not ruleset.evaluate(mail("URGENT", "nothing"))
    assert not ruleset.evaluate(mail("later", "our po"))


@pytest.mark.parametrize(
    ("when", "subject", "body", "hit"),
    [
        ('when.body.any_of = ["lead time", "MOQ"]', "", "What is the  Lead\nTime?", True),
        ('when.body.any_of = ["PO"]', "", "a POS terminal", False),  # word boundary
        ('when.body.any_of = ["defect*"]', "", "defective boards", True),  # wildcard
        ('when.body.any_of = ["*reklamation"]', "", "Qualitätsreklamation", True),
        ('when.body.any_of = ["报价"]', "", "请报价谢谢", True),  # CJK substring
        ('when.body.all_of = ["price", "sample"]', "", "price for a sample", True),
        ('when.body.all_of = ["price", "sample"]', "", "price only", False),
        ('when.body.not_any_of = ["refund"]', "", "hello", True),
        ('when.body.not_any_of = ["refund"]', "", "a Refund please", False),
        ('when.body.contains = "L/C"', "", "pay by l/c at sight", True),
        ('when.body.not_contains = "test"', "", "this is a TEST", False),
        ('when.subject.equals = "Invoice"', " invoice ", "", True),
        ('when.sender_domain.ends_with = "acme.example"', "", "", True),
        ('when.sender.equals = "buyer@acme.example"', "", "", True),
        ('when.text.matches = "PO-\\\\d+"', "re: PO-4500", "", True),
    ],
)
def test_operators(tmp_path: Path, when: str, subject: str, body: str, hit: bool) -> None:
    ruleset = load(tmp_path, rule(when))
    assert bool(ruleset.evaluate(mail(subject, body))) is hit


def test_attachment_names_and_headers(tmp_path: Path) -> None:
    ruleset = load(
        tmp_path,
        rule('when.attachment_names.matches = "(?i)bank.?slip"', rule_id="a")
        + rule('when.header.X-Priority.equals = "1"', rule_id="b"),
    )
    hits = ruleset.evaluate(mail(attachments=("BankSlip.pdf",), headers=(("X-Priority", "1"),)))
    assert {h.rule_id for h in hits} == {"a", "b"}
    assert not ruleset.evaluate(mail(attachments=("drawing.pdf",)))


def test_unless_vocab_blocks(tmp_path: Path) -> None:
    ruleset = load(tmp_path, rule('when.body.any_of = ["order"]', 'unless_vocab = "rfq"'))
    assert ruleset.evaluate(mail("", "new order"))
    assert not ruleset.evaluate(mail("", "order after your quotation"))


def test_disabled_rule_is_skipped(tmp_path: Path) -> None:
    ruleset = load(tmp_path, rule('when.body.contains = "x"', "enabled = false"))
    assert ruleset.rules == ()


def test_header_field_as_quoted_key(tmp_path: Path) -> None:
    ruleset = load(tmp_path, rule('when."header.List-Id".contains = "news"'))
    assert ruleset.evaluate(mail(headers=(("List-Id", "<news.example>"),)))


# -- invalid rule files: each names file, rule and field ----------------------------------


def expect_error(tmp_path: Path, rules: str, *fragments: str, vocab: str = VOCAB) -> str:
    with pytest.raises(RulesError) as info:
        load(tmp_path, rules, vocab)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_bad_regex(tmp_path: Path) -> None:
    message = expect_error(
        tmp_path,
        '[[rule]]\nid = "complaint.damaged"\nintent = "complaint"\n'
        "when.body.matches = '(damaged|broken'\n",
        'classify.toml: rule "complaint.damaged": when.body.matches: invalid regex',
    )
    assert "missing ), unterminated subpattern at position 0" in message


def test_unknown_operator(tmp_path: Path) -> None:
    expect_error(
        tmp_path,
        rule('when.body.startswith = "x"', rule_id="x.op"),
        'classify.toml: rule "x.op": when.body.startswith: unknown operator',
    )


def test_unknown_field(tmp_path: Path) -> None:
    expect_error(
        tmp_path,
        rule('when.bodyy.contains = "x"', rule_id="x.f"),
        'rule "x.f": when.bodyy: unknown field',
    )


def test_unknown_key(tmp_path: Path) -> None:
    expect_error(
        tmp_path,
        rule('when.body.contains = "x"', "prio = 3", rule_id="x.k"),
        'rule "x.k": prio: unknown key',
    )


def test_duplicate_id_within_a_file(tmp_path: Path) -> None:
    expect_error(
        tmp_path,
        rule('when.body.contains = "a"', rule_id="dup")
        + rule('when.body.contains = "b"', rule_id="dup"),
        'rule "dup": id: duplicate id',
    )


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    write_rules(tmp_path, rule('when.body.contains = "a"', rule_id="dup"))
    (tmp_path / "classify-local.toml").write_text(rule('when.body.contains = "b"', rule_id="dup"))
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path)
    message = str(info.value)
    assert "classify.toml" in message and 'classify.toml: rule "dup": id: duplicate id' in message
    assert "first defined in" in message


def test_unknown_intent(tmp_path: Path) -> None:
    expect_error(
        tmp_path,
        rule('when.body.contains = "x"', rule_id="x.i", intent="sales"),
        "rule \"x.i\": intent: unknown intent 'sales'",
    )


@pytest.mark.parametrize(
    ("extra", "when", "fragment"),
    [
        (
            'priority = "high"',
            'when.body.contains = "x"',
            "priority: must be an integer, not a string",
        ),
        (
            "priority = 1.5",
            'when.body.contains = "x"',
            "priority: must be an integer, not a number",
        ),
        ('weight = "2"', 'when.body.contains = "x"', "weight: must be a number, not a string"),
        ("weight = 0", 'when.body.contains = "x"', "weight: must be greater than 0"),
        (
            "",
            "when.body.contains = 3",
            "when.body.contains: must be a non-empty string, not an integer",
        ),
        ("", 'when.body.any_of = "x"', "when.body.any_of: must be a non-empty list"),
        ("", "when.body.any_of = []", "when.body.any_of: must be a non-empty list"),
        ('enabled = "yes"', 'when.body.contains = "x"', "enabled: must be true or false"),
        ("vocab = 3", "", "vocab: must be a vocabulary name"),
        ('vocab = "nope"', "", "vocab: unknown vocabulary 'nope'"),
        ("", "", "when: a rule needs at least one condition"),
    ],
)
def test_wrong_types(tmp_path: Path, extra: str, when: str, fragment: str) -> None:
    expect_error(tmp_path, rule(when, extra, rule_id="x.t"), f'rule "x.t": {fragment}')


def test_missing_id_is_named_by_position(tmp_path: Path) -> None:
    expect_error(
        tmp_path, '[[rule]]\nintent = "order"\nwhen.body.contains = "x"\n', "rule #1: id: required"
    )


def test_invalid_toml(tmp_path: Path) -> None:
    expect_error(tmp_path, "[[rule]\n", "classify.toml: invalid TOML")


def test_all_problems_are_reported_together(tmp_path: Path) -> None:
    message = expect_error(
        tmp_path,
        rule('when.body.nope = "x"', rule_id="a")
        + rule('when.body.contains = "x"', rule_id="b", intent="x"),
    )
    assert 'rule "a"' in message and 'rule "b"' in message
    assert len(message.splitlines()) == 2


def test_bad_vocabulary(tmp_path: Path) -> None:
    expect_error(
        tmp_path,
        rule('when.body.contains = "x"'),
        'vocabulary.toml: vocab "rfq": english: unknown key',
        vocab='[vocab.rfq]\nenglish = ["x"]\n',
    )
    expect_error(
        tmp_path,
        rule('when.body.contains = "x"'),
        'vocab "rfq": en: must be a non-empty list of non-empty strings',
        vocab='[vocab.rfq]\nen = ["", 3]\n',
    )


def test_no_rule_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no rule file found"):
        load_rules(tmp_path)


# -- script and language normalisation ------------------------------------------------------


def test_traditional_chinese_matches_simplified_phrases(tmp_path: Path) -> None:
    rules = rule('vocab = "rfq"', rule_id="t.vocab", intent="inquiry") + rule(
        "when.subject.matches = '询价|采购单'", rule_id="t.regex"
    )
    ruleset = load(tmp_path, rules)
    hits = {h.rule_id: h.reason for h in ruleset.evaluate(mail("詢價：多層板", "煩請報價"))}
    assert set(hits) == {"t.vocab", "t.regex"}
    assert "(vocab rfq/zh)" in hits["t.vocab"]
    assert {h.rule_id for h in ruleset.evaluate(mail("採購單 A-1", ""))} == {"t.regex"}


def test_traditional_phrases_in_rules_match_simplified_text(tmp_path: Path) -> None:
    ruleset = load(tmp_path, rule('when.body.any_of = ["訂單", "匯款"]'))
    assert ruleset.evaluate(mail("", "附件是订单"))
    assert ruleset.evaluate(mail("", "已汇款"))


def test_shipped_vocabulary_reads_traditional_chinese() -> None:
    ruleset = load_rules(ROOT / "rules")
    cases = {
        "詢價：六層板": Intent.INQUIRY,
        "採購單 隨信附上，請安排生產": Intent.ORDER,
        "匯款水單見附件": Intent.PAYMENT,
        "這批板子不良率太高，我們要求退貨及索賠": Intent.COMPLAINT,
    }
    for text, intent in cases.items():
        assert intent in {h.intent for h in ruleset.evaluate(mail("", text))}, text


def test_foreign_phrase_that_is_an_english_word_does_not_fire_on_english(
    tmp_path: Path,
) -> None:
    vocab = VOCAB + '\n[vocab.account]\nen = ["my account"]\nit = ["account", "accedere"]\n'
    ruleset = load(tmp_path, rule('vocab = "account"', intent="other"), vocab)
    english = "I am writing from my personal account because the office VPN is down for us."
    assert not ruleset.evaluate(mail("", english))
    italian = "Non riesco ad accedere al mio account, per favore aiutatemi con il problema."
    hits = ruleset.evaluate(mail("", italian))
    assert hits and "(vocab account/it)" in hits[0].reason
    assert ruleset.evaluate(mail("", "Please help, I cannot open my account."))  # en list


def test_foreign_phrase_that_is_a_word_of_the_text_language_is_skipped() -> None:
    # "carta" (Italian card) must not fire on Spanish "carta de crédito".
    ruleset = load_rules(ROOT / "rules")
    body = "Adjuntamos la orden de compra; el pago será con carta de crédito a la vista."
    assert "other.card-admin" not in {h.rule_id for h in ruleset.evaluate(mail("", body))}


def test_text_language() -> None:
    from mailagent.triage.rules.vocabulary import text_language

    assert text_language("please send us the drawing, we will check it") == "en"
    assert text_language("bitte senden sie uns die zeichnung, wir prüfen sie") == "de"
    assert text_language("详情见附件") is None
    assert text_language("ok") is None


def test_shipped_japanese_complaint_words() -> None:
    ruleset = load_rules(ROOT / "rules")
    for text in (
        "品質異常のご連絡",
        "導通不良が発生しました",
        "不具合品",
        "短絡",
        "剥離",
        "不良品の返品",
    ):
        hits = ruleset.evaluate(mail("", text))
        assert Intent.COMPLAINT in {h.intent for h in hits}, text


def test_typographic_apostrophes_match_straight_ones(tmp_path: Path) -> None:
    vocab = VOCAB + '\n[vocab.claim]\nfr = ["demande d\'échange"]\n'
    ruleset = load(tmp_path, rule('vocab = "claim"', intent="complaint"), vocab)
    for text in ("Demande d’échange du produit", "Demande dʼéchange", "demande d'échange"):
        hits = ruleset.evaluate(mail(text, ""))
        assert hits and "(vocab claim/fr)" in hits[0].reason, text


def test_shipped_french_inquiry_words() -> None:
    ruleset = load_rules(ROOT / "rules")
    cases = {
        "Pourriez-vous nous envoyer une estimation des coûts pour 500 pièces ?": Intent.INQUIRY,
        "Nous souhaitons des renseignements sur vos délais de fabrication.": Intent.INQUIRY,
        "Vendez-vous aussi des câbles compatibles avec ce modèle ?": Intent.INQUIRY,
        "L’appareil est tombé en panne après deux jours.": Intent.COMPLAINT,
    }
    for text, intent in cases.items():
        assert intent in {h.intent for h in ruleset.evaluate(mail("", text))}, text
