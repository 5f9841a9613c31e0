"""Country cells of the customer archive: ISO 3166-1 alpha-2 codes, or a country's name.

"DE", "de", "Germany", "germany", "德国" all become ``DE`` (names from the CLDR data that
Babel ships, in English and Chinese); "XX", "ZZ" or "Mars" are not countries and raise
``ValueError`` with the reason. Pure; no I/O beyond Babel's bundled data.
"""

from __future__ import annotations

import functools

__all__ = ["country_code"]

# CLDR "territories" that are not countries a customer can be in
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


@functools.cache
def _table() -> tuple[frozenset[str], dict[str, str]]:
    from babel import Locale

    codes = frozenset(
        str(code)
        for code in Locale("en").territories
        if len(str(code)) == 2 and str(code).isalpha() and code not in _NOT_COUNTRIES
    )
    names: dict[str, str] = {}
    for lang in ("en", "zh"):
        for code, name in Locale(lang).territories.items():
            if str(code) in codes:
                names.setdefault(str(name).casefold(), str(code))
    return codes, names


def country_code(text: str) -> str:
    """The ISO code for ``text`` (a code or a name); ValueError when it is no country."""
    codes, names = _table()
    value = text.strip()
    if value.upper() in codes:
        return value.upper()
    found = names.get(value.casefold())
    if found:
        return found
    raise ValueError(f"{text!r} is not a country (use an ISO 3166 code such as DE, US, CN)")
