"""The raw webhook events the service receives, and which refresh run took each.

One row per Lever event, stored once: `dedupe_key` is Lever's event `id` (or the
delivery `token` when a delivery carries no id), so a redelivery inserts nothing.
An event waits (`processed_at` and `claimed_by_run` both NULL) until a targeted refresh
run starts and claims it (`claimed_by_run`, `claimed_at`). The run sets `processed_at`
in the transaction that writes the refreshed rows; a run that ends without doing so
has its claims released (back to waiting, `failed_runs` + 1) for the next run.
"""

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, Integer, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata

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
    Column(
        "claimed_by_run", Text, comment="The refresh run that took the event (Dagster run id); NULL while it waits."
    ),
    Column("claimed_at", DateTime(timezone=True), comment="When that run claimed the event."),
    Column("failed_runs", Integer, nullable=False, server_default="0"),
    Column("processed_at", DateTime(timezone=True)),
    Column("processed_run_id", Text),
    Column("payload", JSONB, nullable=False, comment="The delivery body as Lever sent it."),
    comment="One row per webhook event received from Lever (redeliveries stored once).",
)
Index("ix_lever_webhook_events_received_at", lever_webhook_events.c.received_at)
# Events not yet processed are few beside the retained history: the sensor's and the claim's
# queries (waiting ones, open claims by run) read only this index.
Index(
    "ix_lever_webhook_events_unprocessed",
    lever_webhook_events.c.claimed_by_run,
    lever_webhook_events.c.id,
    postgresql_where=text("processed_at IS NULL"),
)
