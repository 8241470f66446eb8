"""Webhooks: the raw events the service receives, and the sensor's queue positions.

Its own branch (`webhooks`) off the core schema; `migrate` runs `upgrade heads`.

Revision ID: 0004_webhooks
Revises: 0001_core
Create Date: 2026-11-23 07:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_webhooks"
down_revision = "0001_core"
branch_labels = ("webhooks",)
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("lever_webhook_event_queue_seq")))
    op.create_table(
        "lever_webhook_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False, comment="'id:<event id>', or 'token:<token>'."),
        sa.Column("event_uid", sa.Text(), nullable=True, comment="Lever's event id, when the delivery has one."),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=True),
        sa.Column("triggered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "queue_seq",
            sa.BigInteger(),
            nullable=True,
            comment="Position in the sensor's queue; NULL until sequenced.",
        ),
        sa.Column("failed_runs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_run_id", sa.Text(), nullable=True),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The delivery body as Lever sent it.",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_webhook_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_lever_webhook_events_dedupe_key")),
        sa.UniqueConstraint("queue_seq", name=op.f("uq_lever_webhook_events_queue_seq")),
        comment="One row per webhook event received from Lever (redeliveries stored once).",
    )
    op.create_index("ix_lever_webhook_events_received_at", "lever_webhook_events", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lever_webhook_events_received_at", table_name="lever_webhook_events")
    op.drop_table("lever_webhook_events")
    op.execute(sa.schema.DropSequence(sa.Sequence("lever_webhook_event_queue_seq")))
