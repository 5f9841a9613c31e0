"""Matching keys shared by the link stage, the archive import and the store.

One definition each of how order numbers and domains are compared, so that what the
archive import writes, what the store queries and what the link stage looks for agree.
"""

from __future__ import annotations

import re

__all__ = ["NUMBER_SEPARATORS", "normalise_number", "parent_domains"]

# Characters ignored when comparing numbers: "PO 45001" == "PO-45001" == "po#45001".
# db/directory.py strips exactly these in SQL, so keep both in step.
NUMBER_SEPARATORS = " -_/.#:\t"

_STRIP = re.compile("[" + re.escape(NUMBER_SEPARATORS) + "]")


def normalise_number(number: str) -> str:
    """The comparison key of an order/PO/PI number: separators removed, upper case."""
    return _STRIP.sub("", number).upper()


def parent_domains(domain: str) -> list[str]:
    """``mail.eu.acme.com`` → [mail.eu.acme.com, eu.acme.com, acme.com] (never the TLD)."""
    labels = domain.lower().strip(".").split(".")
    return [".".join(labels[i:]) for i in range(max(1, len(labels) - 1))]
