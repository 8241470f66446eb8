"""Targeted refresh: re-read a given set of opportunities now (what the webhook sensor asks for).

Each opportunity is read on its own with its applications expanded (the shape the
incremental sync stores, so the candidate-posting mapping stays right) and upserted with
`rows.opportunity_row`. A 404 means Lever no longer has it: the row gets
`deleted_at`. Opportunities a `candidateDeleted` event names are marked deleted without a
request. Fetches fan out under the client's shared rate limiter; rows are written in one
transaction at the end (a targeted batch is what waited while the previous run worked:
tens to a few hundred opportunities), and the caller may record its own bookkeeping in
that same transaction (`on_write`), so it commits exactly when the rows do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.fanout import fan_out
from lever_pipeline.lever.opportunities import get_opportunity
from lever_pipeline.sync.references import fetch_missing_references
from lever_pipeline.sync.rows import opportunity_row
from lever_pipeline.sync.stats import FanOut, SyncStats, client_counters, table_rows
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.upsert import upsert_rows

logger = logging.getLogger(__name__)


def mark_deleted(conn: Connection, opportunity_ids: Iterable[str]) -> int:
    """Stamp `deleted_at` on these opportunities (those not already deleted), in the caller's transaction."""
    ids = list(dict.fromkeys(opportunity_ids))
    if not ids:
        return 0
    o = lever_opportunities
    return conn.execute(
        sa.update(o)
        .where(o.c.id.in_(ids), o.c.deleted_at.is_(None))
        .values(deleted_at=sa.func.now(), synced_at=sa.func.now())
    ).rowcount


async def refresh_opportunities(
    client: LeverClient,
    engine: Engine,
    opportunity_ids: Iterable[str],
    deleted_ids: Iterable[str] = (),
    *,
    concurrency: int = 8,
    on_write: Callable[[Connection], object] | None = None,
) -> SyncStats:
    """Fetch and upsert `opportunity_ids`; mark `deleted_ids` (and any that answer 404) deleted.

    Idempotent: running it twice on the same ids writes nothing new the second time
    (unchanged rows are left alone by the upsert). Errors other than 404 propagate, and
    then nothing of this batch is written (its events wait for the next run). The stats' fan-out
    part names the opportunities that answered 404 (`gone_ids`). `on_write(conn)` runs
    inside the transaction that writes the rows, after them.
    """
    started = time.perf_counter()
    before = client_counters(client)
    ids = list(dict.fromkeys(opportunity_ids))
    gone_by_event = [i for i in dict.fromkeys(deleted_ids) if i not in ids]
    fan = FanOut(selected=len(ids) + len(gone_by_event))
    stats = SyncStats.of("opportunities", "targeted", [lever_opportunities], opportunities=fan)

    async def fetch(opportunity_id: str) -> dict | None:
        return await get_opportunity(client, opportunity_id, expand=("applications",))

    rows = []
    async for opportunity_id, obj in fan_out(ids, fetch, concurrency=concurrency):
        fan.done += 1
        if obj is None:
            fan.gone_ids.append(opportunity_id)
        else:
            rows.append(opportunity_row(obj))
    stats.rows_seen = len(rows)
    stats.references = await fetch_missing_references(client, engine, lever_opportunities, rows)
    stats.fetch_s = round(time.perf_counter() - started, 3)
    with engine.begin() as conn:
        stats.main.add(upsert_rows(conn, lever_opportunities, rows))
        stats.main.deleted = mark_deleted(conn, [*fan.gone_ids, *gone_by_event])
        if on_write is not None:
            on_write(conn)
        stats.table_rows = table_rows(conn, [lever_opportunities])
    stats.count_requests(before, client)
    stats.duration_s = round(time.perf_counter() - started, 3)
    logger.info(
        "targeted refresh: %d opportunities, %d inserted, %d updated, %d unchanged, %d deleted, %d requests",
        fan.selected,
        stats.main.inserted,
        stats.main.updated,
        stats.main.unchanged,
        stats.main.deleted,
        stats.requests,
    )
    return stats
