"""Reading and checking archive files: rows in, typed items and row-level errors out.

The pure half of ``archive.py`` (it reads the files but never touches the database). CSV is
decoded as UTF-8 (with or without BOM), UTF-16 with BOM, or else GB18030 (a superset of the
GBK that Excel writes on Chinese Windows); the delimiter (``,`` ``;`` or tab) is taken from
the header line. XLSX is read with openpyxl in read-only mode: the sheet named like the kind
(customers/客户, contacts/联系人, orders/订单), else the first sheet. Header names match
case-insensitively, with English and Chinese aliases; unknown columns are ignored with a
warning. Every problem becomes one ``file:row N: column: problem`` line in :class:`RowErrors`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl

from mailagent.customers.countries import country_code
from mailagent.customers.keys import normalise_number
from mailagent.errors import ImportDataError

__all__ = ["MAX_ERRORS", "Batch", "Item", "RowErrors", "check_files", "read_table"]

MAX_ERRORS = 50

Cell = Any  # what csv or openpyxl hands over: str, int, float, datetime, date, bool or None

# kind -> field -> accepted header names (compared after _header_key)
_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "code": ("code", "customer_code", "customer_no", "客户编号", "客户代码", "客户编码"),
        "name": ("name", "company", "company_name", "customer_name", "公司名称", "客户名称"),
        "country": ("country", "国家", "国家/地区"),
        "timezone": ("timezone", "time_zone", "tz", "时区"),
        "language": ("language", "lang", "语言"),
        "domains": ("domains", "domain", "email_domains", "域名", "邮箱域名"),
        "salesperson": ("salesperson", "sales", "sales_rep", "owner", "业务员", "销售"),
        "status": ("status", "状态"),
    },
    "contacts": {
        "customer_code": ("customer_code", "customer", "code", "客户编号", "客户代码", "客户编码"),
        "name": ("name", "contact", "contact_name", "联系人", "姓名"),
        "email": ("email", "e_mail", "mail", "email_address", "邮箱", "电子邮件", "邮件"),
        "phone": ("phone", "tel", "telephone", "mobile", "电话", "手机"),
        "role": ("role", "title", "position", "job_title", "职位", "职务"),
        "language": ("language", "lang", "preferred_language", "语言", "首选语言"),
    },
    "orders": {
        "order_no": ("order_no", "order_number", "order", "so", "so_no", "订单号", "订单编号"),
        "customer_code": ("customer_code", "customer", "code", "客户编号", "客户代码", "客户编码"),
        "customer_po": ("customer_po", "po", "po_no", "po_number", "客户po", "客户订单号"),
        "pi_number": ("pi_number", "pi", "pi_no", "pi号", "形式发票号"),
        "status": ("status", "状态"),
        "currency": ("currency", "币种", "货币"),
        "amount": ("amount", "total", "order_amount", "金额", "总金额", "订单金额"),
        "order_date": ("order_date", "date", "下单日期", "订单日期"),
        "due_date": ("due_date", "到期日", "到期日期"),
        "paid_amount": ("paid_amount", "paid", "已付金额", "已付"),
    },
}
_REQUIRED = {"customers": ("code", "name"), "contacts": ("customer_code", "email"),
             "orders": ("order_no", "customer_code")}  # fmt: skip
_SHEET_NAMES = {"customers": ("customers", "客户"), "contacts": ("contacts", "联系人"),
                "orders": ("orders", "订单")}  # fmt: skip


class _Bad(ValueError):
    """A cell value that cannot be used; the message says why."""


@dataclass
class RowErrors:
    items: list[str] = field(default_factory=list)

    def add(self, file: str, row: int | None, column: str | None, problem: str) -> None:
        where = file if row is None else f"{file}:row {row}"
        self.items.append(f"{where}: {column}: {problem}" if column else f"{where}: {problem}")

    def message(self) -> str:
        shown = self.items[:MAX_ERRORS]
        more = len(self.items) - len(shown)
        tail = [f"... and {more} more"] if more else []
        head = f"{len(self.items)} error(s) in the archive files; nothing was imported:"
        return "\n".join([head, *(f"  {e}" for e in shown), *tail])


@dataclass(frozen=True, slots=True)
class Table:
    file: str
    columns: dict[str, int]  # field -> cell index
    labels: dict[str, str]  # field -> header as written
    rows: list[tuple[int, list[Cell]]]  # (row number as shown in a spreadsheet, cells)


@dataclass(frozen=True, slots=True)
class Item:
    """One valid row: model attributes for the columns present, plus its references."""

    file: str
    row: int
    key: str
    values: dict[str, Any]
    customer_code: str = ""
    domains: tuple[str, ...] | None = None  # None: no domains column


# -- reading -------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")  # superset of GBK / GB2312


def _read_csv(path: Path) -> list[list[Cell]]:
    text = _decode(path.read_bytes())
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path, kind: str) -> list[list[Cell]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        by_name = {str(ws.title).strip().lower(): ws for ws in book.worksheets}
        wanted = (by_name.get(n) for n in _SHEET_NAMES[kind])
        sheet = next((ws for ws in wanted if ws is not None), book.worksheets[0])
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read_table(path: Path, kind: str) -> list[list[Cell]]:
    """All rows of ``path`` (CSV or XLSX) as lists of cells, header included."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, kind)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    raise ImportDataError(f"{path.name}: unsupported file type {suffix!r} (use .csv or .xlsx)")


def _header_key(cell: Cell) -> str:
    text = re.sub(r"[(（].*?[)）]", "", _text(cell)).strip(" *").lower()
    return re.sub(r"[\s\-.]+", "_", text)


def _load(path: Path, kind: str, errors: RowErrors, warnings: list[str]) -> Table | None:
    file = path.name
    try:
        rows = read_table(path, kind)
    except ImportDataError as exc:
        errors.add(file, None, None, str(exc).removeprefix(f"{file}: "))
        return None
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        errors.add(file, None, None, f"cannot read the file ({exc})")
        return None
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(_text(c) for c in r)]
    if not numbered:
        errors.add(file, None, None, "the file is empty")
        return None
    (header_row, header), data = numbered[0], numbered[1:]
    lookup = {_header_key(a): f for f, names in _ALIASES[kind].items() for a in names}
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(header):
        name = lookup.get(_header_key(cell))
        if name is None:
            if _text(cell):
                known = ", ".join(_ALIASES[kind])
                errors.add(
                    file,
                    header_row,
                    _text(cell),
                    f"unknown column (a {kind} file has: {known}; rename or remove it)",
                )
        elif name in columns:
            errors.add(file, header_row, _text(cell), f"same column as {labels[name]!r}")
        else:
            columns[name], labels[name] = index, _text(cell)
    missing = [name for name in _REQUIRED[kind] if name not in columns]
    for name in missing:
        errors.add(
            file,
            header_row,
            name,
            f"required column missing (a {kind} file needs {', '.join(_REQUIRED[kind])})",
        )
    if missing:  # its rows cannot be checked or keyed: the errors above say why
        return None
    return Table(file, columns, labels, data)


# -- cell converters (pure) ----------------------------------------------------------------


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).replace("\xa0", " ").replace("\ufeff", "").strip()


def _str(max_len: int, *, required: bool = False) -> Callable[[Cell], str]:
    def convert(cell: Cell) -> str:
        text = _text(cell)
        if required and not text:
            raise _Bad("required")
        if len(text) > max_len:
            raise _Bad(f"too long ({len(text)} characters, at most {max_len})")
        return text

    return convert


@cache
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in zoneinfo.available_timezones()}


def _timezone(cell: Cell) -> str:
    text = _text(cell)
    if not text:
        return ""
    zone = _zones().get(text.lower())
    if zone is None:
        raise _Bad(f"unknown time zone {text!r} (use an IANA name like Europe/Berlin)")
    return zone


_ISO_639_1 = frozenset(
    """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln
lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi
pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti
tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split()  # noqa: SIM905
)


def _country(cell: Cell) -> str:
    text = _text(cell)
    if not text:
        return ""
    try:
        return country_code(text)
    except ValueError as exc:
        raise _Bad(str(exc)) from exc


def _language(cell: Cell) -> str:
    text = _text(cell).lower()
    primary = re.split(r"[-_]", text, maxsplit=1)[0]
    if text and primary not in _ISO_639_1:
        raise _Bad(f"{text!r} is not an ISO 639-1 language code (like en, de, zh)")
    return primary


def _choice(choices: Iterable[str], aliases: dict[str, str], default: str) -> Callable[[Cell], str]:
    allowed = tuple(choices)

    def convert(cell: Cell) -> str:
        text = _text(cell)
        key = re.sub(r"[\s\-]+", "_", text.lower())
        value = aliases.get(text) or aliases.get(key) or (key if key in allowed else None)
        if not text:
            return default
        if value is None:
            raise _Bad(f"{text!r} is not one of {'|'.join(allowed)}")
        return value

    return convert


_customer_status = _choice(
    ("customer", "prospect"),
    {"客户": "customer", "正式客户": "customer", "潜在客户": "prospect", "意向客户": "prospect"},
    "customer",
)
_order_status = _choice(
    ("quoted", "confirmed", "in_production", "shipped", "delivered", "closed", "cancelled"),
    {"canceled": "cancelled", "报价": "quoted", "已报价": "quoted", "确认": "confirmed",
     "已确认": "confirmed", "生产中": "in_production", "已发货": "shipped", "发货": "shipped",
     "已交付": "delivered", "已签收": "delivered", "已关闭": "closed", "关闭": "closed",
     "完成": "closed", "已完成": "closed", "取消": "cancelled", "已取消": "cancelled"},
    "confirmed",
)  # fmt: skip

_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@" + rf"{_LABEL}(?:\.{_LABEL})+$")


def _email(cell: Cell) -> str:
    text = _text(cell).lower().removeprefix("mailto:")
    if not text:
        raise _Bad("required")
    if len(text) > 320 or not _EMAIL.match(text):
        raise _Bad(f"{text!r} is not an e-mail address")
    return text


def _domains(cell: Cell) -> tuple[str, ...]:
    found: list[str] = []
    for part in re.split(r"[;,\s]+", _text(cell).lower()):
        domain = re.sub(r"^(https?://)?(www\.)?@?", "", part).strip("/.")
        if not domain:
            continue
        if not _DOMAIN.match(domain) or len(domain) > 255:
            raise _Bad(f"{part!r} is not a domain name")
        found.append(domain)
    return tuple(dict.fromkeys(found))


_CURRENCY_ALIASES = {"RMB": "CNY", "$": "USD", "US$": "USD", "€": "EUR", "£": "GBP"}


def _currency(cell: Cell) -> str:
    text = _text(cell).upper()
    text = _CURRENCY_ALIASES.get(text, text)
    if not text:
        return "USD"
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise _Bad(f"{text!r} is not a 3-letter currency code (USD, EUR, CNY)")
    return text


_AMOUNT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")


def _amount(cell: Cell) -> Decimal:
    if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
        text = str(cell)
    else:
        text = _text(cell).strip("$€£¥￥ ")
    if not text:
        return Decimal("0.00")
    if text.startswith("-"):
        raise _Bad(f"{text!r} must not be negative")
    if not _AMOUNT.match(text):
        raise _Bad(f"{text!r} is not an amount (write 1234.50 or 1,234.50)")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex already checked
        raise _Bad(f"{text!r} is not an amount") from exc
    if value != value.quantize(Decimal("0.01")):
        raise _Bad(f"{text!r} has more than 2 decimal places")
    if value >= Decimal("1e12"):
        raise _Bad(f"{text!r} is too large")
    return value.quantize(Decimal("0.01"))


_EXCEL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")


def _date(cell: Cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    if not text:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", text):  # an Excel serial day number
        serial = float(text)
        if not 1 <= serial < 2958466:
            raise _Bad(f"{text!r} is not a date")
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    m = _DATE.match(text)
    if m is None:
        raise _Bad(f"{text!r} is not a date (use YYYY-MM-DD)")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise _Bad(f"{text!r} is not a valid date ({exc})") from exc


_CONVERTERS: dict[str, dict[str, Callable[[Cell], Any]]] = {
    "customers": {"code": _str(64, required=True), "name": _str(300, required=True),
                  "country": _country, "timezone": _timezone, "language": _language,
                  "domains": _domains, "salesperson": _str(320), "status": _customer_status},
    "contacts": {"customer_code": _str(64, required=True), "name": _str(300), "email": _email,
                 "phone": _str(64), "role": _str(100), "language": _language},
    "orders": {"order_no": _str(64, required=True), "customer_code": _str(64, required=True),
               "customer_po": _str(64), "pi_number": _str(64), "status": _order_status,
               "currency": _currency, "amount": _amount, "order_date": _date,
               "due_date": _date, "paid_amount": _amount},
}  # fmt: skip


# -- checking (pure) -----------------------------------------------------------------------


def _rows(table: Table, kind: str, errors: RowErrors) -> Iterator[tuple[int, dict[str, Any]]]:
    """Converted rows without cell errors (the errors go to ``errors``)."""
    converters = _CONVERTERS[kind]
    for number, cells in table.rows:
        values: dict[str, Any] = {}
        for name, index in table.columns.items():
            try:
                values[name] = converters[name](cells[index] if index < len(cells) else None)
            except _Bad as exc:
                errors.add(table.file, number, table.labels[name], str(exc))
        if len(values) == len(table.columns):
            yield number, values


def _check_customers(table: Table, free: frozenset[str], errors: RowErrors) -> list[Item]:
    items: list[Item] = []
    codes: dict[str, int] = {}
    owners: dict[str, tuple[str, int]] = {}
    label = table.labels.get("domains", "domains")
    for number, values in _rows(table, "customers", errors):
        code = values["code"]
        if code in codes:
            errors.add(
                table.file,
                number,
                table.labels["code"],
                f"duplicate code {code!r} (also row {codes[code]})",
            )
            continue
        codes[code] = number
        domains = values.pop("domains", None)
        for domain in domains or ():
            if domain in free:
                errors.add(
                    table.file,
                    number,
                    label,
                    f"{domain} is a free-mail domain, not a "
                    "company domain (list the address in the contacts file instead)",
                )
            elif domain in owners and owners[domain][0] != code:
                other, row = owners[domain]
                errors.add(
                    table.file,
                    number,
                    label,
                    f"domain {domain} is also claimed by {other} (row {row})",
                )
            else:
                owners[domain] = (code, number)
        items.append(Item(table.file, number, code, values, domains=domains))
    return items


def _check_keyed(table: Table, kind: str, errors: RowErrors) -> list[Item]:
    """Contacts (key: customer + email) and orders (key: order_no, compared normalised)."""
    items: list[Item] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, values in _rows(table, kind, errors):
        code = values.pop("customer_code")
        column = "email" if kind == "contacts" else "order_no"
        key: str = values[column]
        dup = (code, key) if kind == "contacts" else ("", normalise_number(key))
        if dup in seen:
            errors.add(
                table.file,
                number,
                table.labels[column],
                f"duplicate {column} {key!r} (also row {seen[dup]})",
            )
            continue
        seen[dup] = number
        items.append(Item(table.file, number, key, values, customer_code=code))
    return items


@dataclass(frozen=True, slots=True)
class Batch:
    """The checked rows of one import, and what they refer to."""

    customers: list[Item]
    contacts: list[Item]
    orders: list[Item]
    declared: frozenset[str]  # every code in the customers file, valid row or not
    labels: dict[str, str]  # "kind.field" -> header as written, for error messages


def _declared(table: Table | None) -> frozenset[str]:
    index = table.columns.get("code") if table is not None else None
    if table is None or index is None:
        return frozenset()
    return frozenset(_text(c[index]) for _, c in table.rows if index < len(c)) - {""}


def check_files(
    customers: Path | None,
    contacts: Path | None,
    orders: Path | None,
    free: frozenset[str],
    errors: RowErrors,
    warnings: list[str],
) -> Batch:
    """Read and check each given file on its own (the database is checked later)."""
    paths = {"customers": customers, "contacts": contacts, "orders": orders}
    tables = {k: _load(p, k, errors, warnings) for k, p in paths.items() if p is not None}
    labels = {f"{k}.{f}": v for k, t in tables.items() if t for f, v in t.labels.items()}
    cust, cont, ords = (tables.get(k) for k in paths)
    return Batch(
        customers=_check_customers(cust, free, errors) if cust else [],
        contacts=_check_keyed(cont, "contacts", errors) if cont else [],
        orders=_check_keyed(ords, "orders", errors) if ords else [],
        declared=_declared(cust),
        labels=labels,
    )
