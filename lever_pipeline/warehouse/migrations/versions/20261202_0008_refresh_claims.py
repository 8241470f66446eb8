"""Webhooks: a refresh run claims the waiting events itself; the sensor's queue positions go.

The sensor used to hand each event a queue position (`queue_seq`, from
`lever_webhook_event_queue_seq`, stamped `queued_at`) and one run per batch. Now one
refresh run at a time claims every waiting event when it starts (`claimed_by_run`,
`claimed_at`), so positions are no longer needed. Events waiting at the upgrade (a
position, or none, and no `processed_at`) simply wait for the next run.

Revision ID: 0008_refresh_claims
Revises: 0007_lever_account
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_refresh_claims"
down_revision = "0007_lever_account"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "lever_webhook_events",
        sa.Column(
            "claimed_by_run",
            sa.Text(),
            nullable=True,
            comment="The refresh run that took the event (Dagster run id); NULL while it waits.",
        ),
    )
    op.add_column(
        "lever_webhook_events",
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True, comment="When that run claimed the event."),
    )
    op.create_index(
        "ix_lever_webhook_events_unprocessed",
        "lever_webhook_events",
        ["claimed_by_run", "id"],
        unique=False,
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.drop_constraint("uq_lever_webhook_events_queue_seq", "lever_webhook_events", type_="unique")
    op.drop_column("lever_webhook_events", "queue_seq")
    op.drop_column("lever_webhook_events", "queued_at")
    op.execute(sa.schema.DropSequence(sa.Sequence("lever_webhook_event_queue_seq")))


def downgrade() -> None:
    # Waiting and claimed events go back to having no position: the old sensor gives them one.
    op.execute(sa.schema.CreateSequence(sa.Sequence("lever_webhook_event_queue_seq")))
    op.add_column(
        "lever_webhook_events",
        sa.Column(
            "queued_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="When the sensor gave the event its current position.",
        ),
    )
    op.add_column(
        "lever_webhook_events",
        sa.Column(
            "queue_seq",
            sa.BigInteger(),
            nullable=True,
            comment="Position in the sensor's queue; NULL until sequenced.",
        ),
    )
    op.create_unique_constraint("uq_lever_webhook_events_queue_seq", "lever_webhook_events", ["queue_seq"])
    op.drop_index(
        "ix_lever_webhook_events_unprocessed",
        table_name="lever_webhook_events",
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.drop_column("lever_webhook_events", "claimed_at")
    op.drop_column("lever_webhook_events", "claimed_by_run")
