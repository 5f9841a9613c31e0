"""thread drafts: one live reply draft per thread

Drafts record why they stopped being live (``thread_note``: superseded by a newer draft or
closed by a reply sent in the thread), the draft that replaced them (``superseded_by``), the
held draft a salesperson must choose against after new mail arrived on an edited draft
(``conflict_draft_id``), files going out with a draft (``draft_attachments``: generated
quotation/PI PDFs, uploads), and the customer messages a reply answers (``answers``). Contacts
get an explicit reply language (``contacts.language``), which wins over language detection.

Revision ID: 0009_thread_drafts
Revises: 0008_followups
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_thread_drafts"
down_revision = "0008_followups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=16), server_default="", nullable=False)
        )
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("thread_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("conflict_draft_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answers", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(sa.Column("bcc_addrs", sa.JSON(), server_default="[]", nullable=False))
        batch.create_index("ix_drafts_thread_status", ["thread_id", "status"])

    op.create_table(
        "draft_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "draft_id",
            sa.Integer(),
            sa.ForeignKey("drafts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("document_no", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False, server_default="mailagent"),
    )
    op.create_index("ix_draft_attachments_draft_id", "draft_attachments", ["draft_id"])


def downgrade() -> None:
    op.drop_index("ix_draft_attachments_draft_id", table_name="draft_attachments")
    op.drop_table("draft_attachments")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_index("ix_drafts_thread_status")
        batch.drop_column("answers")
        batch.drop_column("bcc_addrs")
        batch.drop_column("conflict_draft_id")
        batch.drop_column("superseded_by")
        batch.drop_column("thread_note")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("language")
