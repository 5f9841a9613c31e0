"""Reply templates: every template renders, strict undefined, sandbox, choice and fallback."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jinja2.exceptions import SecurityError, UndefinedError
from support.apptools import ROOT

from mailagent.config import DraftSettings, SalespersonSettings
from mailagent.context import CustomerInfo
from mailagent.drafts.pricing import load_price_list, quote_lines
from mailagent.drafts.templating import (
    REPLY_KINDS,
    ReplyContext,
    TemplateCatalog,
    Templates,
    choose_template,
    make_environment,
    missing_templates,
    render_reply,
    scan_templates,
)
from mailagent.drafts.variables import DraftEnv, MessageFacts, OrderFacts, build_variables
from mailagent.errors import ConfigError
from mailagent.records import Address, Intent

TEMPLATES = ROOT / "templates"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LANGS = ("en", "zh", "de", "es", "pt", "fr", "ru", "ja")
ALL = sorted(
    (kind, lang)
    for kind, lang in scan_templates(TEMPLATES).available
    if not kind.startswith("_base/")
)


def sample_variables(*, with_order: bool = True, text: str | None = None) -> dict[str, Any]:
    """The variables the draft stage builds, for a quote with a priced and an unpriced line."""
    pl = load_price_list(ROOT / "mailagent" / "demo" / "archive" / "pricelist.csv")
    body = text or "Please quote 500 pcs of HX-4L-FR4-1.6 and 300 pcs of HX-9L-XYZ.\nRegards\nSarah"
    msg = MessageFacts(
        message_pk=42,
        message_id="rfq-1@acmerobotics.com",
        subject="RFQ: 4-layer board",
        from_=Address("Sarah Mitchell", "smitchell@acmerobotics.com"),
        received_at=datetime(2026, 11, 19, 14, 30, tzinfo=UTC),
        new_text=body,
        intent=Intent.INQUIRY,
        language="en",
        attachments=("photo 1.jpg",),
    )
    env = DraftEnv(
        settings=DraftSettings(
            reference_prefix="HX",
            company_name="Shenzhen Huaxin Circuit Technology Co., Ltd.",
            company_address="Bao'an District, Shenzhen, China",
            company_phone="+86 755 2345 6789",
            company_website="www.huaxin-pcb.com",
            bank_details="Bank of China, Shenzhen Branch\nSWIFT: BKCHCNBJ45A",
            salespeople=[SalespersonSettings("kevin.wang@huaxin-pcb.com", "Kevin Wang", "王凯")],
        ),
        own_domains=("huaxin-pcb.com",),
    )
    customer = CustomerInfo(
        1, "ACME", "Acme Robotics Inc.", "US", "America/New_York", "en", "kevin.wang@huaxin-pcb.com"
    )
    order = OrderFacts(
        "SO-2026-0100",
        "PO-45001",
        "PI-HX-2026-035",
        "in_production",
        "USD",
        Decimal("6120.00"),
        Decimal("1836.00"),
        date(2026, 11, 2),
        date(2026, 11, 10),
    )
    lines = quote_lines(body, pl)
    return build_variables(
        msg, customer, order if with_order else None, lines, env, NOW, "HX-Q2026-0117"
    )


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates(TEMPLATES)


def test_the_shipped_set_is_complete() -> None:
    catalog = scan_templates(TEMPLATES)
    assert missing_templates(catalog, LANGS, internal_languages=("zh", "en")) == []
    assert missing_templates(catalog, LANGS, internal_languages=("de",)) == [
        ("internal/complaint_relay", "de")
    ]
    for kind in REPLY_KINDS:
        for lang in LANGS:
            assert catalog.has(kind, lang), (kind, lang)
    assert catalog.has("internal/complaint_relay", "zh")
    assert catalog.has("internal/complaint_relay", "en")


@pytest.mark.parametrize(("kind", "lang"), ALL, ids=[f"{k}/{lang}" for k, lang in ALL])
def test_every_template_renders(templates: Templates, kind: str, lang: str) -> None:
    r = render_reply(
        templates, ReplyContext(kind, lang, "Re: [HX-Q2026-0117] RFQ", sample_variables())
    )
    assert r.language == lang and r.reasons == ()
    assert "HX-Q2026-0117" in r.body and "HX-Q2026-0117" in r.subject
    assert "{{" not in r.body and "{%" not in r.body and "\n\n\n" not in r.body
    assert "Ltd.." not in r.body  # a company name ending in "." is not doubled
    assert r.body.endswith("\n") and not r.body.startswith("\n")
    if kind.startswith("internal/"):
        assert r.subject != "Re: [HX-Q2026-0117] RFQ"  # the template's own Subject: line
        assert "Acme Robotics Inc." in r.subject and "SO-2026-0100" in r.subject
        assert "Please quote 500 pcs" in r.body  # the customer's original text
    else:
        assert r.subject == "Re: [HX-Q2026-0117] RFQ"
        assert "> Please quote 500 pcs" in r.body  # the quoted original
        signature = "王凯" if lang == "zh" else "Kevin Wang"
        assert signature in r.body


@pytest.mark.parametrize("lang", LANGS)
def test_quotation_has_table_terms_and_unpriced_marker(templates: Templates, lang: str) -> None:
    r = render_reply(templates, ReplyContext("inquiry", lang, "Re: x", sample_variables()))
    assert "HX-4L-FR4-1.6" in r.body
    assert re.search(r"USD 1[,.]325[.,]00", r.body)  # 500 x 2.65, formatted per language
    assert "FOB Shenzhen" in r.body and "30% T/T deposit" in r.body
    assert re.search(r"\b10\b", r.body)  # lead time in days
    assert "[[" in r.body and "HX-9L-XYZ" in r.body  # the unpriced line, marked


@pytest.mark.parametrize("lang", LANGS)
def test_complaint_promises_the_answer_within_24_hours(templates: Templates, lang: str) -> None:
    r = render_reply(templates, ReplyContext("complaint", lang, "Re: x", sample_variables()))
    assert "24" in r.body
    # promised from the drafting time (20 Nov 08:00 UTC) + 24 h, not from the mail's arrival
    assert re.search(r"21(/|\.)11|11月21日|21 Nov 2026", r.body)


@pytest.mark.parametrize("kind", ["inquiry", "order", "complaint", "payment"])
def test_reply_templates_render_without_an_order(templates: Templates, kind: str) -> None:
    for lang in LANGS:
        r = render_reply(
            templates, ReplyContext(kind, lang, "Re: x", sample_variables(with_order=False))
        )
        assert "SO-2026-0100" not in r.body


def test_inquiry_without_lines_asks_for_the_production_data(templates: Templates) -> None:
    variables = sample_variables(text="Can you make rigid-flex boards?")
    r = render_reply(templates, ReplyContext("inquiry", "en", "Re: x", variables))
    assert "Gerber files" in r.body and "[[" not in r.body


def test_overdue_reminder_states_amount_due_date_and_bank(templates: Templates) -> None:
    r = render_reply(templates, ReplyContext("payment_overdue", "en", "Re: x", sample_variables()))
    assert "USD 4,284.00" in r.body  # 6120 - 1836
    assert "10 Nov 2026" in r.body and "10 days overdue" in r.body
    assert "SWIFT: BKCHCNBJ45A" in r.body


def test_fallback_to_english_records_the_reason() -> None:
    catalog = TemplateCatalog(frozenset({("payment_overdue", "en"), ("payment_overdue", "zh")}))
    choice = choose_template(catalog, "payment_overdue", "de-AT")
    assert choice is not None
    assert (choice.lang, choice.name) == ("en", "payment_overdue/en.txt.j2")
    assert choice.reason == "no de template for payment_overdue; used en"
    assert choose_template(catalog, "payment_overdue", "zh-Hans").reason == ""  # type: ignore[union-attr]
    assert choose_template(catalog, "inquiry", "en") is None


def test_missing_templates_for_the_ui(tmp_path: Path) -> None:
    for rel in ("inquiry/en.txt.j2", "inquiry/de.txt.j2", "_base/signature.en.txt.j2"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    missing = missing_templates(scan_templates(tmp_path), ["en", "de"])
    assert ("order", "de") in missing and ("_base/signature", "de") in missing
    assert ("inquiry", "de") not in missing and ("inquiry", "en") not in missing
    assert ("internal/complaint_relay", "en") in missing


def _tmp_templates(tmp_path: Path, body: str, name: str = "inquiry/en.txt.j2") -> Templates:
    for rel, text in (
        (name, body),
        ("_base/signature.en.txt.j2", "--\n{{ salesperson.name }}\n"),
        ("_base/quoted.en.txt.j2", ""),
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return Templates(tmp_path)


def test_strict_undefined_reports_a_missing_variable(tmp_path: Path) -> None:
    t = _tmp_templates(tmp_path, "Dear {{ contact.first_name }}, {{ customer.vip_discount }}\n")
    with pytest.raises(UndefinedError, match="vip_discount"):
        render_reply(t, ReplyContext("inquiry", "en", "s", sample_variables()))


def test_sandbox_blocks_attribute_escapes(tmp_path: Path) -> None:
    t = _tmp_templates(tmp_path, "{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    with pytest.raises(SecurityError):
        render_reply(t, ReplyContext("inquiry", "en", "s", sample_variables()))


def test_autoescape_only_for_html(tmp_path: Path) -> None:
    (tmp_path / "a.txt.j2").write_text("{{ v }}")
    (tmp_path / "a.html").write_text("{{ v }}")
    env = make_environment(tmp_path)
    assert env.get_template("a.txt.j2").render(v="<b>&") == "<b>&"
    assert env.get_template("a.html").render(v="<b>&") == "&lt;b&gt;&amp;"


def test_subject_line_and_missing_templates_dir(tmp_path: Path) -> None:
    t = _tmp_templates(tmp_path, "Subject: Angebot {{ reference }}\nHallo\n\n\n\nEnde\n")
    r = render_reply(t, ReplyContext("inquiry", "en", "default", sample_variables()))
    assert r.subject == "Angebot HX-Q2026-0117"
    assert r.body == "Hallo\n\nEnde\n"
    with pytest.raises(ConfigError, match="no template for order"):
        render_reply(t, ReplyContext("order", "en", "s", sample_variables()))
    with pytest.raises(ConfigError, match="not a directory"):
        Templates(tmp_path / "nope")


def test_number_and_date_filters_follow_the_language() -> None:
    env = make_environment(TEMPLATES)
    render = env.from_string(
        "{{ 1234.5|money('EUR', lang) }}|{{ 0.0105|price('USD', lang) }}|{{ 12000|num(lang) }}"
        "|{{ d|date(lang) }}"
    ).render
    d = date(2026, 11, 20)
    assert render(lang="en", d=d) == "EUR 1,234.50|USD 0.0105|12,000|20 Nov 2026"
    assert render(lang="de", d=d) == "EUR 1.234,50|USD 0,0105|12.000|20.11.2026"
    assert render(lang="zh", d=d).endswith("|2026年11月20日")
