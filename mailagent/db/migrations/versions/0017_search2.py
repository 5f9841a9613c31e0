"""search2: a newest-first search index that also covers translations, customers and orders

Replaces 0014's index so a search reads its matches newest first and stops after a page:

SQLite: the FTS5 trigram table ``message_search`` is rebuilt with its *rowid* = a recency
key (minute of ``received_at`` × 2^36 + message id, see :data:`KEY`), so ``ORDER BY rowid
DESC LIMIT n`` walks the matches newest first and stops after ``n``; the message id is the
key's low 36 bits. Columns: subject, new text, translation (``messages.translated_text`` and
every ``message_translations`` subject/body), sender, customer (name and code), orders
(order, PO and PI number, also with separators removed) and attachment names. The row is
built by the view ``message_search_source``; triggers on ``messages``, ``attachments``,
``message_translations``, ``customers`` and ``orders`` rebuild a message's row when any of
it changes.

PostgreSQL: ``message_search`` gains ``received_at`` with a (received_at, message_pk) index
(the newest-first window) and its ``doc`` covers the same fields; the same triggers keep it.

Both: ``attachments`` gets an index on ``message_pk`` (each index row gathers its
message's attachment names).

Revision ID: 0017_search2
Revises: 0014_search
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0017_search2"
down_revision = "0016_followups2"
branch_labels = None
depends_on = None

_SEPARATORS = " -_/.#:\t"  # customers.keys.NUMBER_SEPARATORS (a migration keeps its copy)


def _normalised(column: str) -> str:
    expr = column
    for char in _SEPARATORS:
        expr = f"replace({expr}, {_quote(char)}, '')"
    return f"upper({expr})"


def _quote(char: str) -> str:
    return "char(9)" if char == "\t" else "'" + char.replace("'", "''") + "'"


def _orders(alias: str) -> str:
    numbers = [f"{alias}.order_no", f"{alias}.customer_po", f"{alias}.pi_number"]
    return " || ' ' || ".join(numbers + [_normalised(n) for n in numbers])


# the recency key of a messages row aliased ``m`` (SQLite): minute * 2^36 + id
KEY = "((CAST(strftime('%s', {m}.received_at) AS INTEGER) / 60) * 68719476736 + {m}.id)"
_COLUMNS = "rowid, subject, body, translation, sender, customer, orders, attachments"

_SQLITE_SOURCE = f"""CREATE VIEW message_search_source AS SELECT
    {KEY.format(m="m")} AS key, m.id AS id, m.subject AS subject, m.new_text AS body,
    coalesce(m.translated_text, '') || ' ' || coalesce((
        SELECT group_concat(coalesce(t.subject, '') || ' ' || coalesce(t.body, ''), ' ')
        FROM message_translations t WHERE t.message_id = m.id), '') AS translation,
    m.from_name || ' ' || m.from_email AS sender,
    coalesce((SELECT c.name || ' ' || c.code FROM customers c
              WHERE c.id = m.customer_id), '') AS customer,
    coalesce((SELECT {_orders("o")} FROM orders o WHERE o.id = m.order_id), '') AS orders,
    coalesce((SELECT group_concat(a.filename, ' ') FROM attachments a
              WHERE a.message_pk = m.id), '') AS attachments
FROM messages m"""


def _sqlite_refresh(where: str) -> str:
    """Statements (for a trigger body) that rebuild the rows of the messages ``where``
    selects (a condition on ``m``)."""
    return f"""DELETE FROM message_search WHERE rowid IN (
            SELECT {KEY.format(m="m")} FROM messages m WHERE {where});
        INSERT INTO message_search ({_COLUMNS})
            SELECT key, subject, body, translation, sender, customer, orders, attachments
            FROM message_search_source WHERE id IN (SELECT m.id FROM messages m WHERE {where});"""


_SQLITE_TRIGGERS = {
    "message_search_insert": ("AFTER INSERT ON messages", _sqlite_refresh("m.id = new.id")),
    "message_search_update": (
        "AFTER UPDATE OF subject, new_text, translated_text, from_name, from_email,"
        " received_at, customer_id, order_id ON messages",
        f"DELETE FROM message_search WHERE rowid = {KEY.format(m='old')};"
        + _sqlite_refresh("m.id = new.id"),
    ),
    "message_search_delete": (
        "AFTER DELETE ON messages",
        f"DELETE FROM message_search WHERE rowid = {KEY.format(m='old')};",
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

SQLITE = [
    f"""CREATE VIRTUAL TABLE message_search USING fts5(
        {_COLUMNS.removeprefix("rowid, ")}, tokenize = 'trigram')""",
    _SQLITE_SOURCE,
    *(
        f"CREATE TRIGGER {name} {when} BEGIN\n        {body}\n    END"
        for name, (when, body) in _SQLITE_TRIGGERS.items()
    ),
    f"""INSERT INTO message_search ({_COLUMNS})
        SELECT key, subject, body, translation, sender, customer, orders, attachments
        FROM message_search_source""",
]

_POSTGRES_REFRESH = """INSERT INTO message_search (message_pk, doc, received_at)
            SELECT m.id, message_search_doc(m), m.received_at FROM messages m WHERE {where}
        ON CONFLICT (message_pk) DO UPDATE
            SET doc = EXCLUDED.doc, received_at = EXCLUDED.received_at"""

_PG_TABLE_TRIGGERS = {
    # trigger/function name: (event, rows to rebuild)
    "message_search_attachment": ("INSERT OR DELETE ON attachments", "m.id = r.message_pk"),
    "message_search_translation": (
        "INSERT OR DELETE OR UPDATE OF subject, body ON message_translations",
        "m.id = r.message_id",
    ),
    "message_search_customer": ("UPDATE OF name, code ON customers", "m.customer_id = r.id"),
    "message_search_order": (
        "UPDATE OF order_no, customer_po, pi_number ON orders",
        "m.order_id = r.id",
    ),
}


def _pg_table_trigger(name: str, event: str, where: str) -> list[str]:
    refresh = _POSTGRES_REFRESH.format(where=where.replace("r.", "NEW."))
    refresh_old = _POSTGRES_REFRESH.format(where=where.replace("r.", "OLD."))
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {event.rsplit(' ON ', 1)[1]}",
        f"DROP FUNCTION IF EXISTS {name}()",
        f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                {refresh_old};
                RETURN OLD;
            END IF;
            {refresh};
            RETURN NEW;
        END $$""",
        f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


POSTGRES = [
    "ALTER TABLE message_search ADD COLUMN received_at TIMESTAMPTZ",
    """CREATE INDEX ix_message_search_recent
        ON message_search (received_at DESC, message_pk DESC)""",
    f"""CREATE OR REPLACE FUNCTION message_search_doc(m messages) RETURNS text
        LANGUAGE sql STABLE AS $$
        SELECT concat_ws(' ', m.subject, m.new_text, m.translated_text, m.from_name,
            m.from_email,
            (SELECT string_agg(concat_ws(' ', t.subject, t.body), ' ')
             FROM message_translations t WHERE t.message_id = m.id),
            (SELECT c.name || ' ' || c.code FROM customers c WHERE c.id = m.customer_id),
            (SELECT {_orders("o").replace("char(9)", "chr(9)")} FROM orders o
             WHERE o.id = m.order_id),
            (SELECT string_agg(a.filename, ' ') FROM attachments a WHERE a.message_pk = m.id))
    $$""",
    f"""CREATE OR REPLACE FUNCTION message_search_sync() RETURNS trigger
        LANGUAGE plpgsql AS $$
    BEGIN
        {_POSTGRES_REFRESH.format(where="m.id = NEW.id")};
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS message_search_sync ON messages",
    """CREATE TRIGGER message_search_sync
        AFTER INSERT OR UPDATE OF subject, new_text, translated_text, from_name, from_email,
            received_at, customer_id, order_id
        ON messages FOR EACH ROW EXECUTE FUNCTION message_search_sync()""",
    *(
        statement
        for name, (event, where) in _PG_TABLE_TRIGGERS.items()
        for statement in _pg_table_trigger(name, event, where)
    ),
    _POSTGRES_REFRESH.format(where="true"),
]


def _previous() -> ModuleType:
    path = Path(__file__).with_name("0014_search.py")
    spec = importlib.util.spec_from_file_location("mailagent_migration_0014", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _drop_sqlite() -> None:
    for name in [*_SQLITE_TRIGGERS, "message_search_attachment"]:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP VIEW IF EXISTS message_search_source")
    op.execute("DROP TABLE IF EXISTS message_search")


def upgrade() -> None:
    # every index row gathers its message's attachment names: look them up by message
    op.create_index("ix_attachments_message", "attachments", ["message_pk"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES:
            op.execute(statement)
        return
    for trigger in ("insert", "update", "delete", "attachment"):  # 0014's
        op.execute(f"DROP TRIGGER IF EXISTS message_search_{trigger}")
    _drop_sqlite()
    for statement in SQLITE:
        op.execute(statement)


def downgrade() -> None:
    previous = _previous()
    if op.get_bind().dialect.name == "postgresql":
        for name, (event, _where) in _PG_TABLE_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {event.rsplit(' ON ', 1)[1]}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        for statement in (
            "DROP TRIGGER IF EXISTS message_search_sync ON messages",
            "DROP FUNCTION IF EXISTS message_search_sync()",
            "DROP FUNCTION IF EXISTS message_search_doc(messages)",
            "DROP TABLE IF EXISTS message_search",
        ):
            op.execute(statement)
    else:
        _drop_sqlite()
    # 0014's index as it was (its statements, without the order index it already made)
    statements = (
        previous._POSTGRES if op.get_bind().dialect.name == "postgresql" else previous._SQLITE
    )
    for statement in statements:
        op.execute(statement)
    op.drop_index("ix_attachments_message", table_name="attachments")
