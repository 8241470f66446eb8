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

import orjson
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Engine, Table

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import DENIED_WARNING, confidential_denied
from lever_pipeline.sync.batch_writer import BatchWriter
from lever_pipeline.sync.gc_tuning import GarbageSweeper, fewer_gc_pauses
from lever_pipeline.sync.per_opportunity_store import delete_missing
from lever_pipeline.sync.progress import ProgressCallback, ProgressTicker
from lever_pipeline.sync.references import ReferenceResolver, Target, names_references
from lever_pipeline.sync.rows import ms
from lever_pipeline.sync.state import read_state, record_success
from lever_pipeline.sync.stats import References, SyncStats, client_counters, table_rows
from lever_pipeline.warehouse.raw_pages import upsert_pages
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
    `sql_columns`: `to_row` in SQL (`sql_rows`); when set, pages are staged as raw JSON and
    mapped by PostgreSQL (`warehouse.raw_pages`), and `sql_references` lists the users and
    postings the staged rows name. Not with `children`.
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
    sql_columns: Mapping[str, str] | None = None
    sql_references: str | None = None


async def sync_stream(
    client: LeverClient,
    engine: Engine,
    spec: StreamSpec,
    *,
    full: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    batch_rows: int = 2000,
    on_progress: ProgressCallback | None = None,
) -> SyncStats:
    """Bring `spec.table` up to date with Lever; incremental unless `full` or the stream has no mark.

    A full sync of a stream with `reconcile_deletes` stamps `deleted_at` on rows Lever no
    longer returns (they are kept, never hard-deleted); an incremental sync of a stream
    with a `deleted` list stamps the rows that list names since the stream's deleted mark.
    Users and postings the rows name that the warehouse lacks are fetched by id in the same
    run (`stats.references`). Rows read so far, requests and rate are logged every 30
    seconds and handed to `on_progress` (Lever gives no total, so there is no ETA).
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
        reconcile = stats.full and spec.reconcile_deletes
        refs = None
        if names_references([spec.table]):
            stats.references = References()
            refs = ReferenceResolver(stats.references)
        lookup = await asyncio.to_thread(_lookup, engine, spec)

        # One session for the batches and the finish: the ids seen for delete reconciliation
        # go, batch by batch, into a temporary table of that session, not into memory.
        conn = await asyncio.to_thread(_open_session, engine, reconcile)
        try:
            out = _Output(conn, spec, stats, reconcile, refs, lookup)
            ticker = ProgressTicker(spec.name, "rows", None, client, on_progress=on_progress)
            rest = await _fetch_and_write(client, spec, stats, batch_rows, out, ticker)
            if refs is not None:
                await asyncio.to_thread(out.check_references, rest)
                await refs.fetch(client, engine)
            deletions: list[tuple[str, datetime | None]] = []
            if spec.deleted is not None and state is not None and mark is not None:
                deletions = await _read_deletions(client, spec.deleted, stats, state.deleted_mark or mark, overlap)
            stats.fetch_s = round(time.perf_counter() - started, 3)
            stats.count_requests(before, client)
            if spec.confidential:
                _note_confidentiality(client, stats)
            await asyncio.to_thread(_finish, out, rest, deletions, started)
            ticker.finish()
        finally:
            await asyncio.to_thread(_close_session, conn, reconcile)
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


_SEEN = "_seen_ids"
"""The session's table of the ids a full sync has seen, for delete reconciliation."""

Batch = list[Row] | list[bytes]
"""Mapped rows, or (with `sql_columns`) pages as JSON arrays of Lever's objects."""


def _open_session(engine: Engine, reconcile: bool) -> sa.Connection:
    conn = engine.connect()
    if reconcile:
        with conn.begin(), conn.connection.driver_connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {_SEEN}")
            cur.execute(f"CREATE TEMP TABLE {_SEEN} (id text NOT NULL)")
    return conn


def _close_session(conn: sa.Connection, reconcile: bool) -> None:
    """Drop the seen ids (the connection goes back to the pool) and close; a broken session is just closed."""
    try:
        if conn.in_transaction():
            conn.rollback()
        if reconcile:
            with conn.begin(), conn.connection.driver_connection.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {_SEEN}")
    finally:
        conn.close()


@dataclass
class _Output:
    """Where a stream's batches go: its session, the seen ids, the reference checks."""

    conn: sa.Connection
    spec: StreamSpec
    stats: SyncStats
    reconcile: bool
    refs: ReferenceResolver | None
    lookup: Mapping[str, Any]

    def write(self, batch: Batch) -> None:
        """One batch in one transaction (a worker thread runs it while the next pages are fetched)."""
        with self.conn.begin():
            self.write_in(batch)

    def write_in(self, batch: Batch) -> None:
        """Upsert one batch (and its child rows), note its ids and references, in the open transaction."""
        if not batch:
            return
        if self.spec.sql_columns is not None:
            self._write_pages(batch)  # type: ignore[arg-type]
            return
        rows: list[Row] = batch  # type: ignore[assignment]
        _write_rows(self.conn, self.spec, self.stats, rows, self.lookup)
        if self.reconcile:
            cur = self.conn.connection.driver_connection.cursor()
            with cur, cur.copy(f"COPY {_SEEN} (id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row["id"],))
        if self.refs is not None:
            self.refs.check(self.conn, self.spec.table, rows)

    def _write_pages(self, pages: list[bytes]) -> None:
        assert self.spec.sql_columns is not None
        outcome = upsert_pages(
            self.conn,
            self.spec.table,
            pages,
            self.spec.sql_columns,
            seen_table=_SEEN if self.reconcile else None,
            references=self.spec.sql_references if self.refs is not None else None,
        )
        self.stats.main.add(outcome.counts)
        self.stats.see_stamp(outcome.newest)
        if self.refs is not None:
            self.refs.check_ids(self.conn, _by_target(outcome.named))

    def check_references(self, rest: Batch) -> None:
        """Check the references of the rows not yet written (before the last batch's users and postings are fetched).

        Pages are upserted in a transaction rolled back, to list what they name: `_finish`
        writes them for good, with the marks.
        """
        if self.refs is None or not rest:
            return
        if self.spec.sql_columns is None:
            self.refs.check(self.conn, self.spec.table, rest)  # type: ignore[arg-type]
        else:
            pages: list[bytes] = rest  # type: ignore[assignment]
            outcome = upsert_pages(
                self.conn, self.spec.table, pages, self.spec.sql_columns, references=self.spec.sql_references
            )
            self.refs.check_ids(self.conn, _by_target(outcome.named))
        self.conn.rollback()


def _by_target(named: list[tuple[str, str]]) -> dict[Target, set[str]]:
    wanted: dict[Target, set[str]] = {"users": set(), "postings": set()}
    for target, object_id in named:
        if target in wanted:
            wanted[target].add(object_id)  # type: ignore[index]
    return wanted


async def _fetch_and_write(
    client: LeverClient, spec: StreamSpec, stats: SyncStats, batch_rows: int, out: _Output, ticker: ProgressTicker
) -> Batch:
    """Map every page (or keep it as JSON) and write in batches; return the last batch, still unwritten."""
    sweeper = GarbageSweeper()
    if spec.sql_columns is not None:
        pages: BatchWriter[bytes] = BatchWriter(out.write, batch_size=max(1, batch_rows // 100))
        async for page in spec.fetch(client, stats.since):
            stats.rows_seen += len(page)
            await pages.add([orjson.dumps(page)])
            ticker.tick(stats.rows_seen, stats.rows_seen)
            sweeper.tick(client.stats.bytes, client.stats.requests)
        return await pages.take_rest()

    writer: BatchWriter[Row] = BatchWriter(out.write, batch_size=batch_rows)
    position = 0
    async for page in spec.fetch(client, stats.since):
        rows = []
        for obj in page:
            row = spec.to_row(obj, position)
            position += 1
            rows.append(row)
            stats.see_stamp(row.get("updated_at"))
        stats.rows_seen += len(rows)
        await writer.add(rows)
        ticker.tick(stats.rows_seen, stats.rows_seen)
        sweeper.tick(client.stats.bytes, client.stats.requests)
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


def _finish(out: _Output, rest: Batch, deletions: list[tuple[str, datetime | None]], started: float) -> None:
    """Write the last batch, mark deleted rows and move the marks, in one transaction.

    Deletions are stamped after every row is written, so a row Lever listed as deleted
    stays deleted even if the same run also read it from the updated list.
    """
    conn, spec, stats = out.conn, out.spec, out.stats
    with conn.begin():
        out.write_in(rest)
        if out.reconcile:
            only_visible = stats.confidentiality == "non-confidential"
            stats.main.deleted = _mark_missing_deleted(conn, spec.table, only_visible=only_visible)
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


def _mark_missing_deleted(conn: sa.Connection, table: Table, *, only_visible: bool) -> int:
    """Stamp `deleted_at` on live rows whose id a full sync did not see (not in the session's seen ids).

    `only_visible`: the list was read without its confidential part (the key was refused
    it), so confidential rows were not missing, only unseen: they are left alone.
    """
    hidden = (
        sql.SQL(" AND {t}.confidentiality IS DISTINCT FROM 'confidential'").format(t=sql.Identifier(table.name))
        if only_visible and "confidentiality" in table.c
        else sql.SQL("")
    )
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(f"ANALYZE {_SEEN}")  # a temporary table has no statistics: the planner needs its size
        cur.execute(
            sql.SQL(
                "UPDATE {t} SET deleted_at = now(), synced_at = now() WHERE deleted_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM {seen} s WHERE s.id = {t}.id){hidden}"
            ).format(t=sql.Identifier(table.name), seen=sql.Identifier(_SEEN), hidden=hidden)
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
