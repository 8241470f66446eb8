"""The Lever account a warehouse mirrors: one row naming base URL and key fingerprint.

Revision ID: 0007_lever_account
Revises: 0006_one_head
Create Date: 2026-12-02 03:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_lever_account"
down_revision = "0006_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lever_account",
        sa.Column(
            "singleton", sa.Boolean(), server_default=sa.text("true"), nullable=False, comment="Always true: one row."
        ),
        sa.Column("base_url", sa.Text(), nullable=False, comment="Lever API base URL the rows came from."),
        sa.Column(
            "key_fingerprint",
            sa.Text(),
            nullable=False,
            comment="sha256 of the API key (never the key), or oauth:<account id>.",
        ),
        sa.Column(
            "label", sa.Text(), nullable=False, comment="How messages name the account: host and a short fingerprint."
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("singleton", name=op.f("ck_lever_account_one_row")),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_lever_account")),
        comment="The one Lever account this warehouse mirrors.",
    )


def downgrade() -> None:
    op.drop_table("lever_account")
