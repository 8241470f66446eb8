"""Sync one Lever stream into its warehouse table: fetch pages, upsert in batches, keep the mark.

Pages are mapped and written in batches as they arrive (`BatchWriter`: one batch written
in a worker thread while the next pages are fetched), so memory stays flat. Each batch's
transaction also notes the users and postings its rows name that the warehouse lacks;
those are fetched by id before the last batch is written (`references`). The high-water
mark moves only in the transaction that writes the last batch: a run cut short re-reads
from the old mark.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Engine, Table

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import DENIED_WARNING, confidential_denied
from lever_pipeline.sync.batch_writer import BatchWriter
from lever_pipeline.sync.gc_tuning import fewer_gc_pauses
from lever_pipeline.sync.references import ReferenceResolver, names_references
from lever_pipeline.sync.state import read_high_water_mark, record_success
from lever_pipeline.sync.stats import References, SyncStats, client_counters, table_rows
from lever_pipeline.warehouse.upsert import Row, upsert_rows

logger = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=5)
"""Incremental runs re-read this far behind the mark: Lever's `updatedAt` is not a strict
commit order, so a row updated just before the last run ended may carry an older stamp."""

Page = Sequence[Mapping[str, Any]]

PageSource = Callable[[LeverClient, datetime | None], AsyncIterator[Page]]
"""Given the client and an `updated_since` (None for everything), yields raw pages."""


@dataclass(frozen=True)
class StreamSpec:
    """How one Lever stream lands in one table.

    `confidential`: the list takes `confidentiality` and `fetch` asks for all of it (the
    stats then say whether the key could read the confidential part).
    """

    name: str
    table: Table
    fetch: PageSource
    to_row: Callable[[Mapping[str, Any], int], Row]
    incremental: bool = False
    reconcile_deletes: bool = False
    confidential: bool = False


async def sync_stream(
    client: LeverClient,
    engine: Engine,
    spec: StreamSpec,
    *,
    full: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    batch_rows: int = 2000,
) -> SyncStats:
    """Bring `spec.table` up to date with Lever; incremental unless `full` or the stream has no mark.

    A full sync of a stream with `reconcile_deletes` stamps `deleted_at` on rows Lever no
    longer returns (they are kept, never hard-deleted). Users and postings the rows name
    that the warehouse lacks are fetched by id in the same run (`stats.references`).
    """
    with fewer_gc_pauses():
        started = time.perf_counter()
        before = client_counters(client)
        mark = None if (full or not spec.incremental) else read_high_water_mark(engine, spec.name)
        since = mark - overlap if mark else None
        stats = SyncStats.of(spec.name, "full" if since is None else "incremental", [spec.table], since=since)
        stats.high_water_mark = mark
        seen: set[str] | None = set() if (stats.full and spec.reconcile_deletes) else None
        refs = None
        if names_references([spec.table]):
            stats.references = References()
            refs = ReferenceResolver(stats.references)

        rest = await _fetch_and_write(client, engine, spec, stats, seen, batch_rows, refs)
        if refs is not None:
            await asyncio.to_thread(refs.check_rows, engine, spec.table, rest)
            await refs.fetch(client, engine)
        stats.fetch_s = round(time.perf_counter() - started, 3)
        stats.count_requests(before, client)
        if spec.confidential:
            _note_confidentiality(client, stats)
        await asyncio.to_thread(_finish, engine, spec, stats, rest, seen, started)
    _log(stats)
    return stats


async def _fetch_and_write(
    client: LeverClient,
    engine: Engine,
    spec: StreamSpec,
    stats: SyncStats,
    seen: set[str] | None,
    batch_rows: int,
    refs: ReferenceResolver | None,
) -> list[Row]:
    """Map every page to rows and write them in batches; return the last rows, still unwritten."""

    def write(batch: list[Row]) -> None:
        with engine.begin() as conn:
            stats.main.add(upsert_rows(conn, spec.table, batch))
            if refs is not None:
                refs.check(conn, spec.table, batch)

    writer: BatchWriter[Row] = BatchWriter(write, batch_size=batch_rows)
    position = 0
    async for page in spec.fetch(client, stats.since):
        rows = []
        for obj in page:
            row = spec.to_row(obj, position)
            position += 1
            rows.append(row)
            stats.see_stamp(row.get("updated_at"))
        if seen is not None:
            seen.update(row["id"] for row in rows)
        stats.rows_seen += len(rows)
        await writer.add(rows)
        logger.debug("%s: %d rows so far", spec.name, stats.rows_seen)
    return await writer.take_rest()


def _finish(
    engine: Engine, spec: StreamSpec, stats: SyncStats, rest: list[Row], seen: set[str] | None, started: float
) -> None:
    """Write the last rows, mark missing rows deleted and move the mark, in one transaction."""
    with engine.begin() as conn:
        stats.main.add(upsert_rows(conn, spec.table, rest))
        if seen is not None:
            stats.main.deleted = _mark_missing_deleted(conn, spec.table, seen)
        stats.duration_s = round(time.perf_counter() - started, 3)
        record_success(conn, spec.name, high_water_mark=stats.high_water_mark, full=stats.full, stats=stats.as_dict())
        stats.table_rows = table_rows(conn, [spec.table])


def _note_confidentiality(client: LeverClient, stats: SyncStats) -> None:
    """Record whether the list included confidential rows; a key refused them is a warning, not a failure."""
    if confidential_denied(client):
        stats.confidentiality = "non-confidential"
        stats.warnings.append(DENIED_WARNING)
    else:
        stats.confidentiality = "all"


def _log(stats: SyncStats) -> None:
    logger.info(
        "%s: %d seen, %d inserted, %d updated, %d unchanged, %d deleted in %.1fs (%d requests, %d 429s)",
        stats.name,
        stats.rows_seen,
        stats.main.inserted,
        stats.main.updated,
        stats.main.unchanged,
        stats.main.deleted,
        stats.duration_s,
        stats.requests,
        stats.rate_limited_429,
    )


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
