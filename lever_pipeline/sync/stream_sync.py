"""Sync one Lever stream into its warehouse table: fetch pages, upsert in batches, keep the mark.

Pages are mapped and written in batches as they arrive (`BatchWriter`: one batch written
in a worker thread while the next pages are fetched), so memory stays flat. Each batch's
transaction also notes the users and postings its rows name that the warehouse lacks;
those are fetched by id before the last batch is written (`references`). The high-water
mark moves only in the transaction that writes the last batch: a run cut short re-reads
from the old mark.

A stream may also write a child table per object (a requisition's custom field values:
`StreamSpec.children`), replaced with its parent in the same batch. Deletes: a full sync
of a stream with `reconcile_deletes` stamps `deleted_at` on rows Lever no longer returns;
an incremental sync of a stream with a `deleted` list (opportunities, postings) reads the
objects Lever deleted since the stream's `deleted_mark` and stamps them, so deletes land
every run without re-reading the whole list.
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
from lever_pipeline.sync.per_opportunity_store import delete_missing
from lever_pipeline.sync.references import ReferenceResolver, names_references
from lever_pipeline.sync.rows import ms
from lever_pipeline.sync.state import read_state, record_success
from lever_pipeline.sync.stats import References, SyncStats, client_counters, table_rows
from lever_pipeline.warehouse.upsert import Row, upsert_rows

logger = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=5)
"""Incremental runs re-read this far behind the mark: Lever's `updatedAt` is not a strict
commit order, so a row updated just before the last run ended may carry an older stamp."""

Page = Sequence[Mapping[str, Any]]

PageSource = Callable[[LeverClient, datetime | None], AsyncIterator[Page]]
"""Given the client and an `updated_since` (None for everything), yields raw pages."""

DeletedSource = Callable[[LeverClient, datetime], AsyncIterator[Page]]
"""Given the client and a `deleted_since`, yields pages of deleted objects (each with `deletedAt`)."""


@dataclass(frozen=True)
class ChildRows:
    """A second table each object of a stream also fills, replaced with its parent.

    `rows(obj, lookup)` maps one object to its child rows; `lookup` is what the stream's
    `lookup` read from the warehouse at the start of the run (empty without one).
    """

    table: Table
    parent: str  # the child table's column holding the parent's id
    rows: Callable[[Mapping[str, Any], Mapping[str, Any]], list[Row]]


@dataclass(frozen=True)
class StreamSpec:
    """How one Lever stream lands in one table (and, optionally, child tables).

    `confidential`: the list takes `confidentiality` and `fetch` asks for all of it (the
    stats then say whether the key could read the confidential part).
    `deleted`: the list of objects Lever deleted, read by incremental runs.
    `lookup`: read once per run from the warehouse and handed to `children` (field types).
    """

    name: str
    table: Table
    fetch: PageSource
    to_row: Callable[[Mapping[str, Any], int], Row]
    incremental: bool = False
    reconcile_deletes: bool = False
    confidential: bool = False
    deleted: DeletedSource | None = None
    children: tuple[ChildRows, ...] = ()
    lookup: Callable[[sa.Connection], Mapping[str, Any]] | None = None


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
    longer returns (they are kept, never hard-deleted); an incremental sync of a stream
    with a `deleted` list stamps the rows that list names since the stream's deleted mark.
    Users and postings the rows name that the warehouse lacks are fetched by id in the same
    run (`stats.references`).
    """
    with fewer_gc_pauses():
        started = time.perf_counter()
        before = client_counters(client)
        state = None if (full or not spec.incremental) else await asyncio.to_thread(read_state, engine, spec.name)
        mark = state.high_water_mark if state else None
        since = mark - overlap if mark else None
        tables = [spec.table, *(c.table for c in spec.children)]
        stats = SyncStats.of(spec.name, "full" if since is None else "incremental", tables, since=since)
        stats.high_water_mark = mark
        seen: set[str] | None = set() if (stats.full and spec.reconcile_deletes) else None
        refs = None
        if names_references([spec.table]):
            stats.references = References()
            refs = ReferenceResolver(stats.references)
        lookup = await asyncio.to_thread(_lookup, engine, spec)

        rest = await _fetch_and_write(client, engine, spec, stats, seen, batch_rows, refs, lookup)
        if refs is not None:
            await asyncio.to_thread(refs.check_rows, engine, spec.table, rest)
            await refs.fetch(client, engine)
        deletions: list[tuple[str, datetime | None]] = []
        if spec.deleted is not None and state is not None and mark is not None:
            deletions = await _read_deletions(client, spec.deleted, stats, state.deleted_mark or mark, overlap)
        stats.fetch_s = round(time.perf_counter() - started, 3)
        stats.count_requests(before, client)
        if spec.confidential:
            _note_confidentiality(client, stats)
        await asyncio.to_thread(_finish, engine, spec, stats, rest, seen, deletions, lookup, started)
    _log(stats)
    return stats


def _lookup(engine: Engine, spec: StreamSpec) -> Mapping[str, Any]:
    if spec.lookup is None:
        return {}
    with engine.connect() as conn:
        return spec.lookup(conn)


async def _read_deletions(
    client: LeverClient, source: DeletedSource, stats: SyncStats, start: datetime, overlap: timedelta
) -> list[tuple[str, datetime | None]]:
    """The (id, deletedAt) of every object Lever lists as deleted since `start - overlap`.

    `start` is the stream's deleted mark (before the first read of the list: its updated
    mark, as a full sync already left out what was deleted before it). The new mark,
    `stats.deleted_mark`, is the newest `deletedAt` read, never earlier than `start`.
    """
    out: list[tuple[str, datetime | None]] = []
    newest = start
    since = start - overlap
    async for page in source(client, since):
        for obj in page:
            if not obj.get("id"):
                continue
            deleted_at = ms(obj.get("deletedAt"))
            out.append((str(obj["id"]), deleted_at))
            if deleted_at is not None and deleted_at > newest:
                newest = deleted_at
    stats.deleted_since = since
    stats.deleted_listed = len(out)
    stats.deleted_mark = newest
    return out


async def _fetch_and_write(
    client: LeverClient,
    engine: Engine,
    spec: StreamSpec,
    stats: SyncStats,
    seen: set[str] | None,
    batch_rows: int,
    refs: ReferenceResolver | None,
    lookup: Mapping[str, Any],
) -> list[Row]:
    """Map every page to rows and write them in batches; return the last rows, still unwritten."""

    def write(batch: list[Row]) -> None:
        with engine.begin() as conn:
            _write_rows(conn, spec, stats, batch, lookup)
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


def _write_rows(
    conn: sa.Connection, spec: StreamSpec, stats: SyncStats, rows: list[Row], lookup: Mapping[str, Any]
) -> None:
    """Upsert `rows`, then replace each one's child rows (rows its object no longer has are deleted)."""
    stats.main.add(upsert_rows(conn, spec.table, rows))
    if not rows:
        return
    parent_ids = [row["id"] for row in rows]
    for child in spec.children:
        child_rows = [c for row in rows for c in child.rows(row["raw"], lookup)]
        counts = stats.tables[child.table.name]
        counts.add(upsert_rows(conn, child.table, child_rows))
        counts.deleted += delete_missing(conn, child.table, parent_ids, child_rows, parent=child.parent)


def _finish(
    engine: Engine,
    spec: StreamSpec,
    stats: SyncStats,
    rest: list[Row],
    seen: set[str] | None,
    deletions: list[tuple[str, datetime | None]],
    lookup: Mapping[str, Any],
    started: float,
) -> None:
    """Write the last rows, mark deleted rows and move the marks, in one transaction.

    Deletions are stamped after every row is written, so a row Lever listed as deleted
    stays deleted even if the same run also read it from the updated list.
    """
    with engine.begin() as conn:
        _write_rows(conn, spec, stats, rest, lookup)
        if seen is not None:
            only_visible = stats.confidentiality == "non-confidential"
            stats.main.deleted = _mark_missing_deleted(conn, spec.table, seen, only_visible=only_visible)
        if deletions:
            stats.main.deleted += _mark_listed_deleted(conn, spec.table, deletions)
        stats.duration_s = round(time.perf_counter() - started, 3)
        record_success(
            conn,
            spec.name,
            high_water_mark=stats.high_water_mark,
            full=stats.full,
            stats=stats.as_dict(),
            deleted_mark=stats.deleted_mark,
        )
        stats.table_rows = table_rows(conn, [spec.table, *(c.table for c in spec.children)])


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


def _mark_missing_deleted(conn: sa.Connection, table: Table, seen: set[str], *, only_visible: bool) -> int:
    """Stamp `deleted_at` on live rows whose id a full sync did not see; return how many.

    `only_visible`: the list was read without its confidential part (the key was refused
    it), so confidential rows were not missing, only unseen: they are left alone.
    """
    driver = conn.connection.driver_connection
    hidden = (
        sql.SQL(" AND {t}.confidentiality IS DISTINCT FROM 'confidential'").format(t=sql.Identifier(table.name))
        if only_visible and "confidentiality" in table.c
        else sql.SQL("")
    )
    with driver.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS _seen_ids (id text PRIMARY KEY) ON COMMIT DROP")
        with cur.copy("COPY _seen_ids (id) FROM STDIN") as copy:
            for lever_id in seen:
                copy.write_row((lever_id,))
        cur.execute(
            sql.SQL(
                "UPDATE {t} SET deleted_at = now(), synced_at = now() WHERE deleted_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM _seen_ids s WHERE s.id = {t}.id){hidden}"
            ).format(t=sql.Identifier(table.name), hidden=hidden)
        )
        return cur.rowcount


def _mark_listed_deleted(conn: sa.Connection, table: Table, deletions: list[tuple[str, datetime | None]]) -> int:
    """Stamp `deleted_at` (Lever's `deletedAt`, else now) on live rows Lever listed as deleted; return how many."""
    ids = [lever_id for lever_id, _ in deletions]
    stamps = [deleted_at for _, deleted_at in deletions]
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(
            sql.SQL(
                "UPDATE {t} SET deleted_at = coalesce(d.deleted_at, now()), synced_at = now()"
                " FROM unnest(%s::text[], %s::timestamptz[]) AS d(id, deleted_at)"
                " WHERE {t}.id = d.id AND {t}.deleted_at IS NULL"
            ).format(t=sql.Identifier(table.name)),
            [ids, stamps],
        )
        return cur.rowcount
