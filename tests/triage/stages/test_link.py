"""The link stage: every rule of the matcher, run purely against a FakeDirectory."""

from __future__ import annotations

import pytest
from support.fakes import FakeDirectory
from support.mailfactory import make_mail

from mailagent.context import ThreadContext
from mailagent.customers.keys import normalise_number, parent_domains
from mailagent.customers.names import company_line, match_names, normalise_name
from mailagent.records import InboundMail, Intent, Link, LinkMethod
from mailagent.triage.stages.link import filing as link
from mailagent.triage.stages.link.numbers import find_numbers

FREE = frozenset({"gmail.com", "163.com", "qq.com", "outlook.com"})
OWN = ("ourpcb.com",)

ACME, MUELLER, IBERICA, NORDIC = 1, 2, 3, 4


@pytest.fixture
def directory() -> FakeDirectory:
    d = FakeDirectory()
    d.add_customer(ACME, "C001", "Acme Robotics Inc.", domains=["acme-robotics.com"])
    d.add_customer(MUELLER, "C002", "Müller Elektronik GmbH", domains=["mueller-elektronik.de"])
    d.add_customer(IBERICA, "C003", "Electrónica Ibérica S.A.", domains=["iberica.es"])
    d.add_customer(NORDIC, "C004", "Nordic Circuits AB")
    d.add_contact(ACME, "li.wei@gmail.com", "Li Wei")
    d.add_contact(ACME, "buyer@acme-robotics.com", "Jane Buyer")
    d.add_contact(MUELLER, "purchasing.team@gmail.com")
    d.add_contact(IBERICA, "purchasing.team@gmail.com")
    d.add_order(10, "SO-2026-0088", MUELLER, po="PO-45001", pi="PI-XX-2026-031")
    d.add_order(11, "SO-2026-0100", ACME, po="4500012345")
    d.add_order(12, "SO-2026-0101", IBERICA, po="77001")
    d.add_order(13, "SO-2026-0102", ACME)
    d.add_order(14, "SO-2026-0103", NORDIC, po="45077")
    return d


def triage(
    mail: InboundMail,
    directory: FakeDirectory,
    thread: ThreadContext | None = None,
    intent: Intent | None = Intent.OTHER,
) -> Link:
    result = link.run(
        mail, directory, thread, intent=intent, free_mail_domains=FREE, own_domains=OWN
    )
    assert result.reasons, "every decision records why"
    assert all(isinstance(r, str) and r for r in result.reasons)
    return result


def thread_of(customer_id: int | None, order_id: int | None = None) -> ThreadContext:
    return ThreadContext(
        thread_id=7, method="references", customer_id=customer_id, order_id=order_id
    )


def has_reason(result: Link, fragment: str) -> bool:
    return any(fragment in r for r in result.reasons)


# -- (1) contact, (2) domain ---------------------------------------------------------------


def test_exact_contact_on_free_mail(directory: FakeDirectory) -> None:
    result = triage(make_mail("Quote", sender="Li Wei <Li.Wei@gmail.com>"), directory)
    assert (result.customer_id, result.method, result.ambiguous) == (
        ACME,
        LinkMethod.CONTACT,
        False,
    )
    assert result.order_id is None and result.order_method is LinkMethod.NONE
    assert "contact li.wei@gmail.com belongs to Acme Robotics Inc." in result.reasons


def test_company_domain(directory: FakeDirectory) -> None:
    result = triage(make_mail("Hello", sender="hans@mueller-elektronik.de"), directory)
    assert (result.customer_id, result.method) == (MUELLER, LinkMethod.DOMAIN)
    assert "domain mueller-elektronik.de → Müller Elektronik GmbH" in result.reasons


def test_subdomain_uses_parent_domain(directory: FakeDirectory) -> None:
    result = triage(make_mail("Hi", sender="hans@mail.eu.mueller-elektronik.de"), directory)
    assert (result.customer_id, result.method) == (MUELLER, LinkMethod.DOMAIN)
    assert has_reason(result, "(parent mueller-elektronik.de)")


def test_free_mail_domain_is_never_looked_up(directory: FakeDirectory) -> None:
    directory.domains["gmail.com"] = ACME  # a bad archive row must not matter
    result = triage(make_mail("Hi", sender="stranger@gmail.com"), directory)
    assert result.customer_id is None and result.method is LinkMethod.NONE
    assert ("customer_by_domain", "gmail.com") not in directory.calls
    assert has_reason(result, "gmail.com is a free-mail domain")


def test_contact_wins_over_domain(directory: FakeDirectory) -> None:
    directory.add_customer(9, "C009", "Acme Europe", domains=["acme-robotics.com"])
    result = triage(make_mail("Hi", sender="buyer@acme-robotics.com"), directory)
    assert (result.customer_id, result.method) == (ACME, LinkMethod.CONTACT)


# -- outbound mail -------------------------------------------------------------------------


def test_outbound_matches_first_outside_recipient(directory: FakeDirectory) -> None:
    mail = make_mail(
        "Re: quote",
        sender="tom@ourpcb.com",
        to=["colleague@ourpcb.com", "hans@mueller-elektronik.de", "buyer@acme-robotics.com"],
    )
    result = triage(mail, directory)
    assert (result.customer_id, result.method) == (MUELLER, LinkMethod.DOMAIN)
    assert has_reason(result, "outgoing mail: matched on recipient hans@mueller-elektronik.de")


def test_outbound_to_cc_only(directory: FakeDirectory) -> None:
    mail = make_mail(
        "PI", sender="tom@sz.ourpcb.com", to=["boss@ourpcb.com"], cc=["li.wei@gmail.com"]
    )
    assert triage(mail, directory).customer_id == ACME


def test_internal_mail_is_never_a_prospect(directory: FakeDirectory) -> None:
    mail = make_mail("lunch?", sender="tom@ourpcb.com", to=["amy@ourpcb.com"])
    result = triage(mail, directory, intent=Intent.INQUIRY)
    assert result.method is LinkMethod.NONE and result.customer_id is None
    assert has_reason(result, "internal mail")


def test_outbound_ignores_our_own_signature(directory: FakeDirectory) -> None:
    mail = make_mail(
        "Offer",
        sender="tom@ourpcb.com",
        to=["new@unknown-co.com"],
        signature="Tom\nNordic Circuits AB reseller desk",
    )
    result = triage(mail, directory, intent=Intent.INQUIRY)
    assert result.customer_id is None and result.method is LinkMethod.NONE


# -- (3) thread ----------------------------------------------------------------------------


def test_thread_links_unknown_sender(directory: FakeDirectory) -> None:
    result = triage(
        make_mail("Re: boards", sender="new.guy@unknown.com"), directory, thread_of(NORDIC, 14)
    )
    assert (result.customer_id, result.method) == (NORDIC, LinkMethod.THREAD)
    assert (result.order_id, result.order_method) == (14, LinkMethod.THREAD)
    assert has_reason(result, "same thread as mail filed under Nordic Circuits AB")


def test_thread_order_kept_for_known_customer(directory: FakeDirectory) -> None:
    result = triage(
        make_mail("Re: update?", sender="buyer@acme-robotics.com"), directory, thread_of(ACME, 13)
    )
    assert (result.customer_id, result.method) == (ACME, LinkMethod.CONTACT)
    assert (result.order_id, result.order_method) == (13, LinkMethod.THREAD)


def test_number_in_mail_beats_thread_order(directory: FakeDirectory) -> None:
    mail = make_mail("Re: PO 4500012345 shipping", sender="buyer@acme-robotics.com")
    result = triage(mail, directory, thread_of(ACME, 13))
    assert (result.order_id, result.order_method) == (11, LinkMethod.ORDER_NUMBER)


def test_thread_of_other_customer_does_not_override_address(directory: FakeDirectory) -> None:
    result = triage(
        make_mail("Re: x", sender="buyer@acme-robotics.com"), directory, thread_of(MUELLER, 10)
    )
    assert result.customer_id == ACME and result.order_id is None and result.ambiguous
    assert has_reason(result, "thread is filed under another customer (Müller Elektronik GmbH)")


# -- (4) order numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body", "attachments", "where"),
    [
        ("Our PO-45001", "", (), "subject"),
        ("Order", "please confirm PO 45001 asap", (), "text"),
        ("Order", "po#45001", (), "text"),
        ("Order", "P.O. No. 45001", (), "text"),
        ("Order", "see PI-XX-2026-031", (), "text"),
        ("Order", "re so-2026-0088", (), "text"),
        ("Docs", "", ("PI-XX-2026-031.pdf",), "attachment PI-XX-2026-031.pdf"),
        ("Docs", "", ("PO_45001_signed.pdf",), "attachment PO_45001_signed.pdf"),
    ],
)
def test_order_number_shapes_link_unknown_sender(
    directory: FakeDirectory, subject: str, body: str, attachments: tuple[str, ...], where: str
) -> None:
    mail = make_mail(subject, body, sender="someone@new-domain.com", attachments=attachments)
    result = triage(mail, directory)
    assert (result.customer_id, result.method) == (MUELLER, LinkMethod.ORDER_NUMBER)
    assert (result.order_id, result.order_method) == (10, LinkMethod.ORDER_NUMBER)
    assert has_reason(result, f"in {where} → order SO-2026-0088")
    assert not result.ambiguous


def test_order_reason_wording(directory: FakeDirectory) -> None:
    result = triage(make_mail("PO-45001 shipment", sender="x@new.com"), directory)
    assert "order number PO-45001 in subject → order SO-2026-0088" in result.reasons


def test_sap_po_and_bare_digits(directory: FakeDirectory) -> None:
    result = triage(make_mail("Bestellung 4500012345", sender="li.wei@gmail.com"), directory)
    assert (result.customer_id, result.order_id) == (ACME, 11)


def test_subject_number_wins_over_body(directory: FakeDirectory) -> None:
    mail = make_mail("SO-2026-0102", "also about SO-2026-0100", sender="buyer@acme-robotics.com")
    result = triage(mail, directory)
    assert result.order_id == 13
    assert has_reason(result, "also mentions SO-2026-0100")


def test_order_of_another_customer_is_not_attached(directory: FakeDirectory) -> None:
    mail = make_mail("PO-45001 status", sender="buyer@acme-robotics.com")
    result = triage(mail, directory)
    assert (result.customer_id, result.method) == (ACME, LinkMethod.CONTACT)
    assert result.order_id is None and result.order_method is LinkMethod.NONE
    assert result.ambiguous
    assert has_reason(result, "order PO-45001 belongs to another customer (Müller Elektronik GmbH)")


def test_own_order_attached_foreign_one_flagged(directory: FakeDirectory) -> None:
    mail = make_mail("SO-2026-0102 and PO-45001", sender="buyer@acme-robotics.com")
    result = triage(mail, directory)
    assert (result.customer_id, result.order_id, result.ambiguous) == (ACME, 13, True)


def test_orders_of_two_customers_from_unknown_sender(directory: FakeDirectory) -> None:
    result = triage(make_mail("PO-45001 / SO-2026-0100", sender="x@new.com"), directory)
    assert result.customer_id is None and result.order_id is None and result.ambiguous
    assert has_reason(result, "order numbers of several customers")


def test_unknown_numbers_do_nothing(directory: FakeDirectory) -> None:
    result = triage(make_mail("PO 99999 and SO-2030-0001", sender="x@new.com"), directory)
    assert result.customer_id is None and result.method is LinkMethod.NONE


# -- shared free-mail address --------------------------------------------------------------


def test_shared_free_mail_contact_is_ambiguous(directory: FakeDirectory) -> None:
    result = triage(make_mail("Hello", sender="purchasing.team@gmail.com"), directory)
    assert result.customer_id is None and result.ambiguous
    assert has_reason(result, "is listed for Müller Elektronik GmbH, Electrónica Ibérica S.A.")


def test_shared_contact_settled_by_order_number(directory: FakeDirectory) -> None:
    mail = make_mail("Our PO 77001", sender="purchasing.team@gmail.com")
    result = triage(mail, directory)
    assert (result.customer_id, result.method, result.order_id) == (
        IBERICA,
        LinkMethod.ORDER_NUMBER,
        12,
    )
    assert not result.ambiguous


def test_shared_contact_settled_by_thread(directory: FakeDirectory) -> None:
    result = triage(
        make_mail("Re: hi", sender="purchasing.team@gmail.com"), directory, thread_of(MUELLER, 10)
    )
    assert (result.customer_id, result.method, result.order_id) == (MUELLER, LinkMethod.THREAD, 10)
    assert not result.ambiguous


def test_shared_contact_with_disagreeing_evidence(directory: FakeDirectory) -> None:
    mail = make_mail("PO 77001", sender="purchasing.team@gmail.com")
    result = triage(mail, directory, thread_of(MUELLER, 10))
    assert result.customer_id is None and result.order_id is None and result.ambiguous
    assert has_reason(result, "the evidence disagrees")


# -- (5) company name in signature / display name ------------------------------------------


def test_signature_fuzzy_match(directory: FakeDirectory) -> None:
    mail = make_mail(
        "Anfrage",
        "Bitte Angebot.",
        sender="hans.meier@gmx.de",
        signature="Hans Meier\nEinkauf\nMuller Elektronic GmbH\nTel. +49 711 123",
    )
    result = triage(mail, directory, intent=Intent.INQUIRY)
    assert (result.customer_id, result.method) == (MUELLER, LinkMethod.SIGNATURE)
    assert has_reason(result, "≈ Müller Elektronik GmbH")


def test_display_name_match(directory: FakeDirectory) -> None:
    mail = make_mail("RFQ", sender="Nordic Circuits Purchasing <rfq@outlook.com>")
    result = triage(mail, directory)
    assert (result.customer_id, result.method) == (NORDIC, LinkMethod.SIGNATURE)


def test_weak_name_similarity_is_ignored(directory: FakeDirectory) -> None:
    mail = make_mail("RFQ", sender="x@new.com", signature="Acme Electronics Ltd\nSales Manager")
    result = triage(mail, directory)
    assert result.customer_id is None and result.method is LinkMethod.NONE


def test_signature_tie_is_ambiguous(directory: FakeDirectory) -> None:
    directory.add_customer(5, "C005", "Nordic Circuits Oy")
    mail = make_mail("RFQ", sender="x@new.com", signature="Nordic Circuits")
    result = triage(mail, directory, intent=Intent.INQUIRY)
    assert result.customer_id is None and result.ambiguous
    assert result.method is LinkMethod.NONE
    assert has_reason(result, "fits several customers")


def test_signature_not_used_when_address_known(directory: FakeDirectory) -> None:
    mail = make_mail("x", sender="buyer@acme-robotics.com", signature="Nordic Circuits AB")
    result = triage(mail, directory)
    assert result.customer_id == ACME
    assert ("customer_names", None) not in directory.calls


# -- prospects and nothing -----------------------------------------------------------------


def test_unknown_inquiry_sender_becomes_prospect(directory: FakeDirectory) -> None:
    mail = make_mail("RFQ 4-layer PCB", sender="Ana <ana@newbuyer.com.br>")
    result = triage(mail, directory, intent=Intent.INQUIRY)
    assert result.method is LinkMethod.PROSPECT and result.customer_id is None
    assert not result.ambiguous
    assert "unknown sender ana@newbuyer.com.br of an inquiry: new prospect" in result.reasons


@pytest.mark.parametrize("intent", [Intent.ORDER, Intent.OTHER, None])
def test_unknown_sender_without_inquiry_stays_unfiled(
    directory: FakeDirectory, intent: Intent | None
) -> None:
    result = triage(make_mail("hi", sender="ana@newbuyer.com.br"), directory, intent=intent)
    assert result.method is LinkMethod.NONE and result.customer_id is None


def test_no_sender_at_all(directory: FakeDirectory) -> None:
    result = triage(make_mail("?", sender=None), directory, intent=Intent.INQUIRY)
    assert result.method is LinkMethod.NONE and has_reason(result, "no sender address")


# -- helpers -------------------------------------------------------------------------------


def test_normalise_number() -> None:
    assert normalise_number("PO 45001") == normalise_number("po-45001") == "PO45001"
    assert normalise_number("PI-XX-2026/031") == "PIXX2026031"


def test_find_numbers_keys_and_order() -> None:
    mail = make_mail(
        "PO 45001",
        "see SO-2026-0088, 4500012345 and PO 45001 again",
        attachments=["PI_XX_2026_031.pdf"],
    )
    found = find_numbers(mail)
    assert [(f.text, f.where) for f in found] == [
        ("PO 45001", "subject"),
        ("SO-2026-0088", "text"),
        ("4500012345", "text"),
        ("PI_XX_2026_031", "attachment PI_XX_2026_031.pdf"),
    ]
    assert found[0].keys == ("PO45001", "45001")


def test_find_numbers_is_bounded() -> None:
    body = " ".join(f"SO-2026-{i:04d}" for i in range(500))
    assert len(find_numbers(make_mail("x", body), limit=60)) == 60


def test_parent_domains() -> None:
    assert parent_domains("Mail.Acme.com") == ["mail.acme.com", "acme.com"]
    assert parent_domains("localhost") == ["localhost"]


@pytest.mark.parametrize(
    ("name", "norm"),
    [
        ("Müller Elektronik GmbH", "mueller elektronik"),
        ("Shenzhen Bright PCB Co., Ltd.", "shenzhen bright pcb"),
        ("深圳明亮电路有限公司", "深圳明亮电路"),
        ("Electrónica Ibérica S.A.", "electronica iberica"),
        ("ACME Robotics, Inc.", "acme robotics"),
    ],
)
def test_normalise_name(name: str, norm: str) -> None:
    assert normalise_name(name) == norm


def test_match_names_skips_tiny_names() -> None:
    assert match_names(["AB Sales"], [(1, "AB Ltd"), (2, "K&K GmbH")]) == []


def test_company_line() -> None:
    assert company_line("Hans\nEinkauf\nMüller Elektronik GmbH\n+49") == "Müller Elektronik GmbH"
    assert company_line("王经理\n深圳明亮电路有限公司") == "深圳明亮电路有限公司"
    assert company_line("Hans\nSales Manager") is None
