"""SqlDirectory, prospects and manual re-filing against a migrated database (SQLite + PG)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from support.mailfactory import make_mail

from mailagent.context import Directory
from mailagent.db.directory import SqlDirectory, apply_link, create_prospect, is_manual, refile
from mailagent.db.models import AuditEvent, Contact, Customer, CustomerDomain, Message, Order
from mailagent.db.session import make_engine, session_factory, upgrade
from mailagent.records import Intent, Link, LinkMethod
from mailagent.triage.stages.link import filing as link

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FREE = frozenset({"gmail.com", "163.com"})


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    upgrade(engine)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


def add_customer(s: Session, code: str, name: str, *domains: str) -> Customer:
    row = Customer(code=code, name=name, status="customer")
    row.domains = [CustomerDomain(domain=d) for d in domains]
    s.add(row)
    s.flush()
    return row


@pytest.fixture
def seeded(session: Session) -> dict[str, int]:
    acme = add_customer(session, "C001", "Acme Robotics Inc.", "acme-robotics.com")
    mueller = add_customer(session, "C002", "Müller Elektronik GmbH", "mueller-elektronik.de")
    eu = add_customer(session, "C003", "Acme Europe B.V.", "eu.acme-robotics.com")
    session.add_all(
        [
            Contact(customer_id=acme.id, name="Li Wei", email="li.wei@gmail.com"),
            Contact(customer_id=mueller.id, name="Team", email="li.wei@gmail.com"),
            Contact(customer_id=mueller.id, name="Hans", email="hans@mueller-elektronik.de"),
            Order(
                order_no="SO-2026-0088",
                customer_id=mueller.id,
                customer_po="PO-45001",
                pi_number="PI-XX-2026-031",
                status="in_production",
            ),
            Order(order_no="SO-2026-0100", customer_id=acme.id, customer_po="4500012345"),
            Order(order_no="so 2026 0101", customer_id=acme.id, customer_po="po#77001"),
        ]
    )
    session.flush()
    ids = {"acme": acme.id, "mueller": mueller.id, "eu": eu.id}
    ids.update({o.order_no: o.id for o in session.scalars(select(Order))})
    return ids


def make_message(s: Session, **fields: object) -> Message:
    row = Message(
        message_id="m1@example.com",
        raw_sha256="0" * 64,
        raw_size=10,
        received_at=NOW,
        created_at=NOW,
        **fields,
    )
    s.add(row)
    s.flush()
    return row


# -- SqlDirectory ------------------------------------------------------------------------


def test_is_a_directory(session: Session) -> None:
    directory: Directory = SqlDirectory(session)
    assert directory.customer_names() == []


def test_contacts_by_email_exact_lower_case(session: Session, seeded: dict[str, int]) -> None:
    d = SqlDirectory(session)
    hits = d.contacts_by_email(" Li.Wei@GMAIL.com ")
    assert sorted(h.customer_id for h in hits) == sorted([seeded["acme"], seeded["mueller"]])
    assert {h.email for h in hits} == {"li.wei@gmail.com"}
    assert d.contacts_by_email("li.wei@gmail.co") == []


def test_customer_by_domain_and_parents(session: Session, seeded: dict[str, int]) -> None:
    d = SqlDirectory(session)
    exact = d.customer_by_domain("mueller-elektronik.de")
    assert exact is not None and exact.code == "C002"
    parent = d.customer_by_domain("Mail.Mueller-Elektronik.DE")
    assert parent is not None and parent.id == seeded["mueller"]
    nearest = d.customer_by_domain("smtp.eu.acme-robotics.com")
    assert nearest is not None and nearest.code == "C003"  # eu.acme… beats acme…
    assert d.customer_by_domain("robotics.com") is None
    assert d.customer_by_domain("de") is None


def test_customer(session: Session, seeded: dict[str, int]) -> None:
    d = SqlDirectory(session)
    info = d.customer(seeded["mueller"])
    assert info is not None and (info.code, info.name) == ("C002", "Müller Elektronik GmbH")
    assert d.customer(999_999) is None


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        (["PO45001"], ["SO-2026-0088"]),
        (["po-45001"], ["SO-2026-0088"]),
        (["SO20260088"], ["SO-2026-0088"]),
        (["pi xx 2026/031"], ["SO-2026-0088"]),
        (["4500012345"], ["SO-2026-0100"]),
        (["SO-2026-0101", "PO 77001"], ["so 2026 0101"]),
        (["45001"], []),  # the bare digits are not "PO-45001"; link_tokens asks for both
        ([], []),
        (["", "  "], []),
        (["PO45001", "4500012345"], ["SO-2026-0088", "SO-2026-0100"]),
    ],
)
def test_orders_by_numbers_normalised(
    session: Session, seeded: dict[str, int], numbers: list[str], expected: list[str]
) -> None:
    found = SqlDirectory(session).orders_by_numbers(numbers)
    assert sorted(o.order_no for o in found) == sorted(expected)


def test_orders_by_numbers_among_thousands(session: Session, seeded: dict[str, int]) -> None:
    session.add_all(
        Order(order_no=f"SO-2025-{i:04d}", customer_id=seeded["acme"], customer_po=f"PO-{i}")
        for i in range(3000)
    )
    session.flush()
    keys = [f"PO{i}" for i in range(0, 3000, 7)] + ["SO20252999"]
    found = SqlDirectory(session).orders_by_numbers(keys)
    assert len(found) == len(range(0, 3000, 7)) + 1
    info = next(o for o in found if o.order_no == "SO-2025-2999")
    assert (info.customer_id, info.customer_po) == (seeded["acme"], "PO-2999")


def test_customer_names(session: Session, seeded: dict[str, int]) -> None:
    assert [n for _, n in SqlDirectory(session).customer_names()] == [
        "Acme Robotics Inc.",
        "Müller Elektronik GmbH",
        "Acme Europe B.V.",
    ]


def test_link_stage_over_sql_directory(session: Session, seeded: dict[str, int]) -> None:
    mail = make_mail("PO 45001 delivery date?", sender="hans@mail.mueller-elektronik.de")
    result = link.run(
        mail,
        SqlDirectory(session),
        None,
        intent=Intent.ORDER,
        free_mail_domains=FREE,
        own_domains=("ourpcb.com",),
    )
    assert (result.customer_id, result.method) == (seeded["mueller"], LinkMethod.DOMAIN)
    assert (result.order_id, result.order_method) == (
        seeded["SO-2026-0088"],
        LinkMethod.ORDER_NUMBER,
    )
    shared = make_mail("Re: order", "about SO-2026-0100", sender="li.wei@gmail.com")
    result = link.run(
        shared,
        SqlDirectory(session),
        None,
        intent=Intent.ORDER,
        free_mail_domains=FREE,
        own_domains=(),
    )
    assert (result.customer_id, result.order_id, result.ambiguous) == (
        seeded["acme"],
        seeded["SO-2026-0100"],
        False,
    )


# -- prospects -----------------------------------------------------------------------------


def test_create_prospect_from_company_mail(session: Session, seeded: dict[str, int]) -> None:
    mail = make_mail(
        "RFQ",
        sender="Ana Souza <Ana@NewBuyer.com.br>",
        signature="Ana Souza\nCompras\nNewBuyer Eletrônicos Ltda.",
    )
    pk = create_prospect(session, mail, NOW, free_mail_domains=FREE)
    row = session.get(Customer, pk)
    assert row is not None
    assert (row.code, row.name, row.status) == (
        "P-newbuyer.com.br-1",
        "NewBuyer Eletrônicos Ltda.",
        "prospect",
    )
    assert [d.domain for d in row.domains] == ["newbuyer.com.br"]
    assert [(c.email, c.name) for c in row.contacts] == [("ana@newbuyer.com.br", "Ana Souza")]
    event = session.scalars(select(AuditEvent)).one()
    assert event.action == "customer.prospect_created" and event.detail["customer_id"] == pk
    assert create_prospect(session, mail, NOW, free_mail_domains=FREE) == pk  # idempotent
    d = SqlDirectory(session)
    hit = d.customer_by_domain("newbuyer.com.br")
    assert hit is not None and hit.status == "prospect"


def test_create_prospect_from_free_mail(session: Session, seeded: dict[str, int]) -> None:
    first = create_prospect(
        session, make_mail("RFQ", sender="Bob Lee <bob.lee@163.com>"), NOW, free_mail_domains=FREE
    )
    second = create_prospect(
        session, make_mail("RFQ", sender="bob.lee@gmail.com"), NOW, free_mail_domains=FREE
    )
    rows = {r.id: r for r in session.scalars(select(Customer).where(Customer.status == "prospect"))}
    assert (rows[first].code, rows[first].name) == ("P-bob.lee-1", "Bob Lee")
    assert (rows[second].code, rows[second].name) == ("P-bob.lee-2", "bob.lee@gmail.com")
    assert rows[first].domains == [] and rows[second].domains == []


def test_create_prospect_never_steals_a_domain(session: Session, seeded: dict[str, int]) -> None:
    mail = make_mail("RFQ", sender="new@acme-robotics.com")
    pk = create_prospect(session, mail, NOW)
    row = session.get(Customer, pk)
    assert row is not None and row.domains == [] and row.name == "acme-robotics.com"
    assert session.scalar(select(func.count()).select_from(CustomerDomain)) == 3


def test_create_prospect_needs_a_sender(session: Session) -> None:
    with pytest.raises(ValueError, match="no sender"):
        create_prospect(session, make_mail("x", sender=None), NOW)


# -- manual re-filing ----------------------------------------------------------------------


def test_refile_is_manual_and_audited(session: Session, seeded: dict[str, int]) -> None:
    msg = make_message(
        session,
        customer_id=seeded["acme"],
        link_method="contact",
        link_reasons=["contact li.wei@gmail.com belongs to Acme"],
        link_ambiguous=True,
    )
    assert not is_manual(session, msg.id)
    refile(session, msg.id, None, seeded["SO-2026-0088"], "amy", NOW, note="her PO")
    session.flush()
    assert (msg.customer_id, msg.order_id) == (seeded["mueller"], seeded["SO-2026-0088"])
    assert (msg.link_method, msg.order_link_method) == ("manual", "manual")
    assert msg.link_manual and not msg.link_ambiguous
    assert msg.link_reasons == [
        "re-filed by amy: customer Müller Elektronik GmbH (C002) (was Acme Robotics Inc. (C001))",
        "order SO-2026-0088 (was none)",
        "note: her PO",
    ]
    event = session.scalars(select(AuditEvent)).one()
    assert (event.actor, event.action, event.message_pk, event.at) == (
        "amy",
        "message.refile",
        msg.id,
        event.at,
    )
    assert event.detail["before"]["customer_id"] == seeded["acme"]
    assert event.detail["before"]["reasons"] == ["contact li.wei@gmail.com belongs to Acme"]
    assert is_manual(session, msg.id)


def test_retriage_does_not_overwrite_manual_link(session: Session, seeded: dict[str, int]) -> None:
    msg = make_message(session)
    auto = Link(seeded["acme"], None, LinkMethod.CONTACT, LinkMethod.NONE, ("contact x",))
    assert apply_link(session, msg.id, auto) is True
    assert (msg.customer_id, msg.link_method, msg.link_reasons) == (
        seeded["acme"],
        "contact",
        ["contact x"],
    )
    refile(session, msg.id, seeded["eu"], None, "amy", NOW)
    assert apply_link(session, msg.id, auto) is False
    assert (msg.customer_id, msg.link_method) == (seeded["eu"], "manual")


def test_refile_to_nothing(session: Session, seeded: dict[str, int]) -> None:
    msg = make_message(session, customer_id=seeded["acme"])
    refile(session, msg.id, None, None, "amy", NOW)
    assert msg.customer_id is None and msg.link_manual
    assert msg.link_reasons[0] == "re-filed by amy: customer none (was Acme Robotics Inc. (C001))"


def test_refile_rejects_inconsistent_input(session: Session, seeded: dict[str, int]) -> None:
    msg = make_message(session)
    with pytest.raises(ValueError, match="belongs to customer"):
        refile(session, msg.id, seeded["acme"], seeded["SO-2026-0088"], "amy", NOW)
    with pytest.raises(LookupError, match="customer 424242"):
        refile(session, msg.id, 424242, None, "amy", NOW)
    with pytest.raises(LookupError, match="order 424242"):
        refile(session, msg.id, None, 424242, "amy", NOW)
    with pytest.raises(LookupError, match="message 424242"):
        refile(session, 424242, None, None, "amy", NOW)
    assert not is_manual(session, msg.id)
    assert not is_manual(session, 424242)


@pytest.mark.parametrize(
    ("second_sender", "same_customer"),
    [("Tom <tom@racer-tech.com>", True), ("Anna <anna@racer-tech.com>", False)],
)
def test_create_prospect_survives_a_concurrent_creation(
    db_url: str, second_sender: str, same_customer: bool
) -> None:
    """Two triage workers on one PostgreSQL create a prospect for the same domain at once:
    the loser's insert waits on the unique code, then retries against the winner's rows."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no concurrent creation")
    engine = make_engine(db_url)
    upgrade(engine)
    factory = session_factory(engine)
    first = make_mail("RFQ", sender="Tom <tom@racer-tech.com>")
    second = make_mail("RFQ", sender=second_sender)
    outcome: dict[str, object] = {}

    def loser() -> None:
        try:
            with factory() as s, s.begin():
                outcome["id"] = create_prospect(s, second, NOW)
        except Exception as exc:  # reported below
            outcome["error"] = exc

    with factory() as winner_session:
        winner_session.begin()
        winner = create_prospect(winner_session, first, NOW)  # flushed, not committed
        thread = threading.Thread(target=loser)
        thread.start()
        time.sleep(0.5)  # the loser is now blocked on the winner's customer code
        assert thread.is_alive()
        winner_session.commit()
        thread.join(20)
    assert "error" not in outcome, outcome.get("error")
    with factory() as s:
        prospects = {c.id: c for c in s.scalars(select(Customer))}
        if same_customer:
            assert outcome["id"] == winner and len(prospects) == 1
        else:
            other = prospects[int(str(outcome["id"]))]
            assert other.id != winner and other.code == "P-racer-tech.com-2"
            assert other.domains == [], "the domain stays with the prospect created first"
            assert [d.domain for d in prospects[winner].domains] == ["racer-tech.com"]
    engine.dispose()
