"""The relevance gate and the fraud checks, on real .eml files and the demo archive.

Pure: the mails are parsed from fixture files (``tests/triage/data/fraud``) and the demo
mailbox, the Directory and Relations ports are in-memory fakes built from the demo
customer archive.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from support.fakes import FakeDirectory, FakeRelations, demo_directory

from mailagent.demo import mail_dir
from mailagent.parse.message import parse_message
from mailagent.records import (
    Address,
    Disposition,
    InboundMail,
    Link,
    LinkMethod,
    Relevance,
    disposition_for,
)
from mailagent.triage.rules.relevance import GateRules, load_gate_rules
from mailagent.triage.stages import gate
from mailagent.triage.stages.fraud import encrypted_archive
from mailagent.triage.stages.lookalike import damerau, lookalike, skeleton

ROOT = Path(__file__).resolve().parents[3]
FRAUD = Path(__file__).resolve().parents[1] / "data" / "fraud"
OWN = ("huaxin-pcb.com",)


@pytest.fixture(scope="module")
def rules() -> GateRules:
    return load_gate_rules(ROOT / "rules")


@pytest.fixture
def ports() -> tuple[FakeDirectory, FakeRelations]:
    return demo_directory()


def _parse(path: Path) -> InboundMail:
    return parse_message(path.read_bytes())


Run = Callable[..., gate.GateResult]


@pytest.fixture
def run(rules: GateRules, ports: tuple[FakeDirectory, FakeRelations]) -> Run:
    directory, relations = ports

    def go(mail: InboundMail, link: Link | None = None) -> gate.GateResult:
        return gate.run(
            mail,
            rules,
            directory,
            relations,
            link,
            None,
            own_domains=OWN,
            free_mail_domains=frozenset({"gmail.com", "outlook.com", "163.com"}),
        )

    return go


EXPECTED = {
    "lookalike-tld": "lookalike_domain",
    "lookalike-hyphen": "lookalike_domain",
    "lookalike-punycode": "lookalike_domain",
    "lookalike-typo": "lookalike_domain",
    "spoofed-name-freemail": "display_name_spoof",
    "spoofed-name-address": "display_name_spoof",
    "reply-to-other-domain": "reply_to_domain",
    "auth-failed": "auth_failed",
    "bank-change-en": "bank_change",
    "bank-change-zh": "bank_change",
    "bank-change-es": "bank_change",
    "bank-change-de": "bank_change",
    "attachment-html": "dangerous_attachment",
    "attachment-double-extension": "dangerous_attachment",
    "attachment-iso": "dangerous_attachment",
    "attachment-macro": "dangerous_attachment",
    "attachment-js": "dangerous_attachment",
    "attachment-encrypted-zip": "dangerous_attachment",
}


def test_every_fraud_fixture_is_covered() -> None:
    assert {p.stem for p in FRAUD.glob("*.eml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fraud_fixture_is_flagged(name: str, run: Run) -> None:
    result = run(_parse(FRAUD / f"{name}.eml"))
    kinds = {f.kind for f in result.fraud}
    assert EXPECTED[name] in kinds, (name, result.fraud)
    assert all(f.reason for f in result.fraud)
    assert all(f.needs_ack == (f.kind == "bank_change") for f in result.fraud)
    disposition = disposition_for(Disposition.PROCESS, result.decision.relevance, result.fraud)
    if EXPECTED[name] == "bank_change":
        assert disposition is Disposition.HOLD


@pytest.mark.parametrize(
    "name", ["lookalike-tld", "lookalike-punycode", "spoofed-name-address", "auth-failed"]
)
def test_impersonation_of_a_customer_is_phishing(name: str, run: Run) -> None:
    result = run(_parse(FRAUD / f"{name}.eml"))
    assert result.decision.relevance is Relevance.PHISHING
    assert any("fraud." in r for r in result.decision.rule_ids) or any(
        "auth" in r for r in result.decision.rule_ids
    )


def test_bank_change_from_a_real_customer_stays_customer_mail_but_is_held(run: Run) -> None:
    for lang in ("en", "zh", "es", "de"):
        result = run(_parse(FRAUD / f"bank-change-{lang}.eml"))
        assert result.decision.relevance is Relevance.CUSTOMER, lang
        assert result.decision.known
        assert (
            disposition_for(Disposition.PROCESS, Relevance.CUSTOMER, result.fraud)
            is Disposition.HOLD
        )


def test_demo_customer_mail_is_never_junked_nor_flagged(run: Run) -> None:
    machine = {"033-mueller-out-of-office", "029-bounce-dsn-andina-old-contact"}
    for path in sorted(mail_dir().glob("*.eml")):
        result = run(_parse(path))
        if path.stem in machine:
            assert result.decision.relevance is Relevance.NOTIFICATION
            continue
        if "newsletter" in path.stem:
            assert result.decision.relevance is Relevance.BULK
            continue
        if path.stem in DEMO_SAMPLES:  # the demo's fraud and junk samples
            continue
        assert result.decision.relevance is Relevance.CUSTOMER, (path.name, result.decision)
        assert result.fraud == (), (path.name, result.fraud)


DEMO_SAMPLES = {
    "047-acme-lookalike-refund-bank-change": (
        Relevance.PHISHING,
        {"lookalike_domain", "display_name_spoof", "reply_to_domain", "bank_change"},
    ),
    "048-mueller-new-bank-details": (Relevance.CUSTOMER, {"bank_change"}),
    "049-fake-dhl-shipping-documents-html": (Relevance.PHISHING, {"dangerous_attachment"}),
    "050-seo-agency-cold-pitch": (Relevance.SOLICITATION, set()),
}


@pytest.mark.parametrize("stem", sorted(DEMO_SAMPLES))
def test_demo_fraud_and_junk_samples(stem: str, run: Run) -> None:
    relevance, kinds = DEMO_SAMPLES[stem]
    result = run(_parse(mail_dir() / f"{stem}.eml"))
    assert result.decision.relevance is relevance, result.decision.reasons
    assert {f.kind for f in result.fraud} == kinds


def test_verdict_headers_junk_an_unknown_sender(run: Run) -> None:
    mail = _mail("someone@unknown-sender.example", "Hello", "A short note.")
    flagged = _with_headers(mail, ("X-Spam-Flag", "YES"), ("X-Spam-Status", "Yes, score=9.1"))
    decision = run(flagged).decision
    assert decision.relevance is Relevance.SPAM
    assert "verdict.x-spam-flag" in decision.rule_ids
    scl = _with_headers(mail, ("X-MS-Exchange-Organization-SCL", "6"))
    assert run(scl).decision.relevance is Relevance.SPAM


def test_known_customer_is_not_junked_by_content(run: Run, ports: tuple) -> None:
    spammy = (
        "FREE!!! Click here to earn $5,000 per week working from home. 100% guaranteed, "
        "risk-free, act now, limited time offer, lowest prices, buy now, order today!!! "
        "To be removed from our list reply with REMOVE. Unsubscribe."
    )
    mail = _mail("smitchell@acmerobotics.com", "FREE offer!!! 100% guaranteed", spammy)
    decision = run(mail).decision
    assert decision.relevance is Relevance.CUSTOMER
    assert decision.known
    stranger = _mail("promo8812x3@cheap-deals.example", "FREE offer!!! 100% guaranteed", spammy)
    assert run(stranger).decision.relevance is Relevance.SPAM


def test_bulk_and_solicitation_and_notification(run: Run) -> None:
    newsletter = _with_headers(
        _mail("news@pcb-weekly.example", "PCB supply chain weekly", "This week in copper prices."),
        ("List-Unsubscribe", "<mailto:unsub@pcb-weekly.example>"),
        ("List-Id", "<weekly.pcb-weekly.example>"),
        ("Precedence", "bulk"),
    )
    assert run(newsletter).decision.relevance is Relevance.BULK
    pitch = _mail(
        "sales@best-seo.example",
        "Cooperation",
        "Dear Sir/Madam,\n\nWe are a professional SEO agency. We can help you rank on the first "
        "page of Google. May I send you our price list? Let me know if you are interested.",
    )
    assert run(pitch).decision.relevance is Relevance.SOLICITATION
    factory = _mail(
        "amy@copper-foil-factory.example",
        "Copper foil supplier",
        "Dear purchasing manager,\n\nwe are a leading manufacturer of copper foil since 2005. "
        "If you are interested, please contact us for our latest catalogue.",
    )
    assert run(factory).decision.relevance is Relevance.SOLICITATION
    notice = _mail(
        "no-reply@tracking.carrier.example",
        "Your shipment has been delivered",
        "Your shipment has been delivered. Tracking number: 1Z999AA10123456784.\n"
        "This is an automated message, please do not reply to this email.",
    )
    assert run(notice).decision.relevance is Relevance.NOTIFICATION


def test_a_new_buyers_inquiry_is_customer_mail(run: Run) -> None:
    for body in (
        "Dear Sir/Madam,\n\nwe are an importer of LED lighting in Poland and are interested in "
        "your aluminium PCBs. Please quote 5,000 pcs of MCPCB 1.6 mm, 1 oz, white solder mask, "
        "and your best price for 10k. Can you send free samples?\n\nBest regards\nPiotr",
        "您好！我们是一家越南的电子组装厂，想询价四层板，数量2000片，请报价并告知交期。谢谢！",
        "Sehr geehrte Damen und Herren,\n\nwir benötigen ein Angebot für 500 Stück Leiterplatten "
        "(4 Lagen, FR4, 1,6 mm). Bitte teilen Sie uns Preis und Lieferzeit mit.\n\n"
        "Mit freundlichen Grüßen\nKarl Weber",
    ):
        result = run(_mail("buyer@new-importer.example", "Inquiry: PCB", body))
        assert result.decision.relevance is Relevance.CUSTOMER, result.decision.reasons
        assert result.fraud == ()


def test_our_own_mail_and_relationship_credits(run: Run, ports: tuple) -> None:
    _directory, relations = ports
    own = run(_mail("lily.chen@huaxin-pcb.com", "Quotation", "FREE!!! click here"))
    assert own.decision.relevance is Relevance.CUSTOMER
    relations.written_to.add("buyer@new-importer.example")
    mail = _mail("buyer@new-importer.example", "Re: offer", "FREE!!! 100% guaranteed, act now")
    decision = run(mail).decision
    assert decision.known and "relationship.we_wrote" in decision.rule_ids
    link = Link(1, 5, LinkMethod.ORDER_NUMBER, LinkMethod.ORDER_NUMBER, ("order",))
    assert "relationship.order_number" in run(mail, link).decision.rule_ids


def test_link_text_showing_another_host_is_phishing_evidence(run: Run) -> None:
    mail = _mail(
        "security@bank-notice.example",
        "Your account has been suspended",
        "Your account has been suspended. Verify your account now.",
        html='<p>Log in at <a href="http://evil.example.ru/login">https://www.hsbc.com.hk</a></p>',
    )
    decision = run(mail).decision
    assert decision.relevance is Relevance.PHISHING
    assert "phishing.link-text-host" in decision.rule_ids


def test_lookalike_helpers() -> None:
    assert lookalike("acmerobotics.co", "acmerobotics.com")
    assert lookalike("acme-robotics.com", "acmerobotics.com")
    assert lookalike("acmerobotlcs.com", "acmerobotics.com")
    assert lookalike("acmerobotics.com.pay-portal.net", "acmerobotics.com")
    puny = "\u0430cmerobotics.com".encode("idna").decode()  # Cyrillic a
    assert puny.startswith("xn--")
    assert "punycode" in (lookalike(puny, "acmerobotics.com") or "")
    assert lookalike("acmerobotics.com", "acmerobotics.com") is None
    assert lookalike("mail.acmerobotics.com", "acmerobotics.com") is None
    assert lookalike("gmail.com", "acmerobotics.com") is None
    assert lookalike("abc.de", "abd.de") is None  # too short to tell
    assert skeleton("rnueller-e1ektronik") == skeleton("mueller-elektronik")
    assert damerau("acme", "amce") == 1 and damerau("abcdef", "uvwxyz", 2) == 3


def test_encrypted_archive_detection() -> None:
    raw = (FRAUD / "attachment-encrypted-zip.eml").read_bytes()
    mail = parse_message(raw)
    zipped = next(a for a in mail.attachments if a.filename.endswith(".zip"))
    assert encrypted_archive(zipped.payload)
    assert not encrypted_archive(b"PK\x03\x04\x14\x00\x00\x00")


def _mail(sender: str, subject: str, body: str, *, html: str | None = None) -> InboundMail:
    base = _parse(FRAUD / "lookalike-typo.eml")
    return dataclasses.replace(
        base,
        from_=Address("", sender),
        subject=subject,
        text=body,
        new_text=body,
        html=html,
        reply_to=(),
        attachments=(),
        headers=tuple((k, v) for k, v in base.headers if k.lower() not in ("from", "subject")),
    )


def _with_headers(mail: InboundMail, *extra: tuple[str, str]) -> InboundMail:
    return dataclasses.replace(mail, headers=(*mail.headers, *extra))
