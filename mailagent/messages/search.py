"""Full-text search over stored mail: the SQL condition behind the search box and
``mailagent messages list --search``.

A query is split into terms (``"quoted phrases"`` stay one term); a message matches when
*every* term is found in its subject, new text, translation, sender or attachment names
(the ``message_search`` index, migration 0006), or names its customer (name or code) or its
order (order, PO or PI number, separators ignored). Matching is by substring, case-insensitive,
so German compounds ("Reklamation" in "Reklamationsbericht"), Chinese without spaces and
order numbers all behave alike: SQLite answers from an FTS5 trigram index, PostgreSQL from a
pg_trgm GIN index. Terms shorter than three characters cannot use a trigram index and fall
back to a scan of the index table (still one table, never the messages themselves).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, false, or_, select, table, text, union

from mailagent.customers.keys import normalise_number
from mailagent.db import models as m
from mailagent.db.directory import normalised_number_sql

__all__ = ["MAX_TERMS", "search_condition", "terms"]

MAX_TERMS = 8
_MAX_TERM = 100
_FTS_COLUMNS = ("subject", "body", "translation", "sender", "attachments")


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


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_INDEX = table("message_search", column("rowid"), column("message_pk"), column("doc"))


def _index_hits(term: str, dialect: str, n: int) -> Select[Any]:
    """Message ids whose indexed text contains ``term``."""
    if dialect == "postgresql":
        return select(_INDEX.c.message_pk.label("id")).where(
            _INDEX.c.doc.ilike(_like(term), escape="\\")
        )
    hits = select(_INDEX.c.rowid.label("id"))
    param = f"search_{n}"
    if len(term) >= 3:
        phrase = '"' + term.replace('"', '""') + '"'
        match = text(f"message_search MATCH :{param}").bindparams(**{param: phrase})
        return hits.where(match)
    pattern = _like(term)
    return hits.where(or_(*(column(c).like(pattern, escape="\\") for c in _FTS_COLUMNS)))


def _term_condition(term: str, dialect: str, n: int) -> ColumnElement[bool]:
    """Messages that contain ``term``, or whose customer or order it names: one id list
    (a UNION the database materialises once and probes by primary key)."""
    pattern = _like(term)
    customers = select(m.Customer.id).where(
        or_(
            m.Customer.name.ilike(pattern, escape="\\"),
            m.Customer.code.ilike(pattern, escape="\\"),
        )
    )
    parts: list[Any] = [
        _index_hits(term, dialect, n),
        select(m.Message.id).where(m.Message.customer_id.in_(customers)),
    ]
    key = normalise_number(term)
    if len(key) >= 3 and any(c.isdigit() for c in key):
        numbers = [m.Order.order_no, m.Order.customer_po, m.Order.pi_number]
        orders = select(m.Order.id).where(
            or_(*(normalised_number_sql(c).like(_like(key), escape="\\") for c in numbers))
        )
        parts.append(select(m.Message.id).where(m.Message.order_id.in_(orders)))
    return m.Message.id.in_(union(*parts))


def search_condition(query: str, dialect: str) -> ColumnElement[bool] | None:
    """The WHERE condition on ``messages`` for ``query`` (None: no terms, no condition)."""
    found = terms(query)
    if not found:
        return None
    parts = [_term_condition(term, dialect, n) for n, term in enumerate(found)]
    return and_(*parts) if parts else false()
