"""Raw webhook events: stored once by the service, queued for the sensor, marked processed, purged.

The receiver's whole database work is `store_event`: one `INSERT … ON CONFLICT DO NOTHING`
keyed by Lever's event id (or the delivery token), so a redelivery is a no-op.

The sensor's queue is a position per event (`queue_seq`), handed out by `next_batch`
under an advisory lock to every event that has none, then read after the sensor's
cursor. Positions are handed out by the reader, not at insert, because ids from
concurrent inserts can commit out of order: a cursor over insert ids could step past an
event that commits a moment later. Handing out positions only to committed rows means a
cursor never skips one. A failed run's events lose their position (`requeue`) and get a
new, later one on the next tick; so do events whose run never reported back within a
claim timeout (`requeue_unsettled`: the safety net for a missed run-status event).
`mark_processed` records a successful run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.lever.webhook_signature import VerifiedDelivery
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events, webhook_event_queue_seq

_QUEUE_LOCK = 0x1E7E4_0004  # serialises position hand-outs between sensor evaluations

#: Events that say the opportunity is gone: mark it deleted without asking Lever.
DELETE_EVENTS = frozenset({"candidateDeleted"})
#: Events about a contact rather than one opportunity: refresh every opportunity of the contact.
CONTACT_EVENTS = frozenset({"contactCreated", "contactUpdated"})

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


@dataclass(frozen=True)
class PendingEvent:
    """One queued event, as the sensor needs it (no payload data beyond ids)."""

    id: int
    queue_seq: int
    event_type: str
    opportunity_id: str | None
    contact_id: str | None


@dataclass
class WebhookBatch:
    """Events after a cursor, coalesced into the opportunities to refresh and to mark deleted."""

    events: list[PendingEvent]
    refresh_ids: list[str] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)

    @property
    def first_seq(self) -> int:
        return self.events[0].queue_seq

    @property
    def last_seq(self) -> int:
        return self.events[-1].queue_seq

    @property
    def event_ids(self) -> list[int]:
        return [e.id for e in self.events]

    @property
    def event_types(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.events:
            counts[e.event_type] = counts.get(e.event_type, 0) + 1
        return counts


def _coalesce(events: Sequence[PendingEvent], by_contact: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    # The latest event per opportunity decides: deleted, or refreshed (once, however many events).
    last: dict[str, str] = {}
    for e in events:  # in queue order, which follows arrival
        targets = [e.opportunity_id] if e.opportunity_id else by_contact.get(e.contact_id or "", [])
        for opp in targets:
            last.pop(opp, None)
            last[opp] = e.event_type
    refresh = [o for o, kind in last.items() if kind not in DELETE_EVENTS]
    deleted = [o for o, kind in last.items() if kind in DELETE_EVENTS]
    return refresh, deleted


def next_batch(engine: Engine, after_seq: int, limit: int = 500) -> WebhookBatch:
    """Give every unqueued event a position, then return up to `limit` events positioned after `after_seq`."""
    contact_id = _t.c.payload["data"]["contactId"].astext
    with engine.begin() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_QUEUE_LOCK)))
        unqueued = (
            sa.select(_t.c.id).where(_t.c.queue_seq.is_(None), _t.c.processed_at.is_(None)).order_by(_t.c.id).subquery()
        )
        numbered = sa.select(unqueued.c.id, webhook_event_queue_seq.next_value().label("seq")).cte("numbered")
        conn.execute(
            sa.update(_t).where(_t.c.id == numbered.c.id).values(queue_seq=numbered.c.seq, queued_at=sa.func.now())
        )
        rows = conn.execute(
            sa.select(_t.c.id, _t.c.queue_seq, _t.c.event_type, _t.c.opportunity_id, contact_id.label("contact_id"))
            .where(_t.c.queue_seq > after_seq, _t.c.processed_at.is_(None))
            .order_by(_t.c.queue_seq)
            .limit(limit)
        ).all()
        events = [PendingEvent(r.id, r.queue_seq, r.event_type, r.opportunity_id, r.contact_id) for r in rows]
        contacts = sorted({e.contact_id for e in events if not e.opportunity_id and e.contact_id})
        by_contact: dict[str, list[str]] = {}
        if contacts:
            o = lever_opportunities
            for opp_id, contact in conn.execute(
                sa.select(o.c.id, o.c.contact_id).where(o.c.contact_id.in_(contacts), o.c.deleted_at.is_(None))
            ):
                by_contact.setdefault(contact, []).append(opp_id)
    refresh, deleted = _coalesce(events, by_contact)
    return WebhookBatch(events=events, refresh_ids=refresh, deleted_ids=deleted)


def mark_processed(engine: Engine, event_ids: Sequence[int], run_id: str) -> int:
    """Record that `run_id` refreshed these events' opportunities; returns how many were newly marked."""
    if not event_ids:
        return 0
    with engine.begin() as conn:
        return conn.execute(
            sa.update(_t)
            .where(_t.c.id.in_(list(event_ids)), _t.c.processed_at.is_(None))
            .values(processed_at=sa.func.now(), processed_run_id=run_id)
        ).rowcount


def requeue(engine: Engine, event_ids: Sequence[int]) -> int:
    """Put a failed run's unprocessed events back in the queue (a new position on the next tick)."""
    if not event_ids:
        return 0
    with engine.begin() as conn:
        return conn.execute(
            sa.update(_t)
            .where(_t.c.id.in_(list(event_ids)), _t.c.processed_at.is_(None))
            .values(queue_seq=None, queued_at=None, failed_runs=_t.c.failed_runs + 1)
        ).rowcount


def requeue_unsettled(engine: Engine, claim_timeout_s: int) -> int:
    """Requeue events positioned more than `claim_timeout_s` seconds ago (database clock) and still unprocessed.

    Their run neither succeeded nor was seen failing (a run-status sensor was off, the run
    was deleted or is stuck), so a later batch offers them again. A run that is merely slow
    and succeeds afterwards still marks them processed; the second refresh is idempotent.
    Returns how many were requeued.
    """
    if claim_timeout_s <= 0:
        raise ValueError("claim_timeout_s must be greater than 0")
    # Rows positioned before `queued_at` existed count from their arrival.
    claimed_at = sa.func.coalesce(_t.c.queued_at, _t.c.received_at)
    cutoff = sa.func.now() - sa.func.make_interval(0, 0, 0, 0, 0, 0, claim_timeout_s)
    with engine.begin() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_QUEUE_LOCK)))
        return conn.execute(
            sa.update(_t)
            .where(_t.c.queue_seq.is_not(None), _t.c.processed_at.is_(None), claimed_at < cutoff)
            .values(queue_seq=None, queued_at=None, failed_runs=_t.c.failed_runs + 1)
        ).rowcount


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
