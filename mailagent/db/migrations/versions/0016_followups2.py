"""followups2: server_moves, the queue of junk / archive moves mirrored on the IMAP server

Revision ID: 0016_followups2
Revises: 0014_search
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_followups2"
down_revision = "0015_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_server_moves_message_pk", "server_moves", ["message_pk"])
    op.create_index("ix_server_moves_state", "server_moves", ["state"])


def downgrade() -> None:
    op.drop_index("ix_server_moves_state", table_name="server_moves")
    op.drop_index("ix_server_moves_message_pk", table_name="server_moves")
    op.drop_table("server_moves")
