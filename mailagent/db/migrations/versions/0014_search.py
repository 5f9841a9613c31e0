"""search: a full-text index over every message, kept in sync by triggers

SQLite: an FTS5 table ``message_search`` with the trigram tokenizer (substring search that
works the same for German compounds, Chinese without spaces and order numbers).
PostgreSQL: a table ``message_search`` with a pg_trgm GIN index (the same substring
semantics). Both hold, per message, the subject, the new text, the translation, the
sender and the attachment names; triggers on ``messages`` and ``attachments`` keep them in
step, and the migration fills them for the mail already stored.

On SQLite a later migration that rebuilds ``messages`` (``batch_alter_table`` with a change
SQLite cannot ALTER in place) drops these triggers with the old table: such a migration
must create them again (``upgrade`` here is written so that it can be re-run for that).

Revision ID: 0014_search
Revises: 0013_ops
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0014_search"
down_revision = "0013_ops"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE VIRTUAL TABLE message_search USING fts5(
        subject, body, translation, sender, attachments, tokenize = 'trigram')""",
    """CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
        INSERT INTO message_search (rowid, subject, body, translation, sender, attachments)
        VALUES (new.id, new.subject, new.new_text, coalesce(new.translated_text, ''),
                new.from_name || ' ' || new.from_email, '');
    END""",
    """CREATE TRIGGER message_search_update
        AFTER UPDATE OF subject, new_text, translated_text, from_name, from_email ON messages
    BEGIN
        UPDATE message_search SET subject = new.subject, body = new.new_text,
            translation = coalesce(new.translated_text, ''),
            sender = new.from_name || ' ' || new.from_email
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
        DELETE FROM message_search WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER message_search_attachment AFTER INSERT ON attachments BEGIN
        UPDATE message_search SET attachments = attachments || ' ' || new.filename
        WHERE rowid = new.message_pk;
    END""",
    """INSERT INTO message_search (rowid, subject, body, translation, sender, attachments)
        SELECT m.id, m.subject, m.new_text, coalesce(m.translated_text, ''),
               m.from_name || ' ' || m.from_email,
               coalesce((SELECT group_concat(a.filename, ' ') FROM attachments a
                         WHERE a.message_pk = m.id), '')
        FROM messages m""",
]

_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE message_search (
        message_pk INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        doc TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX ix_message_search_doc ON message_search USING gin (doc gin_trgm_ops)",
    """CREATE FUNCTION message_search_doc(m messages) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT concat_ws(' ', m.subject, m.new_text, m.translated_text, m.from_name,
                         m.from_email,
                         (SELECT string_agg(a.filename, ' ') FROM attachments a
                          WHERE a.message_pk = m.id))
    $$""",
    """CREATE FUNCTION message_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO message_search (message_pk, doc) VALUES (NEW.id, message_search_doc(NEW))
        ON CONFLICT (message_pk) DO UPDATE SET doc = EXCLUDED.doc;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER message_search_sync
        AFTER INSERT OR UPDATE OF subject, new_text, translated_text, from_name, from_email
        ON messages FOR EACH ROW EXECUTE FUNCTION message_search_sync()""",
    """CREATE FUNCTION message_search_attachment() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE message_search SET doc = doc || ' ' || NEW.filename
        WHERE message_pk = NEW.message_pk;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER message_search_attachment AFTER INSERT ON attachments
        FOR EACH ROW EXECUTE FUNCTION message_search_attachment()""",
    """INSERT INTO message_search (message_pk, doc)
        SELECT m.id, message_search_doc(m) FROM messages m""",
]


def upgrade() -> None:
    # the search's "names an order" branch (and order pages) look messages up by order
    with op.batch_alter_table("messages") as batch:
        batch.create_index("ix_messages_order", ["order_id"])
    statements = _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in (
            "DROP TRIGGER IF EXISTS message_search_attachment ON attachments",
            "DROP TRIGGER IF EXISTS message_search_sync ON messages",
            "DROP FUNCTION IF EXISTS message_search_attachment()",
            "DROP FUNCTION IF EXISTS message_search_sync()",
            "DROP FUNCTION IF EXISTS message_search_doc(messages)",
            "DROP TABLE IF EXISTS message_search",
        ):
            op.execute(statement)
    else:
        for trigger in ("insert", "update", "delete", "attachment"):
            op.execute(f"DROP TRIGGER IF EXISTS message_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS message_search")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_order")
