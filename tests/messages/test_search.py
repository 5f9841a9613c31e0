"""Full-text search over stored mail, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from support.apptools import make_app

from mailagent.app import App
from mailagent.capture.ingest import ingest_raw
from mailagent.db import models as m
from mailagent.messages import search
from mailagent.messages.listing import MessageFilter, count_found, list_messages
from mailagent.messages.search import terms


def _raw(
    n: int, subject: str, body: str, sender: str, attachment: tuple[str, bytes] | None = None
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@huaxin-pcb.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 2 + n, 9, 0, tzinfo=UTC))
    msg["Message-ID"] = f"<search-{n}@example.com>"
    msg.set_content(body)
    if attachment:
        msg.add_attachment(
            attachment[1], maintype="application", subtype="zip", filename=attachment[0]
        )
    return msg.as_bytes()


MAILS = [
    _raw(
        1,
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow",
        "Sehr geehrte Damen und Herren,\nwir haben Blasen nach dem Reflow festgestellt.",
        "Jürgen Hoffmann <j.hoffmann@mueller-elektronik.de>",
    ),
    _raw(
        2,
        "询价：LED铝基板 1.6mm 导热2.0W",
        "您好，请报价铝基板20K pcs，谢谢。",
        "王先生 <wang@harbourstar.com.hk>",
    ),
    _raw(
        3,
        "PO-45001 AR-MC6 Rev A, 1,000 pcs",
        "Please find our purchase order attached. Gerber files as agreed.",
        "Tom Baker <tom@acmerobotics.com>",
        ("AR-MC6_gerber_revA.zip", b"PK\x03\x04 not really a zip"),
    ),
    _raw(
        4,
        "Cotação – MCPCB de alumínio",
        "Prezados, solicitamos cotação de 50.000 módulos LED lineares.",
        "Ana Souza <ana@nordeste-led.com.br>",
    ),
]


@pytest.fixture
def app(tmp_path: Path, db_url: str) -> Iterator[App]:
    a = make_app(tmp_path, db_url)
    ingest_raw(a, [(raw, f"m{i}.eml") for i, raw in enumerate(MAILS)], triage=False)
    yield a
    a.close()


def _subjects(app: App, query: str, **kw: object) -> list[str]:
    rows = list_messages(app, MessageFilter(text=query, **kw))  # type: ignore[arg-type]
    return sorted(r.subject for r in rows)


def test_substring_search_in_every_language(app: App) -> None:
    assert _subjects(app, "Reklamation") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "reflow") == ["Reklamationsbericht Q-2026-117: Delamination nach Reflow"]
    assert _subjects(app, "铝基板") == ["询价：LED铝基板 1.6mm 导热2.0W"]  # 3 characters: indexed
    assert _subjects(app, "询价") == ["询价：LED铝基板 1.6mm 导热2.0W"]  # 2: index table scan
    assert _subjects(app, "cotação") == ["Cotação – MCPCB de alumínio"]
    assert _subjects(app, "nothing like this") == []


def test_every_term_must_match_somewhere(app: App) -> None:
    assert _subjects(app, "LED pcs") == ["询价：LED铝基板 1.6mm 导热2.0W"]
    assert _subjects(app, '"purchase order"') == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, '"order purchase"') == []
    assert len(_subjects(app, "LED")) == 2


def test_sender_attachment_and_order_number(app: App) -> None:
    assert _subjects(app, "hoffmann") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "gerber_revA") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, "PO-45001") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    # an order filed to the message is found by its number in any spelling
    with app.sessions() as s, s.begin():
        customer = m.Customer(code="MEK", name="Müller Elektronik GmbH", salesperson="lily")
        s.add(customer)
        s.flush()
        order = m.Order(order_no="SO-2026-0088", customer_id=customer.id, customer_po="4500123871")
        s.add(order)
        s.flush()
        s.execute(
            update(m.Message)
            .where(m.Message.subject.like("Reklamation%"))
            .values(order_id=order.id, customer_id=customer.id)
        )
    # three terms, each found in the indexed order number
    assert _subjects(app, "so 2026 0088") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "so 2027 0088") == []
    assert _subjects(app, "SO2026-0088") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "4500123871") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "müller") == ["Reklamationsbericht Q-2026-117: Delamination nach Reflow"]


def test_translation_is_searchable_and_kept_in_step(app: App) -> None:
    assert _subjects(app, "bubbles") == []
    with app.sessions() as s, s.begin():
        s.execute(
            update(m.Message)
            .where(m.Message.subject.like("Reklamation%"))
            .values(translated_text="Dear Sir or Madam, we found bubbles after reflow.")
        )
    assert _subjects(app, "bubbles") == ["Reklamationsbericht Q-2026-117: Delamination nach Reflow"]
    with app.sessions() as s, s.begin():
        s.execute(
            update(m.Message)
            .where(m.Message.subject.like("Reklamation%"))
            .values(translated_text="Dear Sir or Madam, we found blisters after reflow.")
        )
    assert _subjects(app, "bubbles") == []
    assert _subjects(app, "blisters") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    with app.sessions() as s, s.begin():
        pk = s.scalar(
            m.Message.__table__.select()
            .with_only_columns(m.Message.id)
            .where(m.Message.subject.like("Reklamation%"))
        )
        s.execute(delete(m.Message).where(m.Message.id == pk))
    assert _subjects(app, "blisters") == []


def test_search_combines_with_filters(app: App) -> None:
    assert _subjects(app, "LED", has_attachment=True) == []
    assert _subjects(app, "pcs", has_attachment=True) == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, "pcs", since=datetime(2026, 11, 5, tzinfo=UTC)) == [
        "PO-45001 AR-MC6 Rev A, 1,000 pcs"
    ]
    assert _subjects(app, "pcs", until=datetime(2026, 11, 5, tzinfo=UTC)) == [
        "询价：LED铝基板 1.6mm 导热2.0W"
    ]


def test_hostile_queries_are_plain_text(app: App) -> None:
    assert len(_subjects(app, '"')) == len(MAILS)  # no term at all: no search condition
    for query in ["'; DROP TABLE messages; --", "%", "\\", "NEAR(a b)", "a* OR b", "*"]:
        assert _subjects(app, query) == [], query
    # "_" is a literal underscore (it would match everything unescaped in LIKE)
    assert _subjects(app, "_") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert len(list_messages(app, MessageFilter())) == len(MAILS)


def test_terms() -> None:
    assert terms('  "purchase order"  LED  led ') == ["purchase order", "LED"]
    assert terms('unbalanced "quote') == ["unbalanced", "quote"]
    assert terms("") == []
    assert len(terms(" ".join(f"w{i}" for i in range(20)))) == 8


def test_migration_indexes_mail_stored_before_it(app: App) -> None:
    from alembic import command

    from mailagent.db.session import alembic_config

    cfg = alembic_config(app.engine)
    command.downgrade(cfg, "0013_ops")
    command.upgrade(cfg, "head")
    assert _subjects(app, "Reklamation") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "gerber_revA") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]


def test_store_at_0017_gets_the_word_index_and_lower_case_text(app: App) -> None:
    """A store at the released 0017 (mail in it, one more stored at 0017) is upgraded by
    0018: its order numbers are in the word index (SQLite), its search text is lower case
    (PostgreSQL); 0018 → 0017 → 0018 round-trips."""
    from alembic import command

    from mailagent.db.session import alembic_config

    cfg = alembic_config(app.engine)
    sqlite = app.engine.dialect.name == "sqlite"
    probe = (
        "SELECT count(*) FROM sqlite_master WHERE name = 'message_words'"
        if sqlite
        else "SELECT count(*) FROM message_search WHERE doc <> lower(doc)"
    )
    command.downgrade(cfg, "0017_search2")
    with app.sessions() as s:  # 0017 as released: no word index, mixed-case text
        assert s.scalar(text(probe)) == (0 if sqlite else 4)
    late = _raw(9, "PO-4500000077 Kaufauftrag", "Bestellung anbei.", "Eva <eva@beispiel.de>")
    ingest_raw(app, [(late, "late.eml")], triage=False)  # indexed by 0017's triggers
    command.upgrade(cfg, "head")
    with app.sessions() as s:
        assert s.scalar(text(probe)) == (1 if sqlite else 0)
        if sqlite:  # every row is in the word index, the number is one word of it
            assert search._has_words(s)
            assert s.scalar(text("SELECT count(*) FROM message_words")) == 5
            hits = s.scalar(
                text("SELECT count(*) FROM message_words WHERE message_words MATCH '4500000077'")
            )
            assert hits == 1
    number = "po/4500000077" if sqlite else "PO-4500000077"  # (PostgreSQL: a substring)
    assert _subjects(app, number) == ["PO-4500000077 Kaufauftrag"]
    assert _subjects(app, "Kaufauftrag") == ["PO-4500000077 Kaufauftrag"]  # mixed case
    assert _subjects(app, "Reklamation") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    if sqlite:  # the word index matches message_search exactly
        with app.sessions() as s, s.begin():
            s.execute(text("INSERT INTO message_words (message_words) VALUES ('integrity-check')"))


# -- the newest-first index (migration 0015): translations, customers, orders, paging -----------


def _pk(app: App, subject_prefix: str) -> int:
    with app.sessions() as s:
        pk = s.scalar(select(m.Message.id).where(m.Message.subject.like(subject_prefix + "%")))
    assert pk is not None
    return pk


def test_reader_translations_are_indexed_and_kept_in_step(app: App) -> None:
    """A German mail is found by a word of its English translation (message_translations),
    and the index follows the translation as it is written, rewritten and removed."""
    pk = _pk(app, "Reklamation")
    assert _subjects(app, "blisters") == []
    with app.sessions() as s, s.begin():
        s.add(
            m.MessageTranslation(
                message_id=pk, source_lang="de", target_lang="en", status="queued",
                updated_at=datetime(2026, 11, 3, tzinfo=UTC),
            )
        )  # fmt: skip
    assert _subjects(app, "blisters") == []
    with app.sessions() as s, s.begin():
        s.execute(
            update(m.MessageTranslation)
            .where(m.MessageTranslation.message_id == pk)
            .values(status="done", subject="Complaint report", body="We found blisters.")
        )
    assert _subjects(app, "blisters") == [
        "Reklamationsbericht Q-2026-117: Delamination nach Reflow"
    ]
    assert _subjects(app, "complaint report") == _subjects(app, "blisters")
    with app.sessions() as s, s.begin():
        s.execute(delete(m.MessageTranslation).where(m.MessageTranslation.message_id == pk))
    assert _subjects(app, "blisters") == []


def test_renamed_customer_and_renumbered_order_are_found_by_their_new_names(app: App) -> None:
    pk = _pk(app, "PO-45001")
    with app.sessions() as s, s.begin():
        customer = m.Customer(code="ACME", name="Acme Robotics", salesperson="kevin")
        s.add(customer)
        s.flush()
        order = m.Order(order_no="SO-2026-0100", customer_id=customer.id, pi_number="PI-77812")
        s.add(order)
        s.flush()
        s.execute(
            update(m.Message)
            .where(m.Message.id == pk)
            .values(customer_id=customer.id, order_id=order.id)
        )
    assert _subjects(app, '"acme robotics"') == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, "pi77812") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]  # no separator
    with app.sessions() as s, s.begin():
        s.execute(update(m.Customer).where(m.Customer.code == "ACME").values(name="Zenith Motion"))
        s.execute(
            update(m.Order).where(m.Order.order_no == "SO-2026-0100").values(pi_number="PI-99001")
        )
    assert _subjects(app, '"acme robotics"') == []
    assert _subjects(app, "zenith") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, "PI 99001") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, "pi77812") == []
    with app.sessions() as s, s.begin():  # a removed attachment is no longer found
        s.execute(delete(m.Attachment).where(m.Attachment.message_pk == pk))
    assert _subjects(app, "gerber_revA") == []
    # numbers are words: whole or their beginning, in any spelling
    assert _subjects(app, "so 2026-01") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    assert _subjects(app, "SO20260100") == ["PO-45001 AR-MC6 Rev A, 1,000 pcs"]
    if app.engine.dialect.name == "sqlite":  # the word index followed every change exactly
        assert _subjects(app, "6-0100") == []  # (PostgreSQL: a substring like any term)
        with app.sessions() as s, s.begin():
            s.execute(text("INSERT INTO message_words (message_words) VALUES ('integrity-check')"))


def test_pages_come_newest_first_and_the_count_is_capped(app: App) -> None:
    # "@" (one character, no trigram: the LIKE walk) is in every mail's sender
    newest_first = [r.subject for r in list_messages(app, MessageFilter(text="@", per_page=10))]
    assert newest_first == [r.subject for r in list_messages(app, MessageFilter())]
    pages = [
        [r.subject for r in list_messages(app, MessageFilter(text="@", per_page=2, page=n))]
        for n in (1, 2, 3)
    ]
    assert pages[0] + pages[1] == newest_first and pages[2] == []
    assert [r.subject for r in list_messages(app, MessageFilter(text="LED"))] == [
        s for s in newest_first if "LED" in s or "MCPCB" in s
    ]
    assert count_found(app, MessageFilter(text="@")) == (4, False)
    assert count_found(app, MessageFilter(text="@"), cap=3) == (3, True)
    assert count_found(app, MessageFilter(text="@", language="xx")) == (0, False)


def test_filters_combine_with_the_search(app: App) -> None:
    pk = _pk(app, "Reklamation")
    with app.sessions() as s, s.begin():
        customer = m.Customer(code="MEK", name="Müller Elektronik GmbH", salesperson="lily@x")
        s.add(customer)
        s.flush()
        s.execute(
            update(m.Message)
            .where(m.Message.id == pk)
            .values(customer_id=customer.id, intent="complaint", language="de")
        )
        s.add(
            m.SlaClock(
                message_pk=pk, policy_id="complaint", intent="complaint", metric="answered",
                timezone="UTC", started_at=datetime(2026, 11, 3, tzinfo=UTC),
                due_at=datetime(2026, 11, 4, tzinfo=UTC), warn_at=datetime(2026, 11, 4, tzinfo=UTC),
                state="breached", created_at=datetime(2026, 11, 3, tzinfo=UTC),
                evaluated_at=datetime(2026, 11, 4, tzinfo=UTC),
            )
        )  # fmt: skip
    subject = ["Reklamationsbericht Q-2026-117: Delamination nach Reflow"]
    combined = {
        "intent": "complaint",
        "language": "de",
        "salesperson": "lily@x",
        "customer_code": "MEK",
        "sla": "breached",
        "disposition": "process",
        "since": datetime(2026, 11, 3, tzinfo=UTC),
        "until": datetime(2026, 11, 4, tzinfo=UTC),
    }
    assert _subjects(app, "reflow", **combined) == subject
    for key, other in [
        ("intent", "order"),
        ("language", "en"),
        ("salesperson", "kevin@x"),
        ("customer_code", "ACME"),
        ("sla", "met"),
        ("disposition", "filtered"),
        ("since", datetime(2026, 11, 4, tzinfo=UTC)),
        ("has_attachment", True),
    ]:
        assert _subjects(app, "reflow", **{**combined, key: other}) == [], key


def test_postgres_newest_window_falls_back_to_the_full_query(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a page is first looked for among the newest ``WINDOW`` index rows; when
    they do not fill it the full query runs: the answer is the same either way."""
    if app.engine.dialect.name != "postgresql":
        pytest.skip("the window is PostgreSQL's (SQLite's index walks newest first itself)")
    for window in (1, 2, 100):
        monkeypatch.setattr(search, "WINDOWS", (window, 4 * window))
        assert _subjects(app, "LED") == [
            "Cotação – MCPCB de alumínio",
            "询价：LED铝基板 1.6mm 导热2.0W",
        ]
        newest = list_messages(app, MessageFilter(text="LED", per_page=1))
        assert [r.subject for r in newest] == ["Cotação – MCPCB de alumínio"]
        since = datetime(2026, 11, 5, tzinfo=UTC)
        assert _subjects(app, "LED", until=since) == ["询价：LED铝基板 1.6mm 导热2.0W"]


def test_search_select_is_one_ordered_limited_query_on_both_databases(app: App) -> None:
    dialect = app.engine.dialect.name
    stmt = search.search_select("SO2026-0088 ab", dialect, [m.Message.intent == "order"])
    assert stmt is not None
    sql = str(stmt.limit(50).compile(app.engine))
    assert "ORDER BY" in sql and "LIMIT" in sql
    if dialect == "sqlite":  # an order number: the word index; "ab" checked by LIKE
        assert "message_words MATCH" in sql and "LIKE" in sql
        assert sql.index("message_words MATCH") < sql.index("ORDER BY")
        trigrams = search.search_select("Reklamation ab", dialect)
        assert trigrams is not None and "message_search MATCH" in str(trigrams.compile())
    else:  # the index text is lower case: LIKE lower(pattern), no ILIKE
        assert "LIKE lower(" in sql and "ILIKE" not in sql.upper() and "received_at DESC" in sql
    assert search.search_select('  ""  ', dialect) is None
