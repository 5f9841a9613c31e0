"""conversations: who owns a thread, its snooze and done state, and who has read it

``thread_states`` holds one row per thread a person acted on: the owner (a team user's
e-mail), a snooze (until a time, or until the customer writes again: ``snoozed_at`` is the
moment after which a customer message wakes it) and done (``done_at``: a later customer
message opens it again). ``thread_reads`` records, per user, when they last opened the
thread; a thread with a message received after that is unread for them. Every change is in
``audit_events`` too. Plain new tables and one index on ``messages`` (created in place: the
table is not rebuilt, the search triggers stay): ``ix_messages_thread_activity`` covers what
the conversation inbox aggregates per thread, so listing reads the index, not the mail.

Revision ID: 0015_conversations
Revises: 0014_search
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_conversations"
down_revision = "0014_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_states",
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=320), nullable=False, server_default=""),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snooze_until_reply", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("snoozed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=320), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id"),
    )
    op.create_index("ix_thread_states_owner", "thread_states", ["owner"])
    op.create_table(
        "thread_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["threads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("thread_id", "user_email"),
    )

    op.create_index(
        "ix_messages_thread_activity",
        "messages",
        ["thread_id", "received_at", "direction", "disposition", "customer_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_messages_thread_activity", table_name="messages")
    op.drop_table("thread_reads")
    op.drop_index("ix_thread_states_owner", table_name="thread_states")
    op.drop_table("thread_states")
