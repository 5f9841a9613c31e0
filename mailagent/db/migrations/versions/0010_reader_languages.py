"""reader languages: users.reads and per-(message, target) translations

Each web user declares the languages they read; inbound mail is translated per reader
target language and cached in ``message_translations`` (one row per message and target).

Revision ID: 0010_reader_languages
Revises: 0009_thread_drafts
Create Date: 2026-12-02 08:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_reader_languages"
down_revision = "0009_thread_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("reads", sa.String(length=64), server_default="", nullable=False)
        )
    op.create_table(
        "message_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("source_lang", sa.String(length=16), nullable=False),
        sa.Column("target_lang", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("engine", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "target_lang"),
    )
    with op.batch_alter_table("message_translations") as batch:
        batch.create_index("ix_message_translations_message_id", ["message_id"])
        batch.create_index("ix_message_translations_status", ["status"])


def downgrade() -> None:
    op.drop_table("message_translations")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("reads")
