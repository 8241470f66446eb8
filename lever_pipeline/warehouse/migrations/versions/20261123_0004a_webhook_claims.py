"""Webhooks: when the sensor gave an event its queue position, so an unsettled claim can expire.

An event whose run never reports back (the run-status sensors were off, the run was
deleted) would otherwise keep its position forever; the sensor requeues events claimed
longer ago than its claim timeout. On the `webhooks` branch.

Revision ID: 0004a_webhook_claims
Revises: 0004_webhooks
Create Date: 2026-11-23 07:29:44.268663
"""

import sqlalchemy as sa
from alembic import op

revision = "0004a_webhook_claims"
down_revision = "0004_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "lever_webhook_events",
        sa.Column(
            "queued_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When the sensor gave the event its current position.",
        ),
    )


def downgrade() -> None:
    op.drop_column("lever_webhook_events", "queued_at")
