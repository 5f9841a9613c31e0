"""Numeric ids in URLs, forms and query strings: ASCII digits that fit a 64-bit key, or nothing.

``int()`` accepts far more than a database key can hold ("99999999999999999999" overflows
SQLite's and PostgreSQL's BIGINT and used to answer 500) and ``str.isdigit()`` accepts
characters ``int()`` rejects ("²"). :func:`parse_id` is the one parser for ids the UI receives,
and the ``{name:id}`` path convertor registered here uses the same rule, so an id that cannot
exist simply does not match a route: 404. Importing :mod:`mailagent.web.routes` registers it.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

__all__ = ["MAX_ID", "IdConvertor", "parse_id"]

MAX_ID = 2**63 - 1
_MAX_DIGITS = 18  # every 18-digit number is below MAX_ID


def parse_id(value: str | None, *, maximum: int = MAX_ID) -> int | None:
    """``value`` as a non-negative int no larger than ``maximum``, else None."""
    if not value or len(value) > _MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None


class IdConvertor(Convertor[int]):
    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if not 0 <= value <= MAX_ID:
            raise ValueError("id out of range")
        return str(value)


register_url_convertor("id", IdConvertor())
