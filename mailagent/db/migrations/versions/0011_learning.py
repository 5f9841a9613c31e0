"""learning: needs-review flag, secondary intent, corrections kept as labelled examples

``messages`` gains ``needs_review`` (indexed: the review queue is a filter), the reasons and
the secondary intent; ``triage_corrections`` keeps every correction a person makes (intent
now, disposition later) with the text it was made on, so the installation's model can learn
from it.

Revision ID: 0011_learning
Revises: 0010_reader_languages
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_learning"
down_revision = "0010_reader_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("needs_review", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("review_reasons", sa.JSON(), server_default="[]", nullable=False)
        )
        batch.add_column(sa.Column("intent_secondary", sa.String(length=20), nullable=True))
        batch.create_index("ix_messages_needs_review", ["needs_review"])
    op.create_table(
        "triage_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("previous", sa.String(length=40), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_triage_corrections_kind", "triage_corrections", ["kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_triage_corrections_kind", table_name="triage_corrections")
    op.drop_table("triage_corrections")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_needs_review")
        batch.drop_column("intent_secondary")
        batch.drop_column("review_reasons")
        batch.drop_column("needs_review")
