"""Sync one Lever stream into its warehouse table: fetch pages, upsert in batches, keep the mark.

Pages are mapped and written in batches as they arrive, one batch being written (in a
worker thread) while the next pages are fetched, so memory stays flat and the database
never waits on the network or the other way round. The high-water mark moves only in the
transaction that writes the last batch: a run cut short re-reads from the old mark.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Engine, Table

from lever_pipeline.sync.gc_tuning import fewer_gc_pauses
from lever_pipeline.sync.rows import Row
from lever_pipeline.sync.state import read_high_water_mark, record_success
from lever_pipeline.warehouse.upsert import UpsertCounts, upsert_rows

logger = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=5)
"""Incremental runs re-read this far behind the mark: Lever's `updatedAt` is not a strict
commit order, so a row updated just before the last run ended may carry an older stamp."""

Page = Sequence[Mapping[str, Any]]


class CountingClient(Protocol):
    """What the sync needs of the Lever client: its running request counters."""

    @property
    def stats(self) -> Any: ...


PageSource = Callable[[Any, datetime | None], AsyncIterator[Page]]
"""Given the client and an `updated_since` (None for everything), yields raw pages."""


@dataclass(frozen=True)
class StreamSpec:
    """How one Lever stream lands in one table."""

    name: str
    table: Table
    fetch: PageSource
    to_row: Callable[[Mapping[str, Any], int], Row]
    incremental: bool = False
    reconcile_deletes: bool = False


@dataclass
class SyncStats:
    """What one sync of one stream did; becomes the asset's materialization metadata."""

    stream: str
    full: bool
    since: datetime | None = None
    rows_seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    pages: int = 0
    requests: int = 0
    rate_limited_429: int = 0
    retries: int = 0
    duration_s: float = 0.0
    high_water_mark: datetime | None = None
    table_rows: int = 0
    sample_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("since", "high_water_mark"):
            out[key] = out[key].isoformat() if out[key] else None
        out.pop("sample_ids")
        return out


def _counter(stats: Any, name: str) -> int:
    if stats is None:
        return 0
    if isinstance(stats, Mapping):
        return int(stats.get(name, 0))
    return int(getattr(stats, name, 0))


async def sync_stream(
    client: CountingClient,
    engine: Engine,
    spec: StreamSpec,
    *,
    full: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    batch_rows: int = 2000,
) -> SyncStats:
    """Bring `spec.table` up to date with Lever; incremental unless `full` or the stream has no mark.

    A full sync of a stream with `reconcile_deletes` stamps `deleted_at` on rows Lever no
    longer returns (they are kept, never hard-deleted).
    """
    with fewer_gc_pauses():
        return await _sync_stream(client, engine, spec, full=full, overlap=overlap, batch_rows=batch_rows)


async def _sync_stream(
    client: CountingClient,
    engine: Engine,
    spec: StreamSpec,
    *,
    full: bool,
    overlap: timedelta,
    batch_rows: int,
) -> SyncStats:
    started = time.perf_counter()
    before = {k: _counter(client.stats, k) for k in ("requests", "rate_limited_429", "retries", "pages")}
    mark = None if (full or not spec.incremental) else read_high_water_mark(engine, spec.name)
    since = mark - overlap if mark else None
    stats = SyncStats(stream=spec.name, full=since is None, since=since)
    seen: set[str] | None = set() if (stats.full and spec.reconcile_deletes) else None
    newest: datetime | None = mark
    buffer: list[Row] = []
    pending: asyncio.Future[UpsertCounts] | None = None
    position = 0

    def write(batch: list[Row]) -> UpsertCounts:
        with engine.begin() as conn:
            return upsert_rows(conn, spec.table, batch)

    async def settle() -> None:
        nonlocal pending
        if pending is not None:
            counts = await pending
            stats.inserted += counts.inserted
            stats.updated += counts.updated
            stats.unchanged += counts.unchanged
            pending = None

    async for page in spec.fetch(client, since):
        for obj in page:
            row = spec.to_row(obj, position)
            position += 1
            buffer.append(row)
            if seen is not None:
                seen.add(row["id"])
            updated_at = row.get("updated_at")
            if updated_at is not None and (newest is None or updated_at > newest):
                newest = updated_at
            if len(stats.sample_ids) < 10:
                stats.sample_ids.append(row["id"])
        stats.rows_seen += len(page)
        if len(buffer) >= batch_rows:
            await settle()
            batch, buffer = buffer, []
            pending = asyncio.ensure_future(asyncio.to_thread(write, batch))
        logger.debug("%s: %d rows so far", spec.name, stats.rows_seen)
    await settle()

    for key in before:
        setattr(stats, key, _counter(client.stats, key) - before[key])
    stats.high_water_mark = newest

    def finish() -> None:
        with engine.begin() as conn:
            counts = upsert_rows(conn, spec.table, buffer)
            stats.inserted += counts.inserted
            stats.updated += counts.updated
            stats.unchanged += counts.unchanged
            if seen is not None:
                stats.deleted = _mark_missing_deleted(conn, spec.table, seen)
            stats.duration_s = round(time.perf_counter() - started, 3)
            record_success(conn, spec.name, high_water_mark=newest, full=stats.full, stats=stats.as_dict())
            stats.table_rows = conn.execute(sa.select(sa.func.count()).select_from(spec.table)).scalar_one()

    await asyncio.to_thread(finish)
    logger.info(
        "%s: %d seen, %d inserted, %d updated, %d unchanged, %d deleted in %.1fs (%d requests, %d 429s)",
        spec.name,
        stats.rows_seen,
        stats.inserted,
        stats.updated,
        stats.unchanged,
        stats.deleted,
        stats.duration_s,
        stats.requests,
        stats.rate_limited_429,
    )
    return stats


def _mark_missing_deleted(conn: sa.Connection, table: Table, seen: set[str]) -> int:
    """Stamp `deleted_at` on live rows whose id a full sync did not see; return how many."""
    driver = conn.connection.driver_connection
    with driver.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS _seen_ids (id text PRIMARY KEY) ON COMMIT DROP")
        with cur.copy("COPY _seen_ids (id) FROM STDIN") as copy:
            for lever_id in seen:
                copy.write_row((lever_id,))
        cur.execute(
            sql.SQL(
                "UPDATE {t} SET deleted_at = now(), synced_at = now() WHERE deleted_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM _seen_ids s WHERE s.id = {t}.id)"
            ).format(t=sql.Identifier(table.name))
        )
        return cur.rowcount
