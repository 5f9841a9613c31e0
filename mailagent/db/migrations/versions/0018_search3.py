"""search3: a word index for order numbers (SQLite), lower-case search text (PostgreSQL)

On top of 0017's newest-first index (its rows, view and recency key are unchanged):

SQLite: ``message_words``, a word-level FTS5 index (unicode61) of the same rows as
``message_search`` (external content, same recency rowid): order, PO and PI numbers are
looked up there as whole words (one rare token) instead of as a phrase of trigrams that are
in almost every row. Every search trigger of 0017 is recreated so that it keeps both indexes
(a row leaves the word index, with the values it indexed, before it leaves
``message_search``); the word index is filled from the rows already indexed.

PostgreSQL: ``message_search_doc`` returns its text in lower case (a search compares with
``LIKE lower(pattern)``: ``ILIKE`` lower-cased every row it read, each time) and every
stored ``doc`` is rewritten with it. The triggers call the function by name, so they need no
change; no index or view is built on the function.

Downgrade: back to 0017 exactly (its triggers, the mixed-case text).

This migration rebuilds the search triggers over every earlier table (an SQLite table
rebuild drops them): it must stay last.

Revision ID: 0018_search3
Revises: 0017_search2
Create Date: 2026-12-02 16:30:00.000000
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0018_search3"
down_revision = "0017_search2"
branch_labels = None
depends_on = None


def _previous() -> ModuleType:
    """0017's module: its recency key, columns and triggers (this migration's starting point
    and the downgrade's end)."""
    path = Path(__file__).with_name("0017_search2.py")
    spec = importlib.util.spec_from_file_location("mailagent_migration_0017", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0017 = _previous()
KEY: str = _0017.KEY
_COLUMNS: str = _0017._COLUMNS


def _words_delete(rowids: str) -> str:
    """Take the index rows ``rowids`` (an SQL condition on ``rowid``) out of the word index,
    with the values it indexed (an external-content FTS5 table): before they leave
    ``message_search``."""
    return f"""INSERT INTO message_words (message_words, {_COLUMNS})
            SELECT 'delete', {_COLUMNS} FROM message_search WHERE {rowids};"""


def _sqlite_refresh(where: str) -> str:
    """Statements (for a trigger body) that rebuild the rows of the messages ``where``
    selects (a condition on ``m``), in both indexes."""
    keys = f"rowid IN (SELECT {KEY.format(m='m')} FROM messages m WHERE {where})"
    return f"""{_words_delete(keys)}
        DELETE FROM message_search WHERE {keys};
        INSERT INTO message_search ({_COLUMNS})
            SELECT key, subject, body, translation, sender, customer, orders, attachments
            FROM message_search_source WHERE id IN (SELECT m.id FROM messages m WHERE {where});
        INSERT INTO message_words ({_COLUMNS})
            SELECT {_COLUMNS} FROM message_search WHERE {keys};"""


_SQLITE_TRIGGERS = {
    "message_search_insert": ("AFTER INSERT ON messages", _sqlite_refresh("m.id = new.id")),
    "message_search_update": (
        "AFTER UPDATE OF subject, new_text, translated_text, from_name, from_email,"
        " received_at, customer_id, order_id ON messages",
        _words_delete(f"rowid = {KEY.format(m='old')}")
        + f"DELETE FROM message_search WHERE rowid = {KEY.format(m='old')};"
        + _sqlite_refresh("m.id = new.id"),
    ),
    "message_search_delete": (
        "AFTER DELETE ON messages",
        _words_delete(f"rowid = {KEY.format(m='old')}")
        + f"DELETE FROM message_search WHERE rowid = {KEY.format(m='old')};",
    ),
    "message_search_attachment": (
        "AFTER INSERT ON attachments",
        _sqlite_refresh("m.id = new.message_pk"),
    ),
    "message_search_attachment_delete": (
        "AFTER DELETE ON attachments",
        _sqlite_refresh("m.id = old.message_pk"),
    ),
    "message_search_translation": (
        "AFTER INSERT ON message_translations",
        _sqlite_refresh("m.id = new.message_id"),
    ),
    "message_search_translation_update": (
        "AFTER UPDATE OF subject, body ON message_translations",
        _sqlite_refresh("m.id = new.message_id"),
    ),
    "message_search_translation_delete": (
        "AFTER DELETE ON message_translations",
        _sqlite_refresh("m.id = old.message_id"),
    ),
    "message_search_customer": (
        "AFTER UPDATE OF name, code ON customers",
        _sqlite_refresh("m.customer_id = new.id"),
    ),
    "message_search_order": (
        "AFTER UPDATE OF order_no, customer_po, pi_number ON orders",
        _sqlite_refresh("m.order_id = new.id"),
    ),
}


def _create_triggers(triggers: dict[str, tuple[str, str]]) -> None:
    for name, (when, body) in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN\n        {body}\n    END")


SQLITE = [
    # a store made by a pre-release build of 0017 already has one (kept by that build's
    # triggers, which are replaced below): it is made again, so it is filled once
    "DROP TABLE IF EXISTS message_words",
    # the word index: the same rows, tokenised into whole words (its content is read from
    # message_search): an order number is one rare token there, whereas every trigram of
    # "PO-4500000077" may be in most rows of the trigram index
    f"""CREATE VIRTUAL TABLE message_words USING fts5(
        {_COLUMNS.removeprefix("rowid, ")}, content = 'message_search',
        content_rowid = 'rowid', tokenize = 'unicode61')""",
]
_SQLITE_FILL = f"INSERT INTO message_words ({_COLUMNS}) SELECT {_COLUMNS} FROM message_search"


def _postgres_doc(lower: bool) -> str:
    """``message_search_doc`` as 0017 made it, or (``lower``) returning lower-case text."""
    (statement,) = (s for s in _0017.POSTGRES if "FUNCTION message_search_doc" in s)
    assert isinstance(statement, str)
    if not lower:
        return statement
    head, sep, rest = statement.partition("SELECT concat_ws(")
    body, end, tail = rest.rpartition(")")
    assert sep and end, "0017's message_search_doc changed shape"
    return f"{head}SELECT lower(concat_ws({body}{end}){tail}"


# every stored doc from the (just replaced) function; rows whose text is already what it
# returns (no upper-case letter) are left alone
_POSTGRES_REWRITE = """INSERT INTO message_search (message_pk, doc, received_at)
        SELECT m.id, message_search_doc(m), m.received_at FROM messages m
    ON CONFLICT (message_pk) DO UPDATE
        SET doc = EXCLUDED.doc, received_at = EXCLUDED.received_at
        WHERE message_search.doc IS DISTINCT FROM EXCLUDED.doc
            OR message_search.received_at IS DISTINCT FROM EXCLUDED.received_at"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_doc(lower=True))
        op.execute(_POSTGRES_REWRITE)
        return
    for statement in SQLITE:
        op.execute(statement)
    _create_triggers(_SQLITE_TRIGGERS)
    op.execute(_SQLITE_FILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_postgres_doc(lower=False))
        op.execute(_POSTGRES_REWRITE)
        return
    # 0017's triggers first (they no longer touch the word index), then drop it
    triggers: dict[str, tuple[str, str]] = _0017._SQLITE_TRIGGERS
    assert set(triggers) == set(_SQLITE_TRIGGERS)
    _create_triggers(triggers)
    op.execute("DROP TABLE IF EXISTS message_words")
