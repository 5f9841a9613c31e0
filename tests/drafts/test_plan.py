"""The draft stage, purely: whether to draft, template, subject, recipients, threading, relay."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from support.apptools import ROOT

from mailagent.config import DraftSettings, SalespersonSettings
from mailagent.context import CustomerInfo
from mailagent.drafts import plan as draft
from mailagent.drafts.pricing import PriceList, load_price_list
from mailagent.drafts.templating import TemplateCatalog, scan_templates
from mailagent.drafts.variables import (
    DraftEnv,
    MessageFacts,
    OrderFacts,
    contact_names,
    reply_subject,
)
from mailagent.errors import ConfigError
from mailagent.records import Address, AutoReplyKind, Disposition, Intent

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CATALOG = scan_templates(ROOT / "templates")
ENV = DraftEnv(
    settings=DraftSettings(
        reference_prefix="HX",
        salespeople=[SalespersonSettings("lily.chen@huaxin-pcb.com", "Lily Chen", "陈莉")],
    ),
    from_address=Address("", "sales@huaxin-pcb.com"),
    own_domains=("huaxin-pcb.com",),
    own_addresses=frozenset({"sales@huaxin-pcb.com", "huaxin.sales@gmail.com"}),
    quality_address="quality@huaxin-pcb.com",
)
MUELLER = CustomerInfo(
    2, "MUELLER", "Müller Elektronik GmbH", "DE", "Europe/Berlin", "de", "lily.chen@huaxin-pcb.com"
)
SO_0088 = OrderFacts(
    "SO-2026-0088",
    "4500123871",
    "PI-HX-2026-031",
    "in_production",
    "EUR",
    Decimal("12480.00"),
    Decimal("3744.00"),
    date(2026, 10, 12),
    date(2026, 11, 12),
)


@pytest.fixture(scope="module")
def plist() -> PriceList:
    return load_price_list(ROOT / "mailagent" / "demo" / "archive" / "pricelist.csv")


def facts(**kw: object) -> MessageFacts:
    base = MessageFacts(
        message_pk=31,
        message_id="claim-1@mueller-elektronik.de",
        subject="Reklamation: Delamination",
        from_=Address("Krüger, Stefan", "s.krueger@mueller-elektronik.de"),
        received_at=datetime(2026, 11, 9, 13, 22, tzinfo=UTC),
        new_text="Guten Tag, wir haben Delamination festgestellt.",
        to=(Address("", "sales@huaxin-pcb.com"), Address("", "j.hoffmann@mueller-elektronik.de")),
        cc=(Address("Lily", "lily.chen@huaxin-pcb.com"), Address("", "qs@mueller-elektronik.de")),
        references=("root@mueller-elektronik.de", "reply@huaxin-pcb.com"),
        in_reply_to="reply@huaxin-pcb.com",
        language="de",
        intent=Intent.COMPLAINT,
        thread_id=12,
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def plan(msg: MessageFacts, **kw: object) -> draft.DraftPlan:
    args: dict[str, object] = {
        "customer": MUELLER,
        "order": None,
        "price_list": None,
        "templates": CATALOG,
        "env": ENV,
        "now": NOW,
    }
    args.update(kw)
    result = draft.run(msg, **args)  # type: ignore[arg-type]
    assert result is not None
    return result


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"disposition": Disposition.NO_REPLY}, "disposition no_reply"),
        ({"auto_reply": AutoReplyKind.AUTO_REPLY}, "machine-generated (auto_reply)"),
        ({"direction": "outbound"}, "our own outgoing mail"),
        ({"intent": Intent.OTHER}, "intent other"),
        ({"intent": None}, "intent other"),
        ({"from_": Address("", "lily.chen@huaxin-pcb.com")}, "one of our own"),
        ({"from_": None}, "no From or Reply-To"),
    ],
)
def test_no_draft_and_why(changes: dict[str, object], reason: str) -> None:
    msg = facts(**changes)
    assert reason in (draft.skip_reason(msg, ENV) or "")
    assert draft.run(msg, MUELLER, None, None, CATALOG, ENV, NOW) is None


def test_complaint_reply_and_relay(plist: PriceList) -> None:
    p = plan(facts(), order=SO_0088, price_list=plist)
    reply, relay = p.drafts
    assert reply.kind == "reply" and relay.kind == "relay"
    assert (reply.context.kind, reply.context.lang) == ("complaint", "de")
    assert p.reference == "SO-2026-0088"  # the linked order's number is the token
    assert reply.context.subject == "Re: [SO-2026-0088] Reklamation: Delamination"
    assert plan(facts()).reference == "HX-C2026-0012"  # else: prefix, intent, year, thread
    assert [a.email for a in reply.to] == ["s.krueger@mueller-elektronik.de"]
    # the other customer addresses stay in Cc; ours (sales@, Lily) do not
    assert [a.email for a in reply.cc] == [
        "j.hoffmann@mueller-elektronik.de",
        "qs@mueller-elektronik.de",
    ]
    assert reply.in_reply_to == "claim-1@mueller-elektronik.de"
    assert reply.references == (
        "root@mueller-elektronik.de",
        "reply@huaxin-pcb.com",
        "claim-1@mueller-elektronik.de",
    )
    assert reply.quote == ()
    assert relay.context.kind == "internal/complaint_relay" and relay.context.lang == "zh"
    assert [a.email for a in relay.to] == ["quality@huaxin-pcb.com"]
    assert [a.email for a in relay.cc] == ["lily.chen@huaxin-pcb.com"]
    assert relay.in_reply_to is None and not relay.auto_send
    assert "translation pending: the relay shows the original text" in relay.notes
    v = reply.context.variables
    assert v["contact"] == {
        "name": "Stefan Krüger",
        "first_name": "Stefan",
        "email": "s.krueger@mueller-elektronik.de",
    }
    # promised from now (the drafting time), never from the mail's arrival: never in the past
    assert v["complaint"]["respond_by"].isoformat() == "2026-11-21T09:00:00+01:00"  # Berlin
    assert v["order"]["outstanding"] == Decimal("8736.00")
    assert v["salesperson"]["name_local"] == "陈莉"


def test_auto_relay_and_no_quality_address() -> None:
    auto = dataclasses.replace(ENV, settings=DraftSettings(auto_relay_complaints=True))
    assert plan(facts(), env=auto).drafts[1].auto_send
    none = dataclasses.replace(ENV, quality_address="")
    p = plan(facts(), env=none)
    assert [d.kind for d in p.drafts] == ["reply"]
    assert "no team.quality_address: complaint not relayed" in p.reasons


def test_reply_to_wins_and_duplicates_are_dropped() -> None:
    msg = facts(reply_to=(Address("QS", "qs@mueller-elektronik.de"),))
    reply = plan(msg).drafts[0]
    assert [a.email for a in reply.to] == ["qs@mueller-elektronik.de"]
    assert [a.email for a in reply.cc] == ["j.hoffmann@mueller-elektronik.de"]
    assert "reply to Reply-To" in reply.notes


def test_quotation_lines_and_language_of_the_customer_record(plist: PriceList) -> None:
    msg = facts(
        intent=Intent.INQUIRY,
        language="en",
        subject="RFQ",
        new_text="Please quote HX-8L-FR4-1.6: 500 Stück and HX-8L-XX-9 x 10",
    )
    reply = plan(msg, price_list=plist).drafts[0]
    # an English mail from a German customer's engineer gets English
    assert (reply.context.kind, reply.context.lang) == ("inquiry", "en")
    assert "language en: the language the customer wrote in" in reply.notes
    abstained = plan(dataclasses.replace(msg, language="unknown"), price_list=plist).drafts[0]
    assert abstained.context.lang == "de"
    assert "language de: detection abstained, so the customer record's language" in abstained.notes
    preferred = plan(dataclasses.replace(msg, contact_language="es"), price_list=plist).drafts[0]
    assert preferred.context.lang == "es"
    assert "language es: the contact's preference" in preferred.notes
    assert [(q.code, q.quantity, q.priced) for q in reply.quote] == [
        ("HX-8L-FR4-1.6", 500, True),
        ("HX-8L-XX-9", 10, False),
    ]
    assert "line 2: unknown product code HX-8L-XX-9: not in the price list" in reply.notes
    quote = reply.context.variables["quote"]
    assert quote["totals"] == [("USD", Decimal("5400.00"))]
    assert quote["valid_until"] == date(2026, 12, 20) and quote["incoterm"] == "FOB Shenzhen"


def test_unknown_language_falls_back_to_english_with_reason() -> None:
    catalog = TemplateCatalog(frozenset({("payment_overdue", "en"), ("payment", "de")}))
    msg = facts(intent=Intent.PAYMENT, new_text="Wann ist die Rechnung fällig?")
    reply = plan(msg, templates=catalog, order=SO_0088).drafts[0]
    assert (reply.context.kind, reply.context.lang) == ("payment_overdue", "en")
    assert "no de template for payment_overdue; used en" in reply.notes
    assert any(
        n.startswith("payment reminder: SO-2026-0088 open EUR 8736.00, 8 days") for n in reply.notes
    )


def test_payment_notice_is_acknowledged_not_reminded() -> None:
    msg = facts(
        intent=Intent.PAYMENT, new_text="Anbei das Zahlungsavis, wir haben heute überwiesen."
    )
    assert plan(msg, order=SO_0088).drafts[0].context.kind == "payment"
    paid = dataclasses.replace(SO_0088, paid_amount=SO_0088.amount)
    assert plan(facts(intent=Intent.PAYMENT), order=paid).drafts[0].context.kind == "payment"


@pytest.mark.parametrize(
    ("subject", "thread_token", "order", "expected"),
    [
        ("AW: RE: Bestellung", None, None, "Re: [HX-O2026-0012] Bestellung"),
        ("Re: [HX-Q2026-0117] RFQ", None, None, "Re: [HX-Q2026-0117] RFQ"),
        ("Status?", "HX-Q2026-0099", None, "Re: [HX-Q2026-0099] Status?"),
        ("回复：订单", None, SO_0088, "Re: [SO-2026-0088] 订单"),
        ("", None, None, "Re: [HX-O2026-0012]"),
    ],
)
def test_reply_subject_token(
    subject: str, thread_token: str | None, order: OrderFacts | None, expected: str
) -> None:
    msg = facts(intent=Intent.ORDER, subject=subject, thread_token=thread_token)
    assert plan(msg, order=order).drafts[0].context.subject == expected


def test_subject_and_name_helpers() -> None:
    assert reply_subject("RE: AW: Re: hello", "T-1") == "Re: [T-1] hello"
    assert reply_subject("Re: [ T-1 ] hello", "T-1") == "Re: [ T-1 ] hello"
    assert reply_subject("Re: [T-1] RE: AW: hello", "T-1") == "Re: [T-1] hello"
    assert reply_subject("PO-45001 - [T-1] item", "T-1") == "Re: PO-45001 - [T-1] item"
    assert contact_names("Dr. Thomas Becker (MEK)") == ("Thomas Becker", "Thomas")
    assert contact_names("陈志明") == ("陈志明", "陈志明")
    assert contact_names("tom@acme.com") == ("", "")


def test_an_intent_without_any_template_is_a_configuration_error() -> None:
    catalog = TemplateCatalog(frozenset({("inquiry", "en")}))
    with pytest.raises(ConfigError, match="no template for complaint"):
        draft.run(facts(), MUELLER, None, None, catalog, ENV, NOW)
