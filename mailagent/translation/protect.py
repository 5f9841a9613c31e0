"""Protect trade data from the translation model with placeholders (pure, no models).

Neural models garble exactly what matters most in a sales mail: part numbers
(``HX-4L-FR4-1.6``), prices (``USD 1,234.50``), quantities (``5,000 pcs``), Incoterms,
order numbers (``PO-45001``), addresses and links; a draft's ``[[...]]`` notes to the
salesperson are theirs and stay as written. :func:`protect` replaces each with a
placeholder ``⟦N⟧`` that the model should copy, and :func:`restore` puts the original text
back (or, for glossary terms, the forced target-language term).

Restoration is defensive because a model may mangle, repeat, drop or invent placeholders:
``⟦ 0 ⟧``, ``[[0]]`` and full-width digits are accepted; each placeholder is restored once
(repeats and unknown numbers are removed); a placeholder the model dropped is re-inserted
at the end of the sentence (before its final punctuation), so a price or part number is
never lost, only possibly moved. Text that already contains ``⟦N⟧`` is itself protected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mailagent.translation.glossary import Glossary
from mailagent.translation.segment import CJK_LANGUAGES, is_cjk

__all__ = ["PLACEHOLDER", "Protected", "Span", "placeholder", "protect", "restore"]

PLACEHOLDER = "⟦{}⟧"

_A = r"(?<![A-Za-z0-9])"  # ASCII boundaries: "型号HX-4L" has no \b before H
_Z = r"(?![A-Za-z0-9])"
_NUM = r"(?<![\d.,])(?:\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+(?:[.,]\d{1,4})?|\d+(?:[.,]\d{1,4})?)"
_CURRENCY_CODES = (
    "USD|EUR|GBP|CNY|RMB|JPY|CHF|AUD|CAD|HKD|SGD|NZD|INR|RUB|BRL|MXN|KRW|TRY|PLN|CZK|HUF"
    "|SEK|NOK|DKK|AED|SAR|ZAR|THB|MYR|IDR|VND|PHP|ILS"
)
_CURRENCY_SIGNS = r"US\$|R\$|A\$|C\$|HK\$|\$|€|£|¥|￥|₹|₽|₩|₺"
_PER = r"(?:\s?/\s?(?:pcs|pc|piece|unit|set|kg|m2|m²|sqm|m|roll|panel|lot|ton|lb))?(?![A-Za-z])"
# International unit abbreviations kept verbatim with their number. Words a reader needs
# translated ("days", "Stück", "件") are left to the model.
_UNITS = (
    "pcs|pc|mm|cm|µm|μm|um|mils|mil|oz|kg|mg|lbs|lb|m²|m2|sqm|㎡|ft|kV|mV|mA|kW|kHz|MHz"
    "|GHz|Hz|°C|℃|℉|°F|ml|kΩ|MΩ|Ω|%"
)
_TIGHT_UNITS = "V|A|W|g|m|t"  # single letters only when written without a space
_INCOTERMS = "EXW|FCA|FAS|FOB|CFR|CIF|CPT|CIP|DAP|DPU|DDP|DAT|DDU|DES|DEQ|C&F|CNF"
_ORDER_PREFIX = "PO|PI|SO|INV|DN|CI|PL|QT|RFQ|RMA|NCR|AWB|BL|LC"

# (kind, pattern); earlier kinds win when two matches start at the same place and are
# equally long. Overlaps are resolved by position, then by length.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("placeholder", re.compile(r"⟦[^⟦⟧\n]{0,12}⟧|\[\[[^\[\]\n]{0,12}\]\]")),
    # a draft's note to the salesperson ("[[PRICE NEEDED / 待报价: ...]]"): theirs, kept as is
    ("marker", re.compile(r"\[\[[^\[\]\n]{13,400}\]\]")),
    ("url", re.compile(r"(?:https?://|www\.)[!-~]+", re.IGNORECASE)),
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    (
        "order",
        re.compile(
            rf"{_A}(?:{_ORDER_PREFIX})(?:\s?(?:No\.?|Nr\.?|#)\s?|[-#:/ ]?)"
            rf"(?=[A-Z0-9/-]*\d)[A-Z0-9]+(?:[-/][A-Z0-9]+)*{_Z}"
        ),
    ),
    (
        "price",
        re.compile(
            rf"(?:{_A}(?:{_CURRENCY_CODES})|{_CURRENCY_SIGNS})\s?{_NUM}{_PER}"
            rf"|{_NUM}\s?(?:(?:{_CURRENCY_CODES}){_Z}|€|£|¥|元|美元|欧元|円){_PER}"
        ),
    ),
    (
        "quantity",
        re.compile(
            rf"{_NUM}(?:\s?[-–~]\s?{_NUM})?(?:\s?[x×*]\s?{_NUM})*"
            rf"(?:\s?(?:{_UNITS})|(?:{_TIGHT_UNITS}))(?![A-Za-z0-9²])"
        ),
    ),
    ("incoterm", re.compile(rf"{_A}(?:{_INCOTERMS}){_Z}")),
    (
        "code",
        re.compile(
            rf"{_A}(?=[A-Z0-9./-]*\d)(?=[A-Z0-9./-]*[A-Z])"
            rf"(?:[A-Z0-9]+(?:[-/.][A-Z0-9]+)+|[A-Z0-9]{{3,}}){_Z}"
        ),
    ),
)
_TRAILING = ".,;:!?)]}'\"»。，；：！？）」』"
_RESTORE = re.compile(r"(?:⟦|\[\[)\s*([0-9０-９]{1,3})\s*(?:⟧|\]\])")
_FINAL = re.compile(r"[.!?。！？…]+[\"'”’»)）」』]*\s*$")


@dataclass(frozen=True, slots=True)
class Span:
    """One protected run: ``original`` text, and what :func:`restore` writes back."""

    kind: str
    original: str
    replacement: str


@dataclass(frozen=True, slots=True)
class Protected:
    """Text with placeholders (``text``) plus the spans, numbered by position."""

    text: str
    spans: tuple[Span, ...]

    @property
    def has_words(self) -> bool:
        """Whether anything is left for the model once placeholders are ignored."""
        bare = _RESTORE.sub("", self.text)
        return any(ch.isalpha() for ch in bare)


def placeholder(index: int) -> str:
    return PLACEHOLDER.format(index)


def protect(
    text: str, *, glossary: Glossary | None = None, source: str = "", target: str = ""
) -> Protected:
    """Replace protected runs in ``text`` (one sentence) by numbered placeholders."""
    found: list[tuple[int, int, int, Span]] = []  # start, end, priority, span
    priority = 0  # 0 and 1: glossary terms and keep words, which win over any rule
    if glossary is not None:
        for term in sorted(glossary.terms_for(source, target), key=lambda t: -len(t.source)):
            for m in _term_pattern(term.source, ignore_case=True).finditer(text):
                found.append((m.start(), m.end(), priority, Span("term", m.group(), term.target)))
        priority += 1
        for word in sorted(glossary.keep, key=len, reverse=True):
            for m in _term_pattern(word, ignore_case=False).finditer(text):
                found.append((m.start(), m.end(), priority, Span("keep", m.group(), m.group())))
    priority = 2
    for kind, pattern in _RULES:
        for m in pattern.finditer(text):
            start, value = m.start(), m.group()
            if kind in ("url", "email"):
                value = value.rstrip(_TRAILING)
            value = value.rstrip()
            if value:
                found.append((start, start + len(value), priority, Span(kind, value, value)))
        priority += 1
    chosen = _non_overlapping(found)
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    for start, end, _, span in chosen:
        out.append(text[pos:start])
        out.append(placeholder(len(spans)))
        spans.append(span)
        pos = end
    out.append(text[pos:])
    return Protected("".join(out), tuple(spans))


def restore(translated: str, protected: Protected, *, target: str = "") -> str:
    """Put protected runs back into the model output (see the module docstring)."""
    if not protected.spans:
        return _RESTORE.sub("", translated) if _RESTORE.search(translated) else translated
    used: set[int] = set()

    def put_back(m: re.Match[str]) -> str:
        i = int(m.group(1))
        if i >= len(protected.spans) or i in used:
            return ""
        used.add(i)
        return protected.spans[i].replacement

    out = _RESTORE.sub(put_back, translated)
    missing = [s.replacement for i, s in enumerate(protected.spans) if i not in used]
    if missing:
        out = _append(out, missing, target)
    return re.sub(r"(?<=\S)  +(?=\S)", " ", out).strip() if missing or used else out


def _append(text: str, values: Iterable[str], target: str) -> str:
    extra = " ".join(values)
    m = _FINAL.search(text)
    head, tail = (text[: m.start()], text[m.start() :]) if m else (text.rstrip(), "")
    cjk_edge = target in CJK_LANGUAGES and bool(head) and is_cjk(head[-1])
    if head and not head.endswith(" ") and not cjk_edge:
        head += " "
    return f"{head}{extra}{tail}"


def _term_pattern(term: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = re.escape(term)
    if not is_cjk(term[0]):
        body = r"(?<!\w)" + body
    if not is_cjk(term[-1]):
        body += r"(?!\w)"
    return re.compile(body, re.IGNORECASE if ignore_case else 0)


def _non_overlapping(
    found: list[tuple[int, int, int, Span]],
) -> list[tuple[int, int, int, Span]]:
    found.sort(key=lambda f: (f[2] > 1, f[0], -(f[1] - f[0]), f[2]))
    chosen: list[tuple[int, int, int, Span]] = []
    taken: list[tuple[int, int]] = []
    for item in found:
        start, end = item[0], item[1]
        if end <= start or any(start < e and s < end for s, e in taken):
            continue
        chosen.append(item)
        taken.append((start, end))
    return sorted(chosen, key=lambda f: f[0])
