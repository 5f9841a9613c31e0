"""Quotation and Proforma Invoice as PDF, from the quote lines and the order.

Pure: a :class:`CommercialDocument` record in, PDF bytes out (fpdf2; no file, clock or
database access). The letterhead (company name, address, phone, website) and the bank
details come from ``[drafts]`` in the configuration, which is the ONE place our bank
details live (fraud warnings compare incoming "new bank account" mail against
``drafts.bank_details``); nothing here invents or stores other bank data. Documents are in
English, the lingua franca of export paperwork. Names and descriptions keep their own
script: Chinese, Japanese and Korean characters are set in a CJK-capable TrueType font
(:class:`PdfFonts`, found by the caller from ``drafts.pdf_cjk_fonts``); without one they are
printed as ``?`` rather than dropped silently, and the caller records a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from fpdf import FPDF

__all__ = [
    "CommercialDocument",
    "DocLine",
    "PdfFonts",
    "document_number",
    "has_cjk",
    "lines_from_quote",
    "render_pdf",
]

TITLES = {"quotation": "QUOTATION", "proforma": "PROFORMA INVOICE"}


@dataclass(frozen=True, slots=True)
class PdfFonts:
    """The TrueType files a document is set in ("": not available, a built-in font is used).

    ``regular``/``bold`` cover Latin, Cyrillic and Greek; ``cjk`` is used for the characters
    they lack (Chinese, Japanese, Korean).
    """

    regular: str = ""
    bold: str = ""
    cjk: str = ""


_CJK_START = 0x2E80  # CJK radicals onwards: Han, kana, Hangul, full-width forms


def has_cjk(text: str) -> bool:
    """True when ``text`` has characters only a CJK font can print."""
    return any(ord(c) >= _CJK_START for c in text)


@dataclass(frozen=True, slots=True)
class DocLine:
    code: str
    description: str
    quantity: int | None
    unit: str
    unit_price: Decimal | None
    total: Decimal | None


@dataclass(frozen=True, slots=True)
class CommercialDocument:
    kind: str  # quotation | proforma
    number: str
    issued: date
    valid_until: date | None
    currency: str
    lines: tuple[DocLine, ...]
    customer_name: str
    customer_country: str = ""
    contact: str = ""
    reference: str = ""
    order_no: str = ""
    customer_po: str = ""
    incoterm: str = ""
    payment_terms: str = ""
    lead_time_days: int | None = None
    company_name: str = ""
    company_address: str = ""
    company_phone: str = ""
    company_website: str = ""
    bank_details: str = ""

    @property
    def total(self) -> Decimal:
        return sum((ln.total for ln in self.lines if ln.total is not None), Decimal(0))

    @property
    def unpriced(self) -> int:
        return sum(1 for ln in self.lines if ln.total is None)


def document_number(kind: str, prefix: str, year: int, serial: int) -> str:
    """``HX-PI2026-0042`` / ``HX-QT2026-0042``: prefix, document type, year, serial."""
    code = "PI" if kind == "proforma" else "QT"
    return f"{prefix}-{code}{year}-{serial:04d}"


def _money(value: Decimal | None, currency: str) -> str:
    return f"{currency} {value:,.2f}" if value is not None else "to be priced"


class _Pdf(FPDF):
    body = "helvetica"
    unicode = False
    cjk = False

    def setup(self, fonts: PdfFonts) -> None:
        if fonts.regular and fonts.bold:
            self.add_font("body", "", fonts.regular)
            self.add_font("body", "B", fonts.bold)
            self.body, self.unicode = "body", True
        if fonts.cjk:
            self.add_font("cjk", "", fonts.cjk)
            self.add_font("cjk", "B", fonts.cjk)  # no bold CJK face: the regular one
            if self.unicode:
                self.set_fallback_fonts(["cjk"], exact_match=False)
            else:
                self.body, self.unicode = "cjk", True
            self.cjk = True
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.body, "B" if bold else "", size)

    def text_of(self, value: str) -> str:
        if self.cjk:
            return value
        if self.unicode:
            return "".join(c if ord(c) < _CJK_START else "?" for c in value)
        return value.encode("latin-1", "replace").decode("latin-1")

    def line(self, text: str, size: float = 9, bold: bool = False, h: float = 5) -> None:  # type: ignore[override]
        self.font(size, bold)
        self.multi_cell(0, h, self.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _letterhead(pdf: _Pdf, doc: CommercialDocument) -> None:
    pdf.line(doc.company_name or "Export Sales", 14, bold=True, h=7)
    for part in (doc.company_address, doc.company_phone and f"Tel: {doc.company_phone}"):
        if part:
            pdf.line(part, 9)
    if doc.company_website:
        pdf.line(doc.company_website, 9)
    pdf.ln(4)
    pdf.line(TITLES.get(doc.kind, doc.kind.upper()), 16, bold=True, h=8)
    facts = [f"No.: {doc.number}", f"Date: {doc.issued:%Y-%m-%d}"]
    if doc.valid_until:
        facts.append(f"Valid until: {doc.valid_until:%Y-%m-%d}")
    if doc.reference:
        facts.append(f"Our reference: {doc.reference}")
    pdf.line("   ".join(facts), 9)
    order = [
        f"Order No.: {doc.order_no}" if doc.order_no else "",
        f"Your PO: {doc.customer_po}" if doc.customer_po else "",
    ]
    if any(order):
        pdf.line("   ".join(x for x in order if x), 9)
    pdf.ln(2)
    to = ", ".join(x for x in (doc.customer_name, doc.customer_country) if x)
    pdf.line(f"To: {to}" + (f"  (Attn. {doc.contact})" if doc.contact else ""), 10, bold=True)
    pdf.ln(3)


_WIDTHS = (10, 62, 28, 35, 45)


def _table(pdf: _Pdf, doc: CommercialDocument) -> None:
    pdf.font(9, bold=True)
    for w, head in zip(_WIDTHS, ("No.", "Item", "Quantity", "Unit price", "Amount"), strict=True):
        pdf.cell(w, 7, head, border=1, align="C")
    pdf.ln()
    for i, ln in enumerate(doc.lines, start=1):
        pdf.font(9)
        item = ln.code or ln.description or "Item"
        qty = f"{ln.quantity:,} {ln.unit}" if ln.quantity else "-"
        cells = (
            str(i),
            item,
            qty,
            _money(ln.unit_price, doc.currency),
            _money(ln.total, doc.currency),
        )
        for w, text, align in zip(_WIDTHS, cells, "CLRRR", strict=True):
            pdf.cell(w, 7, pdf.text_of(text)[:48], border=1, align=align)
        pdf.ln()
        if ln.code and ln.description:
            pdf.font(7.5)
            pdf.cell(_WIDTHS[0], 5, "")
            pdf.multi_cell(
                sum(_WIDTHS[1:]), 4.5, pdf.text_of(ln.description), new_x="LMARGIN", new_y="NEXT"
            )
    pdf.font(10, bold=True)
    label = "Total" + (f" (excluding {doc.unpriced} unpriced line(s))" if doc.unpriced else "")
    pdf.cell(sum(_WIDTHS[:4]), 8, label, border=1, align="R")
    pdf.cell(_WIDTHS[4], 8, _money(doc.total, doc.currency), border=1, align="R")
    pdf.ln(11)


def _terms(pdf: _Pdf, doc: CommercialDocument) -> None:
    pdf.line("Terms", 10, bold=True)
    terms = [
        f"Price terms: {doc.incoterm} (Incoterms 2020)" if doc.incoterm else "",
        f"Payment terms: {doc.payment_terms}" if doc.payment_terms else "",
        f"Lead time: {doc.lead_time_days} working days after deposit and file approval"
        if doc.lead_time_days
        else "",
        f"Validity: until {doc.valid_until:%Y-%m-%d}" if doc.valid_until else "",
    ]
    for t in terms:
        if t:
            pdf.line(f"- {t}", 9)
    if doc.bank_details.strip():
        pdf.ln(3)
        pdf.line("Bank details (beneficiary)", 10, bold=True)
        for row in doc.bank_details.strip().splitlines():
            pdf.line(row, 9)
        pdf.line("We never change bank details by e-mail. Please call us to confirm any change.", 8)


def render_pdf(doc: CommercialDocument, fonts: PdfFonts = PdfFonts()) -> bytes:
    """The document as PDF bytes (deterministic: dated by its issue date)."""
    pdf = _Pdf(format="A4")
    pdf.set_title(f"{TITLES.get(doc.kind, doc.kind)} {doc.number}")
    pdf.set_author(doc.company_name)
    pdf.set_creation_date(datetime.combine(doc.issued, time(), tzinfo=UTC))  # deterministic
    pdf.setup(fonts)
    _letterhead(pdf, doc)
    _table(pdf, doc)
    _terms(pdf, doc)
    return bytes(pdf.output())


def lines_from_quote(quote: Sequence[dict[str, object]]) -> tuple[DocLine, ...]:
    """Document lines from a draft's stored quote lines."""

    def dec(v: object) -> Decimal | None:
        return Decimal(str(v)) if v not in (None, "") else None

    def qty(v: object) -> int | None:
        return int(str(v)) if v not in (None, "") else None

    return tuple(
        DocLine(
            code=str(q.get("code") or ""),
            description=str(q.get("description") or ""),
            quantity=qty(q.get("quantity")),
            unit=str(q.get("unit") or "pcs"),
            unit_price=dec(q.get("unit_price")),
            total=dec(q.get("total")),
        )
        for q in quote
    )
