"""Shared rate-limit buckets (branch rate_limit): one GCRA row per Lever key hash.

Revision ID: 0002_rate_limit
Revises: 0001_core
Create Date: 2026-11-23 06:41:38.333874
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_rate_limit"
down_revision = "0001_core"
branch_labels = ("rate_limit",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_buckets",
        sa.Column("bucket", sa.Text(), nullable=False, comment="lever:<sha256 of the API key>, never the key"),
        sa.Column(
            "tat", sa.Float(), nullable=False, comment="theoretical arrival time of the next request, epoch seconds"
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_rate_limit_buckets")),
        comment="Token buckets shared by every process using the same Lever key.",
    )


def downgrade() -> None:
    op.drop_table("rate_limit_buckets")
