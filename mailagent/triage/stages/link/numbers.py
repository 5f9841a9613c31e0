"""Order, PO and PI number candidates found in a mail, and the one normalisation of them.

Pure helpers for ``stages/link.py``: :func:`find_numbers` scans the subject, the new text and
the attachment file names for tokens shaped like order numbers (``SO-2026-0088``,
``PI-XX-2026-031``, ``PO 45001``, ``P.O. No. 45001``, SAP-style ``4500012345``) and
:func:`normalise_number` is the comparison key used on both sides of a lookup
(``db/directory.py`` applies the same rule in SQL); :func:`pair_orders` pairs each token with
the orders the directory returned for it. Finding a token decides nothing: only a token that
equals a stored order key matters, so the patterns may be generous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mailagent.context import OrderInfo
from mailagent.customers.keys import normalise_number
from mailagent.records import InboundMail

__all__ = [
    "FoundNumber",
    "Hit",
    "all_keys",
    "find_numbers",
    "pair_orders",
]

_EDGE_L = r"(?<![A-Za-z0-9])"
_EDGE_R = r"(?![A-Za-z0-9]|[-/]\d)"
_SEP = r"[-\s_/]?"

# "PO 45001", "PO#45001", "P.O. No. 4500012345", "PO-Nr. 45001": the digits are a key too,
# because buyers' PO numbers are often stored without the "PO" prefix.
_PO = re.compile(
    _EDGE_L
    + r"P\.?\s?O\.?[-\s_]*(?:No\.?|Nr\.?|Number|#)?[\s_]*[-#:]?\s*(\d[\d-]{2,20}\d)"
    + _EDGE_R,
    re.IGNORECASE,
)
# Coded numbers: "SO-2026-0088", "PI-XX-2026-031", "INV 2026 0012", "ORD-2024-0117".
_CODED = re.compile(
    _EDGE_L + r"[A-Z]{2,4}(?:[-_/]?[A-Z]{2,4})?" + _SEP + r"\d{4}" + _SEP + r"\d{2,5}"
    + _EDGE_R,
    re.IGNORECASE,
)  # fmt: skip
# Prefixed numbers without a year group: "PI20260031", "SO-88123", "OC 7781".
_PREFIXED = re.compile(
    _EDGE_L + r"(?:PI|SO|PL|CI|INV|ORD|OC|AB|PR)" + _SEP + r"\d{3,12}" + _EDGE_R, re.IGNORECASE
)
# Bare long numbers: SAP purchase orders (4500012345) and similar customer PO numbers.
_BARE = re.compile(_EDGE_L + r"\d{7,12}" + _EDGE_R)


@dataclass(frozen=True, slots=True)
class FoundNumber:
    """A token in the mail that may be an order key.

    ``text`` is the token as written (for reasons), ``where`` names the place ("subject",
    "text", "attachment PO_45001.pdf") and ``keys`` are the normalised forms to look up.
    """

    text: str
    where: str
    keys: tuple[str, ...]


def _tokens(text: str) -> Iterable[tuple[str, tuple[str, ...]]]:
    for m in _PO.finditer(text):
        digits = normalise_number(m.group(1))
        yield m.group(0).strip(), ("PO" + digits, digits)
    for pattern in (_CODED, _PREFIXED, _BARE):
        for m in pattern.finditer(text):
            yield m.group(0).strip(), (normalise_number(m.group(0)),)


def _scan(text: str, where: str) -> list[FoundNumber]:
    return [FoundNumber(token, where, keys) for token, keys in _tokens(text)]


def find_numbers(mail: InboundMail, *, limit: int = 60) -> tuple[FoundNumber, ...]:
    """Candidate numbers in evidence order: subject, new text, attachment names.

    A key found earlier wins over the same key found later; at most ``limit`` tokens are
    kept so a price list pasted into a mail cannot produce thousands of lookups.
    """
    places: list[tuple[str, str]] = [(mail.subject, "subject"), (mail.new_text, "text")]
    places += [(a.filename, f"attachment {a.filename}") for a in mail.attachments]
    seen: set[str] = set()
    found: list[FoundNumber] = []
    for text, where in places:
        for hit in _scan(text, where):
            fresh = tuple(k for k in hit.keys if k and k not in seen)
            if not fresh:
                continue
            seen.update(fresh)
            found.append(FoundNumber(hit.text, hit.where, fresh))
            if len(found) >= limit:
                return tuple(found)
    return tuple(found)


def all_keys(found: Sequence[FoundNumber]) -> tuple[str, ...]:
    """Every lookup key of ``found``, in order, without repeats."""
    return tuple(dict.fromkeys(k for f in found for k in f.keys))


Hit = tuple[FoundNumber, OrderInfo]


def pair_orders(found: Sequence[FoundNumber], orders: Sequence[OrderInfo]) -> list[Hit]:
    """Pair each found token with the orders it names, in evidence order, each order once."""
    hits: list[Hit] = []
    seen: set[int] = set()
    for token in found:
        for order in orders:
            keys = {
                normalise_number(k) for k in (order.order_no, order.customer_po, order.pi_number)
            }
            if order.id not in seen and keys.intersection(token.keys) - {""}:
                seen.add(order.id)
                hits.append((token, order))
    return hits
