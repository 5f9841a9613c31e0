"""ops: last poll per mailbox, raw mail removed by retention

The daemon records when each mailbox was last polled successfully and the last connection
error, so the web process (a separate process) can tell whether capture is healthy.
``retention_purges`` lists the raw blobs that retention deleted on purpose, so
``mailagent verify`` does not report them as missing.

Revision ID: 0013_ops
Revises: 0012_hardening
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_ops"
down_revision = "0012_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mailboxes") as batch:
        batch.add_column(sa.Column("last_poll_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "retention_purges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_pk"),
    )
    op.create_index("ix_retention_purges_raw_sha256", "retention_purges", ["raw_sha256"])


def downgrade() -> None:
    op.drop_index("ix_retention_purges_raw_sha256", table_name="retention_purges")
    op.drop_table("retention_purges")
    with op.batch_alter_table("mailboxes") as batch:
        batch.drop_column("last_error_at")
        batch.drop_column("last_error")
        batch.drop_column("last_poll_at")
