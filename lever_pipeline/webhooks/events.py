"""Raw webhook events: stored once by the service, purged after their retention, and their health.

The receiver's whole database work is `store_event`: one `INSERT … ON CONFLICT DO NOTHING`
keyed by Lever's event id (or the delivery token), so a redelivery is a no-op. Which run
refreshes an event is `claims.py`'s business; `webhook_health` reports what still waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.lever.webhook_signature import VerifiedDelivery
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events

_t = lever_webhook_events
_INSERT = (
    insert(_t)
    .values(
        dedupe_key=sa.bindparam("dedupe_key"),
        event_uid=sa.bindparam("event_uid"),
        event_type=sa.bindparam("event_type"),
        opportunity_id=sa.bindparam("opportunity_id"),
        triggered_at=sa.bindparam("triggered_at"),
        payload=sa.bindparam("payload", type_=_t.c.payload.type),
    )
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(_t.c.id)
)


@dataclass(frozen=True)
class StoreResult:
    """What storing one delivery did: `id` of the new row, or None for a duplicate."""

    id: int | None

    @property
    def duplicate(self) -> bool:
        return self.id is None


def store_event(engine: Engine, delivery: VerifiedDelivery) -> StoreResult:
    """Store a verified delivery once; a second delivery of the same event stores nothing."""
    params = {
        "dedupe_key": delivery.dedupe_key,
        "event_uid": delivery.event_uid,
        "event_type": delivery.event_type,
        "opportunity_id": delivery.opportunity_id,
        "triggered_at": datetime.fromtimestamp(delivery.triggered_at_ms / 1000, UTC),
        "payload": dict(delivery.payload),
    }
    with engine.begin() as conn:
        return StoreResult(conn.execute(_INSERT, params).scalar_one_or_none())


# The receiver's hot path, as plain SQL for an async psycopg connection in autocommit mode:
# one statement, one round trip, auto-prepared by psycopg after a few uses.
_INSERT_SQL = (
    "INSERT INTO lever_webhook_events (dedupe_key, event_uid, event_type, opportunity_id, triggered_at, payload) "
    "VALUES (%s, %s, %s, %s, to_timestamp(%s / 1000.0), %s::jsonb) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
)


async def store_event_async(conn: psycopg.AsyncConnection, delivery: VerifiedDelivery, body: str) -> StoreResult:
    """`store_event` on an autocommit async connection; `body` is the delivery's JSON text as received.

    Raises `psycopg.DataError` when PostgreSQL cannot store the JSON (e.g. a \\u0000 escape).
    """
    params = (
        delivery.dedupe_key,
        delivery.event_uid,
        delivery.event_type,
        delivery.opportunity_id,
        delivery.triggered_at_ms,
        body,
    )
    cursor = await conn.execute(_INSERT_SQL, params)
    row = await cursor.fetchone()
    return StoreResult(row[0] if row else None)


def purge_expired(engine: Engine, retention_days: int) -> int:
    """Delete events received more than `retention_days` days ago (by the database clock); returns how many."""
    if retention_days <= 0:
        raise ValueError("retention_days must be greater than 0")
    cutoff = sa.func.now() - sa.func.make_interval(0, 0, 0, retention_days)
    with engine.begin() as conn:
        return conn.execute(sa.delete(_t).where(_t.c.received_at < cutoff)).rowcount


@dataclass(frozen=True)
class WebhookHealth:
    """The receiver's and the sensor's progress, for `/health`."""

    last_received_at: datetime | None
    oldest_unprocessed_at: datetime | None
    unprocessed: int
    now: datetime

    @property
    def oldest_unprocessed_age_s(self) -> float | None:
        if self.oldest_unprocessed_at is None:
            return None
        return round((self.now - self.oldest_unprocessed_at).total_seconds(), 3)


def webhook_health(engine: Engine) -> WebhookHealth:
    """Last event received, oldest unprocessed event and the unprocessed count (one round trip)."""
    pending = _t.c.processed_at.is_(None)
    query = sa.select(
        sa.select(sa.func.max(_t.c.received_at)).scalar_subquery(),
        sa.select(sa.func.min(_t.c.received_at)).where(pending).scalar_subquery(),
        sa.select(sa.func.count()).where(pending).scalar_subquery(),
        sa.func.now(),
    )
    with engine.connect() as conn:
        last, oldest, count, now = conn.execute(query).one()
    return WebhookHealth(last, oldest, int(count), now)
