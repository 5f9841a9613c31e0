"""Price list loading (row-level errors) and quote lines read from inquiry text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from support.apptools import ROOT

from mailagent.drafts.pricing import (
    PriceList,
    load_price_list,
    parse_price_rows,
    price_line,
    quote_lines,
    summarize,
)
from mailagent.drafts.pricing_text import features, parse_number
from mailagent.errors import ImportDataError

DEMO = ROOT / "mailagent" / "demo" / "archive" / "pricelist.csv"
HEADER = (
    "product_code,description,unit,currency,moq,lead_time_days,validity_days,break_qty,unit_price"
)
ROWS = [
    "HX-4L-FR4-1.6,4-layer FR-4 1.6 mm ENIG,pcs,USD,100,10,30,100,4.80",
    "HX-4L-FR4-1.6,4-layer FR-4 1.6 mm ENIG,pcs,USD,100,10,30,500,2.65",
    "HX-4L-FR4-1.6,4-layer FR-4 1.6 mm ENIG,pcs,USD,100,10,30,1000,2.10",
    "HX-2L-FR4-1.0,2-layer FR-4 1.0 mm HASL,pcs,USD,200,7,20,200,1.20",
    "HX-2L-FR4-1.0,2-layer FR-4 1.0 mm HASL,pcs,USD,200,7,20,1000,0.80",
    "HX-PCBA-SMT,SMT placement,placement,USD,50000,10,30,50000,0.0105",
]


@pytest.fixture
def plist(tmp_path: Path) -> PriceList:
    path = tmp_path / "prices.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return load_price_list(path)


def one(text: str, plist: PriceList) -> tuple[str, int | None, Decimal | None, Decimal | None]:
    (line,) = quote_lines(text, plist)
    return line.code, line.quantity, line.unit_price, line.total


def test_demo_price_list_loads_with_sorted_breaks() -> None:
    pl = load_price_list(DEMO)
    assert len(pl.products) == 10
    p = pl.get("hx-4l-fr4-1.6")  # lookup ignores case
    assert p is not None
    assert [q for q, _ in p.breaks] == [100, 500, 1000, 5000]
    assert (p.moq, p.lead_time_days, p.validity_days, p.currency) == (100, 10, 30, "USD")


def test_xlsx_price_list(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for row in ROWS[:3]:
        cells = row.split(",")
        sheet.append(
            [
                *cells[:4],
                int(cells[4]),
                int(cells[5]),
                int(cells[6]),
                int(cells[7]),
                float(cells[8]),
            ]
        )
    book.save(tmp_path / "prices.xlsx")
    pl = load_price_list(tmp_path / "prices.xlsx")
    assert pl.get("HX-4L-FR4-1.6") is not None
    assert pl.get("HX-4L-FR4-1.6").breaks[1] == (500, Decimal("2.65"))  # type: ignore[union-attr]


def test_every_bad_row_is_reported_with_file_row_and_column() -> None:
    rows = [
        HEADER.split(","),
        ["HX-A", "a", "pcs", "USD", "100", "10", "30", "100", "1.00"],
        ["HX-A", "a", "pcs", "EUR", "100", "10", "30", "500", "0.90"],  # currency differs
        ["HX-B", "b", "pcs", "US", "100", "10", "30", "abc", "-1"],  # bad currency, break, price
        ["HX-A", "a", "pcs", "USD", "100", "10", "30", "100", "0.80"],  # duplicate break
        ["", "c", "pcs", "USD", "1", "1", "1", "1", "1"],
    ]
    with pytest.raises(ImportDataError) as err:
        parse_price_rows(rows, "prices.csv")
    text = str(err.value)
    assert "prices.csv:row 3: currency: 'EUR' differs from 'USD'" in text
    assert "prices.csv:row 4: currency: 'US' is not a 3-letter ISO code" in text
    assert "prices.csv:row 4: break_qty: 'abc' is not a positive whole number" in text
    assert "prices.csv:row 4: unit_price: '-1' is not a positive price" in text
    assert "prices.csv:row 5: break_qty: duplicate break 100" in text
    assert "prices.csv:row 6: product_code: empty" in text


def test_missing_required_column() -> None:
    with pytest.raises(ImportDataError, match=r"prices.csv:row 1: unit_price: required column"):
        parse_price_rows(
            [["product_code", "currency", "break_qty"], ["A", "USD", "1"]], "prices.csv"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Please quote 500 pcs of HX-4L-FR4-1.6, thanks",
            ("HX-4L-FR4-1.6", 500, "2.65", "1325.00"),
        ),
        ("HX-2L-FR4-1.0 x 2,000", ("HX-2L-FR4-1.0", 2000, "0.80", "1600.00")),
        ("hx-4l-fr4-1.6: 1k pcs", ("HX-4L-FR4-1.6", 1000, "2.10", "2100.00")),
        ("请报价 HX-4L-FR4-1.6，数量 1000 片", ("HX-4L-FR4-1.6", 1000, "2.10", "2100.00")),
        ("Bitte 500 Stück HX-4L-FR4-1.6 anbieten", ("HX-4L-FR4-1.6", 500, "2.65", "1325.00")),
        ("HX-2L-FR4-1.0: 10.000 unidades", ("HX-2L-FR4-1.0", 10000, "0.80", "8000.00")),
        ("HX 4L FR4 1.6 – Menge: 499", ("HX-4L-FR4-1.6", 499, "4.80", "2395.20")),
        ("HX-PCBA-SMT x 60,000", ("HX-PCBA-SMT", 60000, "0.0105", "630.00")),
    ],
)
def test_quantity_forms_and_breaks(plist: PriceList, text: str, expected: tuple[str, ...]) -> None:
    code, qty, price, total = one(text, plist)
    assert (code, qty, str(price), str(total)) == expected


def test_list_of_quantities_gives_one_line_per_break(plist: PriceList) -> None:
    lines = quote_lines("Quantities: 100 / 500 / 1,000 pcs of HX-4L-FR4-1.6", plist)
    assert [(ln.quantity, ln.break_qty, ln.unit_price) for ln in lines] == [
        (100, 100, Decimal("4.80")),
        (500, 500, Decimal("2.65")),
        (1000, 1000, Decimal("2.10")),
    ]


def test_quantities_belong_to_the_nearest_code(plist: PriceList) -> None:
    text = "500 pcs of HX-4L-FR4-1.6 and HX-2L-FR4-1.0 x 1,000 and 300 pcs HX-9L-XYZ-2.0."
    got = [(ln.code, ln.quantity, ln.priced) for ln in quote_lines(text, plist)]
    assert got == [
        ("HX-4L-FR4-1.6", 500, True),
        ("HX-2L-FR4-1.0", 1000, True),
        ("HX-9L-XYZ-2.0", 300, False),
    ]


def test_unpriced_lines_say_why_and_never_carry_a_price(plist: PriceList) -> None:
    text = "HX-2L-FR4-1.0 x 150\nHX-4L-FR4-1.6 (please advise)\nHX-6L-ROGERS-0.8: 100 pcs"
    lines = quote_lines(text, plist)
    reasons = {ln.code: ln.reason for ln in lines}
    assert reasons == {
        "HX-2L-FR4-1.0": "150 pcs is below the MOQ of 200",
        "HX-4L-FR4-1.6": "no quantity found for HX-4L-FR4-1.6",
        "HX-6L-ROGERS-0.8": "unknown product code HX-6L-ROGERS-0.8: not in the price list",
    }
    assert all(ln.unit_price is None and ln.total is None for ln in lines)


def test_reference_tokens_and_dimensions_are_not_codes_or_quantities(plist: PriceList) -> None:
    lines = quote_lines("Re: [HX-Q2026-0117] HX-4L-FR4-1.6 100x100 mm, 1.6 mm thick", plist)
    assert [(ln.code, ln.quantity) for ln in lines] == [("HX-4L-FR4-1.6", None)]


def test_single_code_takes_a_labelled_quantity_elsewhere(plist: PriceList) -> None:
    text = "Board: HX-4L-FR4-1.6\nSize 100 x 80 mm\nQuantity: 1,000"
    assert one(text, plist)[:2] == ("HX-4L-FR4-1.6", 1000)


def test_customer_item_without_our_code_is_unpriced_with_a_hint() -> None:
    pl = load_price_list(DEMO)
    text = (
        "Part: AR-MC6 Rev A (Gerbers attached)\n- 6 layers, FR-4 Tg170, 1.6 mm finished\n"
        "Quantities: 500 / 1,000 / 5,000 pcs\nAnnual volume approx. 20,000 pcs per year"
    )
    lines = quote_lines(text, pl)
    assert [(ln.code, ln.description, ln.quantity) for ln in lines] == [
        ("", "AR-MC6 Rev A", 500),
        ("", "AR-MC6 Rev A", 1000),
        ("", "AR-MC6 Rev A", 5000),
    ]
    assert not any(ln.priced for ln in lines)
    assert "nearest list item HX-6L-FR4-1.6: USD 4.85/pcs at 1,000+" in lines[1].reason


def test_annual_and_monthly_volumes_are_not_order_quantities() -> None:
    pl = load_price_list(DEMO)
    text = "Qty: 2000 pcs per year, in 4 lots of 500 pcs; 每月约 30K～50K pcs"
    assert [ln.quantity for ln in quote_lines(text, pl)] == [500]


def test_summary_totals_lead_time_and_validity(plist: PriceList) -> None:
    lines = quote_lines("HX-4L-FR4-1.6 x 500\nHX-2L-FR4-1.0 x 1000\nHX-ZZ-1 x 5", plist)
    s = summarize(lines)
    assert s.totals == (("USD", Decimal("2125.00")),)
    assert (s.lead_time_days, s.validity_days, s.priced, s.unpriced) == (10, 20, 2, 1)


def test_price_line_exact_break_boundaries(plist: PriceList) -> None:
    product = plist.get("HX-4L-FR4-1.6")
    assert product is not None
    assert price_line(product, 999).unit_price == Decimal("2.65")
    assert price_line(product, 1000).unit_price == Decimal("2.10")
    assert price_line(product, 99).reason == "99 pcs is below the MOQ of 100"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2,000", 2000),
        ("10.000", 10000),
        ("1'000", 1000),
        ("1k", 1000),
        ("2.5K", 2500),
        ("1.6", None),
        ("0", None),
    ],
)
def test_parse_number(text: str, value: int | None) -> None:
    assert parse_number(text) == value


def test_features_of_specs_in_several_languages() -> None:
    assert features("8 Lagen, Enddicke 1,6 mm") == {
        "kind": "rigid",
        "layers": "8",
        "thickness": "1.6",
    }
    assert features("LED铝基板 1.6mm") == {"kind": "alu", "layers": "1", "thickness": "1.6"}
    assert features("8層 HDI 1+6+1")["kind"] == "hdi"
