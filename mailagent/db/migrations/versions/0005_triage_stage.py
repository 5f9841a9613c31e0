"""triage stage: index on messages.status, quarantine.stage

The ingest spine now stores messages as ``new`` and a separate triage stage claims them, so
``status`` is queried on every pass; quarantine entries say which stage failed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.create_index("ix_messages_status", ["status"])
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(
            sa.Column("stage", sa.String(length=20), server_default="ingest", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_column("stage")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_status")
