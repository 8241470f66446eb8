"""The raw webhook events the service receives, and their place in the sensor's queue.

One row per Lever event, stored once: `dedupe_key` is Lever's event `id` (or the
delivery `token` when a delivery carries no id), so a redelivery inserts nothing.
`queue_seq` is the event's position in the refresh queue. The sensor hands out
positions (from `lever_webhook_event_queue_seq`) to events that have none, then reads
the positions after its cursor; a failed run's events get their position cleared and
so a new, later one on the next tick, as do events whose run never reported back within
a claim timeout (`queued_at`). `processed_at` is set only when the run that refreshed
the event's opportunity succeeded.
"""

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, Sequence, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata

#: Positions handed out to events by the sensor; never reused, so a position names one batch slot.
webhook_event_queue_seq = Sequence("lever_webhook_event_queue_seq", metadata=metadata)

lever_webhook_events = Table(
    "lever_webhook_events",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("dedupe_key", Text, nullable=False, unique=True, comment="'id:<event id>', or 'token:<token>'."),
    Column("event_uid", Text, comment="Lever's event id, when the delivery has one."),
    Column("event_type", Text, nullable=False),
    Column("opportunity_id", Text),
    Column("triggered_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("queue_seq", BigInteger, unique=True, comment="Position in the sensor's queue; NULL until sequenced."),
    Column("queued_at", DateTime(timezone=True), comment="When the sensor gave the event its current position."),
    Column("failed_runs", Integer, nullable=False, server_default="0"),
    Column("processed_at", DateTime(timezone=True)),
    Column("processed_run_id", Text),
    Column("payload", JSONB, nullable=False, comment="The delivery body as Lever sent it."),
    comment="One row per webhook event received from Lever (redeliveries stored once).",
)
Index("ix_lever_webhook_events_received_at", lever_webhook_events.c.received_at)
