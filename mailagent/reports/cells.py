"""Spreadsheet-safe cell values: the one place every CSV and XLSX export neutralises formulas.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula (OWASP "CSV injection"): a mail subject
or a sender's display name ``=HYPERLINK("http://x","y")`` would become a live link or worse
in a supervisor's report. :func:`safe_cell` prefixes such text with an apostrophe, which
spreadsheet programs show as text and never evaluate. Numbers, dates and ``None`` are data
already and pass unchanged. Every exporter (``reports/output.py``: CLI reports, the web
dashboard's CSV/XLSX downloads) writes its rows through :func:`safe_row`; nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_PREFIXES", "is_formula_like", "safe_cell", "safe_row"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Full-width forms that some spreadsheet programs normalise to their ASCII equivalents.
_WIDE_PREFIXES = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
# Harmless text that starts with a sign: a lone dash (an empty value) or a plain number.
_PLAIN = re.compile(r"-|[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet program would evaluate as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES + _WIDE_PREFIXES)
        and not _PLAIN.fullmatch(value)
    )


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it as data: formula-like text gets a leading ``'``."""
    if isinstance(value, str):
        # control characters other than tab/newline have no place in a cell
        value = "".join(c for c in value if c >= " " or c in "\t\n\r")
        if is_formula_like(value):
            return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]
