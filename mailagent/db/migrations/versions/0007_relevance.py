"""relevance gate: disposition, reasons, fraud warnings and their acknowledgement

Every message gets the gate's relevance (customer, notification, bulk, solicitation, spam,
phishing) with its scores, rule ids and reasons; a person's junk / not-junk / phishing
correction is kept (``relevance_manual``). Fraud warnings are stored with the message and
a supervisor's acknowledgement (who, when) releases a held message.

Revision ID: 0007_relevance
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_relevance"
down_revision = "0005"
branch_labels = None
depends_on = None

_EMPTY = sa.text("'[]'")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("relevance", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("relevance_scores", sa.JSON(), server_default=_EMPTY, nullable=False)
        )
        batch.add_column(
            sa.Column("relevance_rules", sa.JSON(), server_default=_EMPTY, nullable=False)
        )
        batch.add_column(
            sa.Column("relevance_reasons", sa.JSON(), server_default=_EMPTY, nullable=False)
        )
        batch.add_column(
            sa.Column("relevance_manual", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("fraud_flags", sa.JSON(), server_default=_EMPTY, nullable=False))
        batch.add_column(sa.Column("fraud_ack_by", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("fraud_ack_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_messages_relevance", ["relevance"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_relevance")
        for column in (
            "fraud_ack_at",
            "fraud_ack_by",
            "fraud_flags",
            "relevance_manual",
            "relevance_reasons",
            "relevance_rules",
            "relevance_scores",
            "relevance",
        ):
            batch.drop_column(column)
