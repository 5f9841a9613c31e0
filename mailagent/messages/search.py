"""Full-text search over stored mail: the query behind the search page, the inbox's text
filter and ``mailagent messages list --search``.

A query is split into terms (``"quoted phrases"`` stay one term); a message matches when
*every* term is found in its index row (migration 0015): subject, new text, translations,
sender, customer name/code, order/PO/PI numbers (also with separators removed, so
"SO2026-0088" finds "SO-2026-0088") and attachment names. Matching is by substring,
case-insensitive, so German compounds, Chinese without spaces and order numbers behave
alike.

The answer is always *newest first, one page*, and the database stops once the page is
full. SQLite: the FTS5 trigram table's rowid is a recency key (``received_at`` minute ×
2^36 + message id), so ``MATCH … ORDER BY rowid DESC LIMIT n`` walks the matching postings
backwards and stops after ``n`` rows that pass the filters; terms shorter than three
characters (no trigram) are checked with ``LIKE`` on the same newest-first walk.
Order, PO and PI numbers (a term of ASCII letters, digits and separators with a word of
four or more digits, not digits alone) are the exception: every trigram of "PO-4500000077"
may be in most rows, so the phrase was checked in nearly all of them. They are looked up as
whole words in the word index ``message_words`` (the same rows, unicode61 words, same
recency rowid): the number's words in order, the last one also as a beginning
("PO-4500118999" in a mail is found by "po/4500118999" and "PO-45001", the filed order's
numbers also without separators, but not by "00-118999"); other terms of such a query are
checked by substring on the few rows found.
PostgreSQL: the index text is stored in lower case and compared with ``LIKE lower(…)``
(``ILIKE`` would lower-case every row it reads); a pg_trgm GIN index answers rare terms; a
common term is first looked for in the newest :data:`WINDOW` index rows (a backward scan of
the ``received_at`` index), which fills a page long before the bitmap of all its matches
would be read. When that window does not fill the page, a window four times larger is tried
if the first found at least a quarter of a page (a customer's name: every trigram common, a
match in 200 rows, the GIN bitmap as large as the table); otherwise the full (GIN) query
runs, which for a rare term reads only its few rows. Either way the result is exact.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    column,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from mailagent.customers.keys import normalise_number
from mailagent.db import models as m

__all__ = [
    "COLUMNS",
    "COUNT_CAP",
    "MAX_TERMS",
    "WINDOW",
    "WINDOWS",
    "Span",
    "count_matches",
    "matching_ids",
    "search_select",
    "terms",
]

MAX_TERMS = 8
WINDOW = 4000  # PostgreSQL: the newest index rows tried before the full query
WINDOWS = (WINDOW, 4 * WINDOW)  # ... and a larger one when the first was a quarter full
COUNT_CAP = 1000  # counts stop here ("1000+")
COLUMNS = ("subject", "body", "translation", "sender", "customer", "orders", "attachments")
_MAX_TERM = 100
_ID_BITS = (1 << 36) - 1  # the message id in the SQLite recency key

_FTS = table("message_search", column("rowid"), *(column(c) for c in COLUMNS))
_WORDS = table("message_words", column("rowid"))
_WORD = re.compile(r"[A-Za-z0-9]+")  # a word of the word index (unicode61), ASCII terms
_PG = table("message_search", column("message_pk"), column("doc"), column("received_at"))


@dataclass(frozen=True, slots=True)
class Span:
    """Received within [since, until) (either end open)."""

    since: datetime | None = None
    until: datetime | None = None


def terms(query: str) -> list[str]:
    """The search terms of ``query``: whitespace-separated, quoted phrases kept together."""
    query = query.strip()
    if not query:
        return []
    try:
        parts = shlex.split(query, posix=True)
    except ValueError:  # an unbalanced quote: take the words as they are
        parts = query.replace('"', " ").replace("'", " ").split()
    out: list[str] = []
    for part in parts:
        part = re.sub(r"\s+", " ", part).strip()[:_MAX_TERM]
        if part and part.casefold() not in {t.casefold() for t in out}:
            out.append(part)
    return out[:MAX_TERMS]


def _alternatives(term: str) -> list[str]:
    """``term`` itself, and its order-number key when it looks like one ("so 2026-0088")."""
    key = normalise_number(term)
    if len(key) >= 3 and any(c.isdigit() for c in key) and key.casefold() != term.casefold():
        return [term, key]
    return [term]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _minute_key(at: datetime, minutes: int) -> int:
    """The recency key at the start of the minute ``minutes`` after ``at``'s (SQLite)."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return (int(aware.timestamp()) // 60 + minutes) << 36


def _number_phrase(term: str) -> str | None:
    """The word-index query (FTS5 syntax) of a number-like term: ASCII letters, digits and
    separators with a word of four or more digits ("PO-4500000077", "so 2026-0088",
    "4500118999"): its words in order, the last one also as a prefix. None for other terms
    (they stay substring matches on the trigram index)."""
    if not term.isascii():
        return None
    words = _WORD.findall(term)
    if not any(sum(c.isdigit() for c in w) >= 4 for w in words):
        return None
    return '"' + " ".join(words) + '"*'


def _sqlite_select(
    found: list[str], where: Sequence[Any], span: Span, words: bool = True
) -> tuple[Select[Any], tuple[Any, ...]]:
    found_numbers = {t: _numbers(t) for t in found} if words else {}
    numbers = {t: q for t, q in found_numbers.items() if q is not None}
    if numbers:
        return _sqlite_words_select(found, numbers, where, span)
    pk = _FTS.c.rowid.op("&")(_ID_BITS)
    matches: list[str] = []
    conditions: list[Any] = []
    # a date range is a rowid range of the index (a minute wider each side; ``where`` has
    # the exact bounds): the walk starts and stops there instead of reading newer matches
    if span.since is not None:
        conditions.append(_FTS.c.rowid >= _minute_key(span.since, -1))
    if span.until is not None:
        conditions.append(_FTS.c.rowid < _minute_key(span.until, 2))
    for term in found:
        long = [a for a in _alternatives(term) if len(a) >= 3]
        if len(term) >= 3:
            matches.append("(" + " OR ".join(_phrase(a) for a in long) + ")")
        else:  # no trigram to look up: checked row by row on the newest-first walk
            pattern = _like(term)
            conditions.append(or_(*(_FTS.c[c].like(pattern, escape="\\") for c in COLUMNS)))
    if matches:
        conditions.insert(
            0, text("message_search MATCH :search").bindparams(search=" AND ".join(matches))
        )
    stmt = select(pk.label("id")).select_from(_FTS)
    if where:
        stmt = stmt.join(m.Message, m.Message.id == pk).outerjoin(
            m.Customer, m.Customer.id == m.Message.customer_id
        )
    return stmt.where(*conditions, *where), (_FTS.c.rowid.desc(),)


def _numbers(term: str) -> str | None:
    """A number-like term's word-index query: the term as written or its order-number key.
    Digits alone ("4500", "118999") stay substrings: "4500 118999" is two terms."""
    if term.isdigit():
        return None
    phrases = [_number_phrase(a) for a in _alternatives(term)]
    if any(p is None for p in phrases):
        return None
    return " OR ".join(dict.fromkeys(p for p in phrases if p))


def _sqlite_words_select(
    found: list[str], numbers: dict[str, str], where: Sequence[Any], span: Span
) -> tuple[Select[Any], tuple[Any, ...]]:
    """A query with an order/PO/PI number: the word index finds the few rows with that
    number, newest first; the other terms are checked on those rows by substring."""
    words = _WORDS.alias("w")
    fts = _FTS.alias("s")
    pk = words.c.rowid.op("&")(_ID_BITS)
    conditions: list[Any] = [
        text("message_words MATCH :numbers").bindparams(
            numbers=" AND ".join(f"({q})" for q in numbers.values())
        )
    ]
    if span.since is not None:
        conditions.append(words.c.rowid >= _minute_key(span.since, -1))
    if span.until is not None:
        conditions.append(words.c.rowid < _minute_key(span.until, 2))
    others = [t for t in found if t not in numbers]
    stmt = select(pk.label("id")).select_from(words)
    if others:
        stmt = stmt.join(fts, fts.c.rowid == words.c.rowid)
        for term in others:
            pattern = _like(term)
            conditions.append(or_(*(fts.c[c].like(pattern, escape="\\") for c in COLUMNS)))
    if where:
        stmt = stmt.join(m.Message, m.Message.id == pk).outerjoin(
            m.Customer, m.Customer.id == m.Message.customer_id
        )
    return stmt.where(*conditions, *where), (words.c.rowid.desc(),)


def _span(received_at: Any, span: Span) -> list[Any]:
    out = []
    if span.since is not None:
        out.append(received_at >= span.since)
    if span.until is not None:
        out.append(received_at < span.until)
    return out


def _postgres_select(
    found: list[str], where: Sequence[Any], span: Span, window: int | None
) -> tuple[Select[Any], tuple[Any, ...]]:
    source: Any = _PG
    if window is not None:
        source = (
            select(_PG)
            .where(*_span(_PG.c.received_at, span))
            .order_by(_PG.c.received_at.desc(), _PG.c.message_pk.desc())
            .limit(window)
            .subquery("recent")
        )
    conditions = [  # doc is stored in lower case: lower(pattern) is ILIKE without its cost
        or_(*(source.c.doc.like(func.lower(_like(a)), escape="\\") for a in _alternatives(term)))
        for term in found
    ]
    conditions += _span(source.c.received_at, span)
    stmt = select(source.c.message_pk.label("id")).select_from(source)
    if where:
        stmt = stmt.join(m.Message, m.Message.id == source.c.message_pk).outerjoin(
            m.Customer, m.Customer.id == m.Message.customer_id
        )
    order = (source.c.received_at.desc(), source.c.message_pk.desc())
    return stmt.where(and_(*conditions), *where), order


def search_select(
    query: str,
    dialect: str,
    where: Sequence[Any] = (),
    *,
    span: Span = Span(),
    window: int | None = None,
    words: bool = True,
) -> Select[Any] | None:
    """The ids of the messages matching ``query`` and every condition of ``where`` (on
    ``messages`` and ``customers``), received within ``span``, newest first; None when
    ``query`` has no terms. ``window`` (PostgreSQL): only the newest that many index rows;
    ``words`` (SQLite): whether the word index (``message_words``) may be used."""
    found = terms(query)
    if not found:
        return None
    if dialect == "postgresql":
        stmt, order = _postgres_select(found, where, span, window)
    else:
        stmt, order = _sqlite_select(found, where, span, words)
    return stmt.order_by(*order)


def _has_words(session: Session) -> bool:
    """Whether the store has the word index (SQLite; migration 0018 adds it: a store at
    0017 has only the trigram index, and is searched with it alone)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'message_words'")
    ).first()
    return found is not None


def matching_ids(
    session: Session,
    query: str,
    where: Sequence[Any] = (),
    *,
    span: Span = Span(),
    limit: int = 50,
    offset: int = 0,
) -> list[int]:
    """One page of matching message ids, newest first (the database stops at the page)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        for window, larger in zip(WINDOWS, (*WINDOWS[1:], 0), strict=True):
            recent = search_select(query, dialect, where, span=span, window=window)
            if recent is None:
                return []
            ids = list(session.scalars(recent.limit(limit).offset(offset)))
            if len(ids) == limit:
                return ids
            # as many hits further back: would the larger window fill the page? If not, the
            # term is rare here and the full (GIN) query reads only its few rows
            seen = offset + len(ids) if ids else 0
            if seen * larger < (offset + limit) * window:
                break
    stmt = search_select(query, dialect, where, span=span, words=_has_words(session))
    if stmt is None:
        return []
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def count_matches(
    session: Session,
    query: str,
    where: Sequence[Any] = (),
    cap: int = COUNT_CAP,
    span: Span = Span(),
) -> tuple[int, bool]:
    """How many messages match, counted up to ``cap`` (then ``(cap, True)``: "cap+")."""
    dialect = session.get_bind().dialect.name
    stmt = search_select(query, dialect, where, span=span, words=_has_words(session))
    if stmt is None:
        return 0, False
    capped = stmt.order_by(None).limit(cap + 1).subquery()
    n = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    return min(n, cap), n > cap
