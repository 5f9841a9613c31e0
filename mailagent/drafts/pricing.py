"""Price list loading and quotation lines: which products and quantities an inquiry names.

:func:`load_price_list` reads a CSV or XLSX price list (one row per quantity break) and
reports every bad row as ``file:row N: column: problem``. :func:`quote_lines` is pure: it
finds our product codes (case and separator tolerant) and the quantities written next to
them ("500 pcs of X", "X x 2,000", "1k pcs", "数量 1000 片", "500 Stück", "10.000 unidades"),
picks the quantity break and computes line totals with ``Decimal``. A line it cannot price
(unknown code, no quantity, below MOQ, a customer part that is not in the list) is returned
``unpriced`` with the reason for the salesperson: a price is never invented. Quantity parsing
(and the rest of the text reading) lives in :mod:`mailagent.pricing_text`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from mailagent.drafts import pricing_text as qty
from mailagent.errors import ImportDataError

__all__ = [
    "PriceList",
    "Product",
    "QuoteLine",
    "QuoteSummary",
    "load_price_list",
    "parse_price_rows",
    "price_line",
    "quote_lines",
    "summarize",
]

MAX_ERRORS = 50
CENT = Decimal("0.01")

_COLUMNS: dict[str, tuple[str, ...]] = {
    "product_code": ("product_code", "code", "part_no", "产品编号", "料号"),
    "description": ("description", "desc", "描述", "品名"),
    "unit": ("unit", "单位"),
    "currency": ("currency", "币种"),
    "moq": ("moq", "起订量"),
    "lead_time_days": ("lead_time_days", "lead_time", "交期"),
    "validity_days": ("validity_days", "validity", "有效期"),
    "break_qty": ("break_qty", "qty_break", "quantity_break", "数量阶梯"),
    "unit_price": ("unit_price", "price", "单价"),
}
_REQUIRED = ("product_code", "currency", "break_qty", "unit_price")


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    description: str
    unit: str
    currency: str
    moq: int
    lead_time_days: int | None
    validity_days: int | None
    breaks: tuple[tuple[int, Decimal], ...]  # (minimum quantity, unit price), ascending

    def break_for(self, qty: int) -> tuple[int, Decimal] | None:
        """The highest break whose minimum quantity is <= ``qty``."""
        found = None
        for minimum, price in self.breaks:
            if minimum <= qty:
                found = (minimum, price)
        return found


@dataclass(frozen=True, slots=True)
class PriceList:
    products: Mapping[str, Product]
    source: str = ""

    def get(self, code: str) -> Product | None:
        return self.products.get(_key(code))


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One line of a quotation; ``unit_price``/``total`` are None when it is unpriced."""

    code: str  # our product code; "" for a customer item that is not in the price list
    description: str
    quantity: int | None
    unit: str = "pcs"
    currency: str = ""
    unit_price: Decimal | None = None
    total: Decimal | None = None
    break_qty: int | None = None
    moq: int | None = None
    lead_time_days: int | None = None
    validity_days: int | None = None
    reason: str = ""  # why it is unpriced, for the salesperson
    source: str = ""  # the words it was read from

    @property
    def priced(self) -> bool:
        return self.unit_price is not None


@dataclass(frozen=True, slots=True)
class QuoteSummary:
    totals: tuple[tuple[str, Decimal], ...]  # (currency, sum of priced lines)
    lead_time_days: int | None  # the longest of the priced lines
    validity_days: int | None  # the shortest of the priced lines
    priced: int
    unpriced: int


# -- loading -------------------------------------------------------------------------------


def load_price_list(path: str | Path) -> PriceList:
    """Read a CSV/XLSX price list; ImportDataError lists every bad row."""
    p = Path(path)
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            import openpyxl

            book = openpyxl.load_workbook(p, read_only=True, data_only=True)
            try:
                rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            finally:
                book.close()
        else:
            data = p.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gb18030")
            rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except (OSError, ValueError, KeyError) as exc:
        raise ImportDataError(f"{p.name}: cannot read the price list ({exc})") from exc
    return parse_price_rows(rows, p.name)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def parse_price_rows(rows: Sequence[Sequence[Any]], file: str) -> PriceList:
    """Validate rows (header first) into a PriceList, or raise with ``file:row N`` errors."""
    errors: list[str] = []
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(_cell(c) for c in r)]
    if not numbered:
        raise ImportDataError(f"{file}: the price list is empty")
    (hrow, header), data = numbered[0], numbered[1:]
    lookup = {alias: name for name, aliases in _COLUMNS.items() for alias in aliases}
    cols = {lookup[k]: i for i, c in enumerate(header) if (k := _cell(c).lower()) in lookup}
    for name in _REQUIRED:
        if name not in cols:
            errors.append(f"{file}:row {hrow}: {name}: required column missing")
    if errors:
        raise ImportDataError("\n".join(errors))
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for n, row in data:
        values = {k: _cell(row[i]) if i < len(row) else "" for k, i in cols.items()}
        parsed = _parse_row(values, f"{file}:row {n}", errors)
        if parsed is not None:
            grouped.setdefault(_key(parsed["product_code"]), []).append((n, parsed))
    products = {k: _product(rows_, file, errors) for k, rows_ in grouped.items()}
    if errors:
        more = len(errors) - MAX_ERRORS
        lines = errors[:MAX_ERRORS] + ([f"... and {more} more"] if more > 0 else [])
        raise ImportDataError(f"{len(errors)} error(s) in the price list:\n" + "\n".join(lines))
    return PriceList(products, file)


def _parse_row(v: dict[str, Any], where: str, errors: list[str]) -> dict[str, Any] | None:
    out: dict[str, Any] = {"product_code": v["product_code"], "currency": v["currency"].upper()}
    out.update(description=v.get("description", ""), unit=v.get("unit") or "pcs")
    bad = len(errors)
    if not out["product_code"]:
        errors.append(f"{where}: product_code: empty")
    if not re.fullmatch(r"[A-Z]{3}", out["currency"]):
        errors.append(f"{where}: currency: {v['currency']!r} is not a 3-letter ISO code")
    for name in ("break_qty", "moq", "lead_time_days", "validity_days"):
        text = out[name] = v.get(name, "") or None
        if text is None:
            if name == "break_qty":
                errors.append(f"{where}: {name}: empty")
            continue
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            number = Decimal(-1)
        if number != number.to_integral_value() or number < (1 if name != "lead_time_days" else 0):
            errors.append(f"{where}: {name}: {text!r} is not a positive whole number")
        out[name] = int(number) if number >= 0 else None
    try:
        out["unit_price"] = Decimal(v["unit_price"].replace(",", ""))
        if not out["unit_price"].is_finite() or out["unit_price"] <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(f"{where}: unit_price: {v['unit_price']!r} is not a positive price")
    return out if len(errors) == bad else None


def _product(rows: list[tuple[int, dict[str, Any]]], file: str, errors: list[str]) -> Product:
    first = rows[0][1]
    breaks: dict[int, Decimal] = {}
    for n, r in rows:
        for name in ("currency", "moq", "unit"):
            if r[name] != first[name]:
                errors.append(
                    f"{file}:row {n}: {name}: {r[name]!r} differs from {first[name]!r} "
                    f"in the first row of {first['product_code']}"
                )
        if r["break_qty"] in breaks:
            errors.append(f"{file}:row {n}: break_qty: duplicate break {r['break_qty']}")
        breaks[r["break_qty"]] = r["unit_price"]
    return Product(
        code=first["product_code"],
        description=first["description"],
        unit=first["unit"],
        currency=first["currency"],
        moq=first["moq"] or min(breaks),
        lead_time_days=first["lead_time_days"],
        validity_days=first["validity_days"],
        breaks=tuple(sorted(breaks.items())),
    )


# -- quoting -------------------------------------------------------------------------------


def _key(code: str) -> str:
    return re.sub(r"[^0-9A-Z.]", "", code.upper())


def _code_regex(codes: Iterable[str]) -> re.Pattern[str] | None:
    parts = []
    for code in sorted(codes, key=len, reverse=True):
        segments = [re.escape(s) for s in re.split(r"[-_\s/]+", code) if s]
        parts.append(r"[-_\s/]?".join(segments))
    if not parts:
        return None
    return re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![\w]|\.\d)", re.IGNORECASE)


def quote_lines(text: str, price_list: PriceList | None) -> list[QuoteLine]:
    """Quotation lines for the products and quantities named in ``text`` (pure)."""

    plist = price_list or PriceList({})
    codes = {p.code for p in plist.products.values()}
    rx = _code_regex(codes)
    hits = list(rx.finditer(text)) if rx else []
    unknown = qty.unknown_codes(text, codes, exclude=[h.span() for h in hits])
    spans = sorted(
        [(h.start(), h.end(), h.group(0)) for h in hits] + [(s, e, c) for c, s, e in unknown]
    )
    lines: list[QuoteLine] = []
    seen: set[tuple[str, int | None]] = set()
    for i, (start, end, word) in enumerate(spans):
        prev = spans[i - 1][1] if i else 0
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        found = qty.near(text, start, end, prev, nxt)
        product = plist.get(word)
        if product is not None and not found and len({_key(h.group(0)) for h in hits}) == 1:
            found = qty.labelled(text)
        for q in _or_none(found):
            key = (product.code if product else word.upper(), q)
            if key in seen:
                continue
            seen.add(key)
            if product is not None:
                lines.append(price_line(product, q, word))
            else:
                reason = f"unknown product code {key[0]}: not in the price list"
                lines.append(QuoteLine(key[0], "", q, reason=reason, source=word))
    if any(ln.quantity is not None for ln in lines):  # same code, once with a quantity
        lines = [ln for ln in lines if ln.quantity is not None or _has_no_qty_twin(ln, lines)]
    if not hits:
        lines += _customer_items(text, plist)
    return lines


def _or_none(quantities: list[int]) -> list[int | None]:
    return [*quantities] if quantities else [None]


def _has_no_qty_twin(line: QuoteLine, lines: Sequence[QuoteLine]) -> bool:
    return not any(o.code == line.code and o.quantity is not None for o in lines)


def price_line(product: Product, quantity: int | None, source: str = "") -> QuoteLine:
    """Price ``quantity`` of ``product`` by quantity break, or say why it cannot be priced."""
    base = QuoteLine(
        code=product.code,
        description=product.description,
        quantity=quantity,
        unit=product.unit,
        currency=product.currency,
        moq=product.moq,
        lead_time_days=product.lead_time_days,
        validity_days=product.validity_days,
        source=source,
    )
    if quantity is None:
        return _replace(base, reason=f"no quantity found for {product.code}")
    if quantity < product.moq:
        return _replace(
            base, reason=f"{quantity:,} {product.unit} is below the MOQ of {product.moq:,}"
        )
    chosen = product.break_for(quantity)
    if chosen is None:
        return _replace(base, reason=f"no price break covers {quantity:,} {product.unit}")
    minimum, price = chosen
    total = (price * quantity).quantize(CENT)
    return _replace(base, unit_price=price, total=total, break_qty=minimum)


def _replace(line: QuoteLine, **changes: Any) -> QuoteLine:
    return dataclasses.replace(line, **changes)


def _customer_items(text: str, plist: PriceList) -> list[QuoteLine]:
    """No code of ours: the customer's own item, one unpriced line per quantity asked."""

    found = qty.labelled(text) or qty.with_units(text)
    if not found:
        return []
    item = qty.customer_item(text)
    hint = _nearest(text, plist)
    return [QuoteLine("", item, q, reason=_item_reason(hint, q), source=item) for q in found]


def _item_reason(hint: Product | None, quantity: int) -> str:
    reason = "customer item, not in the price list: price it by hand"
    chosen = hint.break_for(quantity) if hint else None
    if hint is None or chosen is None:
        return reason
    desc = hint.description if len(hint.description) <= 60 else hint.description[:59] + "…"
    return (
        f"{reason} (nearest list item {hint.code}: {hint.currency} {chosen[1]}/{hint.unit} "
        f"at {chosen[0]:,}+; {desc})"
    )


def _nearest(text: str, plist: PriceList) -> Product | None:

    wanted = qty.features(text)
    if not wanted.get("kind"):
        return None
    best: tuple[int, str, Product] | None = None
    for p in plist.products.values():
        have = qty.features(f"{p.code} {p.description}")
        if have.get("kind") != wanted["kind"] or have.get("layers") != wanted.get("layers"):
            continue
        score = 2 if have.get("thickness") == wanted.get("thickness") else 1
        if best is None or (score, p.code) > (best[0], best[1]):
            best = (score, p.code, p)
    return best[2] if best else None


def summarize(lines: Sequence[QuoteLine]) -> QuoteSummary:
    totals: dict[str, Decimal] = {}
    for ln in lines:
        if ln.total is not None:
            totals[ln.currency] = totals.get(ln.currency, Decimal(0)) + ln.total
    priced = [ln for ln in lines if ln.priced]
    leads = [ln.lead_time_days for ln in priced if ln.lead_time_days is not None]
    valid = [ln.validity_days for ln in priced if ln.validity_days is not None]
    return QuoteSummary(
        totals=tuple(sorted(totals.items())),
        lead_time_days=max(leads) if leads else None,
        validity_days=min(valid) if valid else None,
        priced=len(priced),
        unpriced=len(lines) - len(priced),
    )
