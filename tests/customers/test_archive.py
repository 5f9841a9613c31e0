"""Customer archive import: CSV/XLSX reading, row-level errors, all-or-nothing, idempotence.

Database tests run on SQLite and PostgreSQL through the shared ``db_url`` fixture.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mailagent.customers.archive import ImportCounts, ImportReport, import_archive
from mailagent.db.models import Contact, Customer, CustomerDomain, Order
from mailagent.db.session import make_engine, session_factory, upgrade
from mailagent.errors import ImportDataError

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Factory = sessionmaker[Session]

CUSTOMERS = [
    ["code", "name", "country", "timezone", "language", "domains", "salesperson", "status"],
    ["C001", "Acme Robotics Inc.", "US", "America/Chicago", "en",
     "acme-robotics.com; acme.us", "amy@ourpcb.com", ""],
    ["C002", "Müller Elektronik GmbH", "DE", "Europe/Berlin", "de", "mueller-elektronik.de",
     "tom@ourpcb.com", "customer"],
    ["C003", "Nordic Circuits AB", "SE", "Europe/Stockholm", "sv", "", "", "prospect"],
]  # fmt: skip
CONTACTS = [
    ["customer_code", "name", "email", "phone", "role"],
    ["C001", "Li Wei", "Li.Wei@gmail.com", "+1 312 555 0100", "buyer"],
    ["C002", "Hans Meier", "hans.meier@mueller-elektronik.de", "", "Einkauf"],
    ["C003", "Purchasing", "li.wei@gmail.com", "", ""],  # one free-mail box, two customers
]
ORDERS = [
    ["order_no", "customer_code", "customer_po", "pi_number", "status", "currency", "amount",
     "order_date", "due_date", "paid_amount"],
    ["SO-2026-0088", "C002", "PO-45001", "PI-XX-2026-031", "in_production", "EUR", "1,234.50",
     "2026-01-15", "2026-02-28", "617.25"],
    ["SO-2026-0100", "C001", "4500012345", "", "confirmed", "usd", "88000", "2026/02/01", "",
     ""],
]  # fmt: skip


# -- helpers -------------------------------------------------------------------------------


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def factory(db_url: str) -> Iterator[Factory]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def counts(factory: Factory) -> tuple[int, int, int, int]:
    with factory() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Customer, CustomerDomain, Contact, Order)
        )


def run(factory: Factory, tmp_path: Path, **files: Sequence[Sequence[Any]]) -> ImportReport:
    paths = {kind: write_csv(tmp_path / f"{kind}.csv", rows) for kind, rows in files.items()}
    return import_archive(
        factory,
        customers=paths.get("customers"),
        contacts=paths.get("contacts"),
        orders=paths.get("orders"),
        now=NOW,
    )


def errors_of(factory: Factory, tmp_path: Path, **files: Sequence[Sequence[Any]]) -> str:
    with pytest.raises(ImportDataError) as info:
        run(factory, tmp_path, **files)
    return str(info.value)


def with_row(rows: Sequence[Sequence[Any]], *extra: Sequence[Any]) -> list[list[Any]]:
    return [list(r) for r in rows] + [list(r) for r in extra]


# -- happy paths ---------------------------------------------------------------------------


def test_csv_import_creates_everything(factory: Factory, tmp_path: Path) -> None:
    report = run(factory, tmp_path, customers=CUSTOMERS, contacts=CONTACTS, orders=ORDERS)
    assert report.customers == ImportCounts(created=3)
    assert report.contacts == ImportCounts(created=3)
    assert report.orders == ImportCounts(created=2)
    assert not report.dry_run
    with factory() as s:
        acme = s.scalars(select(Customer).where(Customer.code == "C001")).one()
        assert acme.status == "customer" and acme.timezone == "America/Chicago"
        assert sorted(d.domain for d in acme.domains) == ["acme-robotics.com", "acme.us"]
        assert acme.created_at is not None
        assert s.scalars(select(Customer.status).where(Customer.code == "C003")).one() == "prospect"
        emails = s.scalars(select(Contact.email).order_by(Contact.id)).all()
        assert emails == [
            "li.wei@gmail.com",
            "hans.meier@mueller-elektronik.de",
            "li.wei@gmail.com",
        ]
        so = s.scalars(select(Order).where(Order.order_no == "SO-2026-0088")).one()
        assert (so.amount, so.paid_amount, so.currency) == (
            Decimal("1234.50"),
            Decimal("617.25"),
            "EUR",
        )
        assert (so.order_date, so.due_date, so.status) == (
            date(2026, 1, 15),
            date(2026, 2, 28),
            "in_production",
        )
        sap = s.scalars(select(Order).where(Order.order_no == "SO-2026-0100")).one()
        assert (sap.currency, sap.amount, sap.paid_amount, sap.due_date) == (
            "USD",
            Decimal("88000.00"),
            Decimal("0.00"),
            None,
        )
        assert sap.order_date == date(2026, 2, 1) and sap.customer_id == acme.id


def test_reimport_is_idempotent(factory: Factory, tmp_path: Path) -> None:
    run(factory, tmp_path, customers=CUSTOMERS, contacts=CONTACTS, orders=ORDERS)
    before = counts(factory)
    again = run(factory, tmp_path, customers=CUSTOMERS, contacts=CONTACTS, orders=ORDERS)
    assert again.customers == ImportCounts(unchanged=3)
    assert again.contacts == ImportCounts(unchanged=3)
    assert again.orders == ImportCounts(unchanged=2)
    assert counts(factory) == before


def test_reimport_updates_by_key(factory: Factory, tmp_path: Path) -> None:
    run(factory, tmp_path, customers=CUSTOMERS, contacts=CONTACTS, orders=ORDERS)
    customers = [list(r) for r in CUSTOMERS]
    customers[1][1], customers[1][5] = "Acme Robotics LLC", "acme-robotics.com"
    orders = [list(r) for r in ORDERS]
    orders[1][4], orders[1][9] = "shipped", "1234.50"
    contacts = [
        CONTACTS[0],
        ["C002", "Hans Meier", "HANS.MEIER@mueller-elektronik.de", "+49 1", ""],
    ]
    report = run(factory, tmp_path, customers=customers, contacts=contacts, orders=orders)
    assert report.customers == ImportCounts(updated=1, unchanged=2)
    assert report.contacts == ImportCounts(updated=1)
    assert report.orders == ImportCounts(updated=1, unchanged=1)
    with factory() as s:
        acme = s.scalars(select(Customer).where(Customer.code == "C001")).one()
        assert acme.name == "Acme Robotics LLC"
        assert [d.domain for d in acme.domains] == ["acme-robotics.com"]
        hans = s.scalars(select(Contact).where(Contact.email.like("hans%"))).one()
        assert (hans.phone, hans.role) == ("+49 1", "")
        so = s.scalars(select(Order).where(Order.order_no == "SO-2026-0088")).one()
        assert (so.status, so.paid_amount) == ("shipped", Decimal("1234.50"))
    assert counts(factory) == (3, 2, 3, 2)


def test_missing_column_leaves_field_alone(factory: Factory, tmp_path: Path) -> None:
    run(factory, tmp_path, customers=CUSTOMERS)
    report = run(factory, tmp_path, customers=[["code", "name"], ["C001", "Acme Robotics Inc."]])
    assert report.customers == ImportCounts(unchanged=1)
    with factory() as s:
        acme = s.scalars(select(Customer).where(Customer.code == "C001")).one()
        assert acme.timezone == "America/Chicago" and len(acme.domains) == 2


def test_domain_can_move_between_customers_in_one_import(factory: Factory, tmp_path: Path) -> None:
    run(factory, tmp_path, customers=CUSTOMERS)
    moved = [
        ["code", "name", "domains"],
        ["C001", "Acme Robotics Inc.", "acme-robotics.com"],
        ["C003", "Nordic Circuits AB", "acme.us"],
    ]
    report = run(factory, tmp_path, customers=moved)
    assert report.customers == ImportCounts(updated=2)
    with factory() as s:
        owner = s.scalars(
            select(Customer.code).join(CustomerDomain).where(CustomerDomain.domain == "acme.us")
        ).one()
        assert owner == "C003"


def test_dry_run_writes_nothing(factory: Factory, tmp_path: Path) -> None:
    paths = [
        write_csv(tmp_path / f"{k}.csv", r)
        for k, r in (("c", CUSTOMERS), ("p", CONTACTS), ("o", ORDERS))
    ]
    report = import_archive(
        factory, customers=paths[0], contacts=paths[1], orders=paths[2], dry_run=True
    )
    assert report.dry_run and report.customers.created == 3 and report.orders.created == 2
    assert counts(factory) == (0, 0, 0, 0)


def test_contacts_and_orders_may_refer_to_existing_customers(
    factory: Factory, tmp_path: Path
) -> None:
    run(factory, tmp_path, customers=CUSTOMERS)
    report = run(factory, tmp_path, contacts=CONTACTS, orders=ORDERS)
    assert report.contacts.created == 3 and report.orders.created == 2
    assert report.customers == ImportCounts()


# -- encodings, delimiters, headers, XLSX --------------------------------------------------


def test_utf8_bom_and_semicolons(factory: Factory, tmp_path: Path) -> None:
    rows = [
        ["Code", "Name", "Domains"],
        ["C010", "Électronique Dupont SARL", "dupont.fr, dupont.be"],
    ]
    path = write_csv(tmp_path / "kunden.csv", rows, encoding="utf-8-sig", delimiter=";")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_archive(factory, customers=path, contacts=None, orders=None)
    assert report.customers.created == 1
    with factory() as s:
        row = s.scalars(select(Customer)).one()
        assert row.name == "Électronique Dupont SARL"
        assert sorted(d.domain for d in row.domains) == ["dupont.be", "dupont.fr"]


def test_gbk_csv_with_chinese_headers(factory: Factory, tmp_path: Path) -> None:
    customers = write_csv(
        tmp_path / "客户.csv",
        [
            ["客户编号", "公司名称", "国家", "时区", "语言", "域名", "业务员", "状态"],
            [
                "C100",
                "深圳明亮电路有限公司",
                "中国",
                "Asia/Shanghai",
                "zh",
                "brightpcb.cn",
                "王芳",
                "潜在客户",
            ],
        ],
        encoding="gbk",
    )
    contacts = write_csv(
        tmp_path / "联系人.csv",
        [
            ["客户编号", "联系人", "邮箱", "电话", "职位"],
            ["C100", "李伟", "liwei@brightpcb.cn", "13800000000", "采购经理"],
        ],
        encoding="gbk",
    )
    orders = write_csv(
        tmp_path / "订单.csv",
        [
            [
                "订单号",
                "客户编号",
                "客户PO",
                "PI号",
                "状态",
                "币种",
                "金额",
                "下单日期",
                "到期日",
                "已付金额",
            ],
            [
                "SO-2026-0200",
                "C100",
                "PO-8801",
                "PI-BP-2026-001",
                "生产中",
                "RMB",
                "￥12,000.00",
                "2026年3月1日",
                "2026-04-01",
                "0",
            ],
        ],
        encoding="gbk",
    )
    with pytest.raises(UnicodeDecodeError):
        customers.read_bytes().decode("utf-8")
    report = import_archive(factory, customers=customers, contacts=contacts, orders=orders)
    assert (report.customers.created, report.contacts.created, report.orders.created) == (1, 1, 1)
    with factory() as s:
        c = s.scalars(select(Customer)).one()
        assert (c.name, c.country, c.status, c.salesperson) == (
            "深圳明亮电路有限公司",
            "CN",  # the country's name, stored as its ISO code
            "prospect",
            "王芳",
        )
        assert s.scalars(select(Contact.role)).one() == "采购经理"
        o = s.scalars(select(Order)).one()
        assert (o.status, o.currency, o.amount, o.order_date) == (
            "in_production",
            "CNY",
            Decimal("12000.00"),
            date(2026, 3, 1),
        )


def test_xlsx_with_named_sheets_excel_dates_and_numbers(factory: Factory, tmp_path: Path) -> None:
    book = write_xlsx(
        tmp_path / "archive.xlsx",
        {
            "Notes": [["exported from ERP"]],
            "Customers": [
                ["CODE", "Name", "Time Zone", "Language", "Domain"],
                [1001, "Acme Robotics Inc.", "america/chicago", "EN-us", "acme-robotics.com"],
            ],
            "Orders": [
                ["Order No", "Customer Code", "Customer PO", "Amount", "Order Date", "Due Date"],
                ["SO-1", 1001, 4500012345, 1234.5, datetime(2026, 1, 15, 8, 30), 45658],
                [None, None, None, None, None, None],
                ["SO-2", 1001, "", 99, date(2026, 2, 1), "2026-03-01"],
            ],
        },
    )
    contacts = write_xlsx(
        tmp_path / "contacts.xlsx",
        {
            "Sheet1": [
                ["Customer Code", "Name", "E-Mail", "Phone"],
                [1001, "Li Wei", "li.wei@gmail.com", 13800000000],
            ],
        },
    )
    report = import_archive(factory, customers=book, contacts=contacts, orders=book)
    assert report.customers.created == 1 and report.orders.created == 2
    assert report.contacts.created == 1
    with factory() as s:
        c = s.scalars(select(Customer)).one()
        assert (c.code, c.timezone, c.language) == ("1001", "America/Chicago", "en")
        o1, o2 = s.scalars(select(Order).order_by(Order.order_no)).all()
        assert (o1.customer_po, o1.amount, o1.order_date, o1.due_date) == (
            "4500012345",
            Decimal("1234.50"),
            date(2026, 1, 15),
            date(2025, 1, 1),
        )
        assert (o2.amount, o2.order_date, o2.due_date) == (
            Decimal("99.00"),
            date(2026, 2, 1),
            date(2026, 3, 1),
        )
        assert s.scalars(select(Contact.phone)).one() == "13800000000"


def test_unknown_columns_are_errors(factory: Factory, tmp_path: Path) -> None:
    """A misnamed column (salesman_email for salesperson) would silently drop its data."""
    rows = [["code", "name", "salesman_email"], ["C1", "X Corp", "amy@ourpcb.com"]]
    with pytest.raises(ImportDataError) as err:
        run(factory, tmp_path, customers=rows)
    assert "customers.csv:row 1: salesman_email: unknown column" in str(err.value)
    with factory() as s:
        assert s.scalars(select(Customer)).all() == []


# -- row-level errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "customers": CUSTOMERS,
                "contacts": with_row(CONTACTS, ["C001", "X", "li.wei@", "", ""]),
            },
            "contacts.csv:row 5: email: 'li.wei@' is not an e-mail address",
            id="bad-email",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "contacts": with_row(CONTACTS, ["C999", "X", "x@y.com", "", ""]),
            },
            "contacts.csv:row 5: customer_code: unknown customer_code 'C999'",
            id="unknown-code",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(ORDERS, ["SO-9", "C404", "", "", "", "", "", "", "", ""]),
            },
            "orders.csv:row 4: customer_code: unknown customer_code 'C404'",
            id="order-code",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C002", "Dup", "", "", "", "", "", ""])},
            "customers.csv:row 5: code: duplicate code 'C002' (also row 3)",
            id="dup-code",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(
                    ORDERS, ["so 2026 0088", "C001", "", "", "", "", "", "", "", ""]
                ),
            },
            "orders.csv:row 4: order_no: duplicate order_no 'so 2026 0088' (also row 2)",
            id="dup-order",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C004", "Copy", "", "", "", "www.acme.us", "", ""])},
            "customers.csv:row 5: domains: domain acme.us is also claimed by C001 (row 2)",
            id="domain-twice",
        ),
        pytest.param(
            {
                "customers": with_row(
                    CUSTOMERS, ["C004", "Gmail user", "", "", "", "gmail.com", "", ""]
                )
            },
            "customers.csv:row 5: domains: gmail.com is a free-mail domain",
            id="free-mail",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C004", "X", "", "", "", "acme", "", ""])},
            "customers.csv:row 5: domains: 'acme' is not a domain name",
            id="bad-domain",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(
                    ORDERS, ["SO-9", "C001", "", "", "", "", "1", "15/01/2026", "", ""]
                ),
            },
            "orders.csv:row 4: order_date: '15/01/2026' is not a date (use YYYY-MM-DD)",
            id="bad-date",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(
                    ORDERS, ["SO-9", "C001", "", "", "", "", "1", "2026-02-30", "", ""]
                ),
            },
            "orders.csv:row 4: order_date: '2026-02-30' is not a valid date",
            id="impossible-date",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C004", "X", "", "Europe/Berln", "", "", "", ""])},
            "customers.csv:row 5: timezone: unknown time zone 'Europe/Berln'",
            id="bad-tz",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C004", "X", "", "", "german", "", "", ""])},
            "customers.csv:row 5: language: 'german' is not an ISO 639-1 language code",
            id="bad-language",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C004", "X", "", "", "", "", "", "vip"])},
            "customers.csv:row 5: status: 'vip' is not one of customer|prospect",
            id="bad-status",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(ORDERS, ["SO-9", "C001", "", "", "paid", "", "", "", "", ""]),
            },
            "orders.csv:row 4: status: 'paid' is not one of quoted|confirmed",
            id="order-status",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(
                    ORDERS, ["SO-9", "C001", "", "", "", "", "1.234,50", "", "", ""]
                ),
            },
            "orders.csv:row 4: amount: '1.234,50' is not an amount",
            id="bad-amount",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(ORDERS, ["SO-9", "C001", "", "", "", "", "-5", "", "", ""]),
            },
            "orders.csv:row 4: amount: '-5' must not be negative",
            id="negative",
        ),
        pytest.param(
            {
                "customers": CUSTOMERS,
                "orders": with_row(ORDERS, ["SO-9", "C001", "", "", "", "EURO", "", "", "", ""]),
            },
            "orders.csv:row 4: currency: 'EURO' is not a 3-letter currency code",
            id="currency",
        ),
        pytest.param(
            {"customers": [["code", "country"], ["C1", "DE"]]},
            "customers.csv:row 1: name: required column missing",
            id="missing-column",
        ),
        pytest.param(
            {"customers": with_row(CUSTOMERS, ["C004", "", "", "", "", "", "", ""])},
            "customers.csv:row 5: name: required",
            id="empty-name",
        ),
    ],
)
def test_row_errors_name_file_row_and_column(
    factory: Factory, tmp_path: Path, files: dict[str, list[list[Any]]], expected: str
) -> None:
    message = errors_of(factory, tmp_path, **files)
    assert expected in message
    assert "nothing was imported" in message
    assert counts(factory) == (0, 0, 0, 0)


def test_chinese_header_named_in_error(factory: Factory, tmp_path: Path) -> None:
    message = errors_of(
        factory, tmp_path, customers=[["客户编号", "公司名称", "时区"], ["C1", "X", "Mars/Base"]]
    )
    assert "customers.csv:row 2: 时区: unknown time zone 'Mars/Base'" in message


def test_all_errors_reported_at_once(factory: Factory, tmp_path: Path) -> None:
    bad_contacts = with_row(
        CONTACTS, ["C001", "X", "nope", "", ""], ["C404", "Y", "y@y.com", "", ""]
    )
    message = errors_of(
        factory,
        tmp_path,
        customers=with_row(CUSTOMERS, ["C005", "Z", "", "Nowhere", "", "", "", ""]),
        contacts=bad_contacts,
    )
    assert message.startswith("3 error(s)")
    assert "customers.csv:row 5: timezone" in message
    assert "contacts.csv:row 5: email" in message
    assert "contacts.csv:row 6: customer_code" in message


def test_invalid_customer_row_does_not_cascade(factory: Factory, tmp_path: Path) -> None:
    customers = [["code", "name", "timezone"], ["C1", "X", "Bad/Zone"]]
    message = errors_of(
        factory,
        tmp_path,
        customers=customers,
        contacts=[["customer_code", "email"], ["C1", "a@x.com"]],
    )
    assert message.startswith("1 error(s)")


def test_error_list_is_capped(factory: Factory, tmp_path: Path) -> None:
    rows = with_row(CUSTOMERS, *[[f"X{i}", "", "", "", "", "", "", ""] for i in range(60)])
    message = errors_of(factory, tmp_path, customers=rows)
    assert message.startswith("60 error(s)")
    assert message.count("customers.csv:row") == 50
    assert message.rstrip().endswith("... and 10 more")


def test_failed_reimport_changes_nothing(factory: Factory, tmp_path: Path) -> None:
    run(factory, tmp_path, customers=CUSTOMERS, contacts=CONTACTS, orders=ORDERS)
    before = counts(factory)
    renamed = [list(r) for r in CUSTOMERS]
    renamed[1][1] = "Renamed"
    orders = with_row(
        ORDERS,
        ["SO-NEW", "C001", "", "", "", "", "1", "", "", ""],
        ["SO-BAD", "C001", "", "", "", "", "x", "", "", ""],
    )
    message = errors_of(factory, tmp_path, customers=renamed, contacts=CONTACTS, orders=orders)
    assert "orders.csv:row 5: amount" in message
    assert counts(factory) == before
    with factory() as s:
        assert s.scalars(select(Customer.name).where(Customer.code == "C001")).one() == (
            "Acme Robotics Inc."
        )
        assert s.scalar(select(Order.id).where(Order.order_no == "SO-NEW")) is None


def test_domain_owned_by_customer_outside_the_import(factory: Factory, tmp_path: Path) -> None:
    run(factory, tmp_path, customers=CUSTOMERS)
    message = errors_of(
        factory,
        tmp_path,
        customers=[["code", "name", "domains"], ["C009", "Acme Clone", "acme.us"]],
    )
    assert (
        "customers.csv:row 2: domains: domain acme.us already belongs to customer C001 "
        "(Acme Robotics Inc.)"
    ) in message


def test_custom_free_mail_list(factory: Factory, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["code", "name", "domains"], ["C1", "X", "gmail.com"]])
    report = import_archive(
        factory, customers=path, contacts=None, orders=None, free_mail_domains=["webmail.example"]
    )
    assert report.customers.created == 1
    path = write_csv(
        tmp_path / "d.csv", [["code", "name", "domains"], ["C2", "Y", "webmail.example"]]
    )
    with pytest.raises(ImportDataError, match=r"webmail\.example is a free-mail domain"):
        import_archive(
            factory,
            customers=path,
            contacts=None,
            orders=None,
            free_mail_domains=["webmail.example"],
        )


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("customers.json", b"{}", "customers.json: unsupported file type '.json'"),
        ("customers.xlsx", b"not a zip", "customers.xlsx: cannot read the file"),
        ("customers.csv", b"\n\n", "customers.csv: the file is empty"),
    ],
)
def test_unreadable_files(
    factory: Factory, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportDataError) as info:
        import_archive(factory, customers=path, contacts=None, orders=None)
    assert problem in str(info.value)


def test_missing_file(factory: Factory, tmp_path: Path) -> None:
    with pytest.raises(ImportDataError, match=r"nope\.csv: cannot read the file"):
        import_archive(factory, customers=tmp_path / "nope.csv", contacts=None, orders=None)


def test_no_files_at_all(factory: Factory) -> None:
    with pytest.raises(ImportDataError, match="no archive file given"):
        import_archive(factory, customers=None, contacts=None, orders=None)
