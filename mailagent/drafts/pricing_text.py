"""Reading quantities, product codes and item specs out of inquiry text (pure helper).

Used by :mod:`mailagent.pricing`. Quantities are whole numbers with an optional ``k``
("1k", "20K"), thousands separators in English, German/Spanish and Swiss style ("2,000",
"10.000", "1'000"), and lists ("500 / 1,000 / 5,000 pcs"). A number only counts as a
quantity when something says so: a unit ("pcs", "Stück", "unidades", "片"), a label
("Qty", "Menge", "数量", "Cantidad") or a multiplication sign next to a product code.
Annual or monthly volumes ("6.000 Stück pro Jahr", "50.000 peças/ano", "每月") and ranges
("30K～50K") are not order quantities and are skipped. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

__all__ = [
    "customer_item",
    "features",
    "labelled",
    "near",
    "parse_number",
    "unknown_codes",
    "with_units",
]

_NUM = r"(?:\d{1,3}(?:[,.'\u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)?)(?:\s?[kK](?![A-Za-z]))?"
_SEP = r"\s*(?:/|,|;|、)\s*"  # words ("and", "und") join separate items, not quantities
_LIST = rf"{_NUM}(?:{_SEP}{_NUM})*"
_UNIT = (
    r"(?:pcs\.?|pc\b|pieces?|units?|boards?|panels?|sets?|placements?|st(?:ü|ue)ck|stk\.?"
    r"|unidades|unidad|uds\.?|piezas|pzs\.?|pe(?:ç|c)as|p(?:ç|c)s|枚|片|个|個|件|块|塊|套|张|張)"
    r"(?![A-Za-z])"
)
_LABEL = (
    r"(?:(?<![A-Za-z])(?:q'?ty|quantit(?:y|ies)|mengen?|anzahl|st(?:ü|ue)ckzahl"
    r"|cantidad(?:es)?|quantidades?|quantit(?:é|e)s?)(?![A-Za-z])|数量|數量)"
)
_PERIOD = re.compile(
    r"^\s*(?:" + _UNIT + r")?\s*(?:/\s*(?:year|yr|jahr|a|año|ano|month|monat|mes|mês|年|月)\b"
    r"|per\s+(?:year|annum|month)|pro\s+(?:jahr|monat)|por\s+(?:año|mes)|(?:al|por)\s+mes"
    r"|p\.\s?a\.|a\s+year|annually|yearly|monthly|jährlich|每年|每月|/年|/月)",
    re.IGNORECASE,
)
_RANGE_OR_SIZE = re.compile(r"^\s*(?:[~～]|-\s*\d|–|to\s+\d|bis\s+\d|[x×*]\s*\d)", re.IGNORECASE)
_MEASURE = re.compile(r"^\s*(?:mm|cm|µm|um|mil|oz|%|°|w|v|ω|ohm|mhz|ghz)(?![A-Za-z])", re.I)
_RANGE_END = re.compile(r"(?:[~～–]|\bto|\bbis|\d\s*-)\s*$", re.IGNORECASE)
_BEFORE_PERIOD = re.compile(r"(?:每月|每年|月约|年约|per month|annual(?:ly)?)\s*\S{0,3}\s*$", re.I)

_AFTER = re.compile(
    rf"^(?P<lead>[\s:：,，;；=\-–—(（]*)(?P<x>[x×*]\s*)?(?P<label>{_LABEL}\s*[:：=]?\s*)?"
    rf"(?P<list>{_LIST})\s*(?P<unit>{_UNIT})?",
    re.IGNORECASE,
)
_BEFORE = re.compile(
    rf"(?P<list>{_LIST})\s*(?:(?P<unit>{_UNIT})\s*(?:of|x|×|de|von|à)?|[x×*])\s*[:：]?\s*$",
    re.IGNORECASE,
)
_LABELLED = re.compile(rf"{_LABEL}\s*[:：=]?\s*[^\d\n]{{0,8}}?(?P<list>{_LIST})", re.IGNORECASE)
_WITH_UNIT = re.compile(rf"(?<![\w.,])(?P<list>{_LIST})\s*(?P<unit>{_UNIT})", re.IGNORECASE)
_ONE_NUM = re.compile(_NUM)
_ITEM = re.compile(
    r"(?:\b(?:part(?:\s*(?:no\.?|number))?|p/n|model|item|product|produkt|artikel|sachnummer"
    r"|producto|modelo|produto)\b|型号|型號|料号|料號|品名|产品|產品)\s*[:：]\s*"
    r"([^\n,;，；(（]{2,60})",
    re.IGNORECASE,
)
_TOKEN_SHAPE = re.compile(r"^[A-Z]{2,6}-[A-Z]?\d{4}-\d{3,}$")


def parse_number(text: str) -> int | None:
    """A whole quantity from ``text`` ("2,000", "10.000", "1k", "2.5k"); None if fractional."""
    t = re.sub(r"\s", "", text)
    k = t[-1:] in ("k", "K")
    t = t[:-1] if k else t
    if k:
        try:
            value = Decimal(t.replace(",", ".").replace("'", "")) * 1000
        except InvalidOperation:
            return None
        return int(value) if value == value.to_integral_value() and value > 0 else None
    if re.fullmatch(r"\d{1,3}(?:[,.'\u00a0\u202f]\d{3})+", t):
        return int(re.sub(r"\D", "", t))
    return int(t) if t.isdigit() and int(t) > 0 else None


def _numbers(listed: str) -> list[int]:
    found = (parse_number(m.group(0)) for m in _ONE_NUM.finditer(listed))
    return [n for n in found if n is not None]


def _skipped(text: str, end: int, start: int) -> bool:
    """A volume per year/month or a range/size, not an order quantity."""
    tail, head = text[end : end + 30], text[max(0, start - 12) : start]
    return bool(
        _PERIOD.match(tail)
        or _RANGE_OR_SIZE.match(tail)
        or _BEFORE_PERIOD.search(head)
        or _RANGE_END.search(head)
    )


def near(text: str, start: int, end: int, prev_end: int, next_start: int) -> list[int]:
    """Quantities written right after or right before a product code at ``start:end``."""
    line_end = text.find("\n", end)
    stop = min(next_start, line_end if line_end >= 0 else len(text), end + 80)
    after = _AFTER.match(text[end:stop])
    if after and (after["x"] or after["label"] or after["unit"] or ":" in after["lead"]):
        tail_at = end + after.end("list")
        measured = not after["unit"] and _MEASURE.match(text[tail_at : tail_at + 8])
        if not measured and not _skipped(text, tail_at, end + after.start("list")):
            return _numbers(after["list"])
    line_start = text.rfind("\n", 0, start) + 1
    window_start = max(prev_end, line_start, start - 60)
    before = _BEFORE.search(text[window_start:start])
    if before and not _BEFORE_PERIOD.search(text[max(0, window_start - 12) : window_start]):
        return _numbers(before["list"])
    return []


def labelled(text: str) -> list[int]:
    """Quantities after a label anywhere in the text ("Qty: 500 / 1,000", "数量：首单 20K")."""
    out: list[int] = []
    for m in _LABELLED.finditer(text):
        if not _skipped(text, m.end("list"), m.start("list")):
            out += [n for n in _numbers(m["list"]) if n not in out]
    return out


def with_units(text: str) -> list[int]:
    """Quantities followed by a unit anywhere in the text ("4 lots of 500 pcs")."""
    out: list[int] = []
    for m in _WITH_UNIT.finditer(text):
        if not _skipped(text, m.end("list"), m.start("list")):
            out += [n for n in _numbers(m["list"]) if n not in out]
    return out


def unknown_codes(
    text: str, known: Iterable[str], exclude: Sequence[tuple[int, int]] = ()
) -> list[tuple[str, int, int]]:
    """Code-shaped words with the prefix of our codes (``HX-...``) that are not in the list.

    Returns ``(CODE, start, end)``; reference tokens like ``HX-Q2026-0117`` are not codes.
    """
    prefixes = sorted({c.split("-")[0].upper() for c in known if "-" in c})
    if not prefixes:
        return []
    rx = re.compile(
        r"(?<![\w.\[])(?:" + "|".join(map(re.escape, prefixes)) + r")-[A-Z0-9][A-Z0-9.\-]*[A-Z0-9]",
        re.IGNORECASE,
    )
    out: list[tuple[str, int, int]] = []
    for m in rx.finditer(text):
        code = m.group(0).upper()
        overlaps = any(s < m.end() and m.start() < e for s, e in exclude)
        bracketed = text[m.end() : m.end() + 1] == "]"
        if overlaps or bracketed or _TOKEN_SHAPE.match(code) or code in [c for c, *_ in out]:
            continue
        out.append((code, m.start(), m.end()))
    return out


def customer_item(text: str) -> str:
    """The customer's own item name ("Part: AR-MC6 Rev A", "型号：HS-AL120"), or ""."""
    m = _ITEM.search(text)
    return m.group(1).strip().strip("-–:").strip() if m else ""


def features(text: str) -> dict[str, str]:
    """Rough board spec: kind (rigid/alu/flex/hdi), layer count and thickness in mm."""
    out: dict[str, str] = {}
    layers = re.search(
        r"(\d{1,2})\s*[-‐ ]?\s*(?:layers?\b|lagen|lagig|capas?\b|camadas?\b|层|層|L\b)", text, re.I
    )
    if re.search(r"alumin|mcpcb|铝基|鋁基", text, re.I):
        out["kind"] = "alu"
    elif re.search(r"\bflex|\bfpc\b|柔性|软板|軟板|polyimide", text, re.I):
        out["kind"] = "flex"
    elif re.search(r"\bhdi\b|盲埋|microvia", text, re.I):
        out["kind"] = "hdi"
    elif layers:
        out["kind"] = "rigid"
    if layers:
        out["layers"] = str(int(layers.group(1)))
    elif out.get("kind") == "alu":
        out["layers"] = "1"
    thickness = re.search(r"(\d)[.,](\d{1,2})\s*mm", text)
    if thickness:
        out["thickness"] = f"{thickness.group(1)}.{thickness.group(2)}"
    return out
