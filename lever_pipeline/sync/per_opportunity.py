"""Incremental fan-out sync of each opportunity's sub-resources (feedback, interviews, notes, ...).

Which opportunities: those whose stamp, greatest(`updatedAt`, `lastInteractionAt`) as
stored in `lever_opportunities`, differs from the stamp recorded in `child_sync_state` for
this kind when their children were last fetched (a full refresh takes every live one).
A per-opportunity stamp rather than one stream-wide mark: an opportunity that reaches the
warehouse late, with an `updatedAt` older than the newest already seen, is still picked
up, and a run cut short resumes where it stopped (each batch writes its stamps with its rows).
The stream's `sync_state` row still records the newest stamp and the run's stats.

How: one `GET /opportunities/:id/<kind>` (paged) per opportunity, many in flight at once
(`lever.fanout`), all under the client's shared rate limiter, so the phase runs at the
configured rate, not at 1/latency. Results are written in batches as they arrive (one
batch written in a worker thread while the next is fetched). Per refreshed opportunity the
children are replaced: rows Lever still returns are upserted, rows it no longer returns
are deleted (Lever's own `deletedAt`, for feedback and notes, is kept as a column).
A progress line (done/total, rate, no personal data) is logged every few seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from psycopg import sql
from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.lever.errors import LeverError, LeverNotFound
from lever_pipeline.lever.fanout import fan_out
from lever_pipeline.sync import per_opportunity_rows as fr
from lever_pipeline.sync.rows import Row
from lever_pipeline.sync.state import record_success
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.feedback import (
    child_sync_state,
    feedback_field_values,
    interview_interviewers,
    lever_feedback,
    lever_files,
    lever_interviews,
    lever_notes,
    lever_offers,
    lever_resumes,
)
from lever_pipeline.warehouse.upsert import upsert_rows

logger = logging.getLogger(__name__)

Objects = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class ChildKind:
    """One sub-resource: its API path segment, its tables (main table first) and its mapper."""

    name: str
    tables: tuple[Table, ...]
    to_rows: Callable[[str, Objects], tuple[list[Row], ...]]
    downloadable: bool = False


def _single(mapper: Callable[[str, Mapping[str, Any]], Row]) -> Callable[[str, Objects], tuple[list[Row], ...]]:
    return lambda opp, objs: ([mapper(opp, o) for o in objs],)


KINDS: dict[str, ChildKind] = {
    k.name: k
    for k in (
        ChildKind("feedback", (lever_feedback, feedback_field_values), fr.feedback_rows),
        ChildKind("interviews", (lever_interviews, interview_interviewers), fr.interview_rows),
        ChildKind("notes", (lever_notes,), _single(fr.note_row)),
        ChildKind("resumes", (lever_resumes,), _single(fr.resume_row), downloadable=True),
        ChildKind("files", (lever_files,), _single(fr.file_row), downloadable=True),
        ChildKind("offers", (lever_offers,), _single(fr.offer_row)),
    )
}


@dataclass
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


@dataclass
class ChildSyncStats:
    """What one fan-out sync of one kind did; becomes the asset's materialization metadata."""

    kind: str
    full: bool
    opportunities_live: int = 0
    opportunities_selected: int = 0
    opportunities_done: int = 0
    opportunities_gone: int = 0
    items: int = 0
    tables: dict[str, TableCounts] = field(default_factory=dict)
    table_rows: dict[str, int] = field(default_factory=dict)
    unknown_field_types: dict[str, int] = field(default_factory=dict)
    parse_errors: int = 0
    files_downloaded: int = 0
    requests: int = 0
    pages: int = 0
    retries: int = 0
    rate_limited_429: int = 0
    duration_s: float = 0.0
    fetch_s: float = 0.0
    high_water_mark: datetime | None = None

    @property
    def requests_per_second(self) -> float:
        """Requests ÷ wall time of the fetch phase (what the rate limiter allowed)."""
        return round(self.requests / self.fetch_s, 2) if self.fetch_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["high_water_mark"] = self.high_water_mark.isoformat() if self.high_water_mark else None
        out["requests_per_second"] = self.requests_per_second
        return out


def _counter(stats: Any, name: str) -> int:
    if stats is None:
        return 0
    if isinstance(stats, Mapping):
        return int(stats.get(name, 0))
    return int(getattr(stats, name, 0))


_COUNTERS = ("requests", "pages", "retries", "rate_limited_429")


def _stamp() -> sa.ColumnElement:
    o = lever_opportunities
    return sa.func.greatest(o.c.updated_at, o.c.last_interaction_at)


def select_targets(engine: Engine, kind: str, *, full: bool) -> tuple[list[tuple[str, datetime | None]], int]:
    """(opportunity id, stamp) of the live opportunities whose `kind` children need fetching, and how many live."""
    o, s = lever_opportunities, child_sync_state
    stamp = _stamp().label("stamp")
    query = (
        sa.select(o.c.id, stamp)
        .select_from(o.outerjoin(s, sa.and_(s.c.opportunity_id == o.c.id, s.c.kind == kind)))
        .where(o.c.deleted_at.is_(None))
        .order_by(stamp.desc().nulls_last(), o.c.id)
    )
    if not full:
        query = query.where(sa.or_(s.c.opportunity_id.is_(None), s.c.opportunity_stamp.is_distinct_from(_stamp())))
    with engine.connect() as conn:
        rows = [(r.id, r.stamp) for r in conn.execute(query)]
        live = conn.execute(sa.select(sa.func.count()).where(o.c.deleted_at.is_(None))).scalar_one()
    return rows, live


def stamps_for(engine: Engine, opportunity_ids: Iterable[str]) -> list[tuple[str, datetime | None]]:
    """(id, stamp) for the given opportunities; ids not in the warehouse get a None stamp."""
    ids = list(dict.fromkeys(opportunity_ids))
    o = lever_opportunities
    with engine.connect() as conn:
        known = dict(conn.execute(sa.select(o.c.id, _stamp()).where(o.c.id.in_(ids))).tuples().all())
    return [(i, known.get(i)) for i in ids]


def _delete_missing(conn: Connection, table: Table, opportunity_ids: list[str], rows: list[Row]) -> int:
    """Delete `table` rows of these opportunities whose key is not among `rows`; return how many."""
    keys = [c.name for c in table.primary_key.columns]
    arrays = [[str(r[k]) for r in rows] for k in keys]
    alias = sql.SQL(", ").join(sql.Identifier(k) for k in keys)
    match = sql.SQL(" AND ").join(sql.SQL("s.{k} = t.{k}").format(k=sql.Identifier(k)) for k in keys)
    stmt = sql.SQL(
        "DELETE FROM {t} AS t WHERE t.opportunity_id = ANY(%s::text[]) AND NOT EXISTS "
        "(SELECT 1 FROM unnest({arrays}) AS s({alias}) WHERE {match})"
    ).format(
        t=sql.Identifier(table.name),
        arrays=sql.SQL(", ").join(sql.SQL("%s::text[]") for _ in keys),
        alias=alias,
        match=match,
    )
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute(stmt, [opportunity_ids, *arrays])
        return cur.rowcount


@dataclass
class _Fetched:
    opportunity_id: str
    stamp: datetime | None
    objects: list[dict[str, Any]] | None  # None: the opportunity is gone (404)
    downloads: dict[str, tuple[str, str]] = field(default_factory=dict)  # object id -> (sha256, path)


def _write_batch(engine: Engine, kind: ChildKind, batch: list[_Fetched], stats: ChildSyncStats) -> None:
    opp_ids = [f.opportunity_id for f in batch]
    per_table: list[list[Row]] = [[] for _ in kind.tables]
    for f in batch:
        for rows, out in zip(kind.to_rows(f.opportunity_id, f.objects or []), per_table, strict=True):
            out.extend(rows)
    if kind.name == "feedback":
        for row in per_table[1]:
            if not row["known_type"]:
                stats.unknown_field_types[row["type"]] = stats.unknown_field_types.get(row["type"], 0) + 1
            if row["parse_error"]:
                stats.parse_errors += 1
    with engine.begin() as conn:
        for table, rows in zip(kind.tables, per_table, strict=True):
            counts = stats.tables.setdefault(table.name, TableCounts())
            done = upsert_rows(conn, table, rows)
            counts.inserted += done.inserted
            counts.updated += done.updated
            counts.unchanged += done.unchanged
            counts.deleted += _delete_missing(conn, table, opp_ids, rows)
        main = kind.tables[0]
        for f in batch:
            for object_id, (digest, path) in f.downloads.items():
                conn.execute(
                    sa.update(main)
                    .where(main.c.id == object_id)
                    .values(content_sha256=digest, local_path=path, downloaded_at=sa.func.now())
                )
        ledger = [
            {
                "opportunity_id": f.opportunity_id,
                "kind": kind.name,
                "opportunity_stamp": f.stamp,
                "items": len(f.objects or []),
                "synced_at": sa.func.now(),
            }
            for f in batch
        ]
        stmt = insert(child_sync_state).values(ledger)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["opportunity_id", "kind"],
                set_={
                    "opportunity_stamp": stmt.excluded.opportunity_stamp,
                    "items": stmt.excluded["items"],
                    "synced_at": sa.func.now(),
                },
            )
        )


async def _fetch_children(client: Any, opportunity_id: str, kind: str) -> list[dict[str, Any]] | None:
    objects: list[dict[str, Any]] = []
    try:
        async for page in client.paginate(f"/opportunities/{opportunity_id}/{kind}"):
            objects.extend(page)
    except LeverNotFound:
        return None  # deleted since the opportunities sync; the next full sync marks it
    return objects


async def _run(
    client: Any,
    engine: Engine,
    kind: ChildKind,
    targets: list[tuple[str, datetime | None]],
    stats: ChildSyncStats,
    *,
    concurrency: int,
    batch_size: int,
    flush_every_s: float,
    progress_every_s: float,
    download_dir: Path | None,
) -> None:
    started = time.perf_counter()
    before = {k: _counter(client.stats, k) for k in _COUNTERS}
    stats.opportunities_selected = len(targets)
    buffer: list[_Fetched] = []
    pending: asyncio.Future[None] | None = None
    last_flush = last_log = time.monotonic()

    async def settle() -> None:
        nonlocal pending
        if pending is not None:
            await pending
            pending = None

    async def flush() -> None:
        nonlocal buffer, pending, last_flush
        await settle()
        batch, buffer = buffer, []
        last_flush = time.monotonic()
        if batch:
            pending = asyncio.ensure_future(asyncio.to_thread(_write_batch, engine, kind, batch, stats))

    async def work(target: tuple[str, datetime | None]) -> list[dict[str, Any]] | None:
        return await _fetch_children(client, target[0], kind.name)

    async for (opp_id, stamp), objects in fan_out(targets, work, concurrency=concurrency):
        stats.opportunities_done += 1
        fetched = _Fetched(opp_id, stamp, objects)
        if objects is None:
            stats.opportunities_gone += 1
        else:
            stats.items += len(objects)
            if download_dir is not None and kind.downloadable:
                fetched.downloads = await _download(client, engine, kind, opp_id, objects, download_dir)
                stats.files_downloaded += len(fetched.downloads)
        buffer.append(fetched)
        if stamp is not None and (stats.high_water_mark is None or stamp > stats.high_water_mark):
            stats.high_water_mark = stamp
        now = time.monotonic()
        if len(buffer) >= batch_size or now - last_flush >= flush_every_s:
            await flush()
        if now - last_log >= progress_every_s:
            last_log = now
            elapsed = time.perf_counter() - started
            made = _counter(client.stats, "requests") - before["requests"]
            logger.info(
                "%s: %d/%d opportunities (%.0f%%), %d items, %.1f requests/s",
                kind.name,
                stats.opportunities_done,
                len(targets),
                100.0 * stats.opportunities_done / max(1, len(targets)),
                stats.items,
                made / elapsed if elapsed > 0 else 0.0,
            )
    stats.fetch_s = round(time.perf_counter() - started, 3)
    await flush()
    await settle()
    for key in _COUNTERS:
        setattr(stats, key, _counter(client.stats, key) - before[key])


def _record(engine: Engine, kind: ChildKind, stats: ChildSyncStats, started: float, *, stream: bool) -> None:
    with engine.begin() as conn:
        stats.duration_s = round(time.perf_counter() - started, 3)
        if stream:
            record_success(
                conn, kind.name, high_water_mark=stats.high_water_mark, full=stats.full, stats=stats.as_dict()
            )
        for table in kind.tables:
            stats.table_rows[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


async def sync_children(
    client: Any,
    engine: Engine,
    kind: str,
    *,
    full: bool = False,
    concurrency: int = 16,
    batch_size: int = 200,
    flush_every_s: float = 2.0,
    progress_every_s: float = 5.0,
    download_dir: Path | None = None,
) -> ChildSyncStats:
    """Fetch `kind` for every opportunity that changed since its children were last fetched (all live ones if `full`).

    `download_dir` (resumes and files only): also download each processed file, once per
    content hash, into that folder. Raises what the client raises (auth, repeated server
    errors); batches written before the failure stay written and are not fetched again.
    """
    spec = KINDS[kind]
    started = time.perf_counter()
    targets, live = await asyncio.to_thread(select_targets, engine, kind, full=full)
    stats = ChildSyncStats(kind=kind, full=full, opportunities_live=live)
    logger.info(
        "%s: %d of %d live opportunities to fetch (%s)", kind, len(targets), live, "full" if full else "incremental"
    )
    await _run(
        client,
        engine,
        spec,
        targets,
        stats,
        concurrency=concurrency,
        batch_size=batch_size,
        flush_every_s=flush_every_s,
        progress_every_s=progress_every_s,
        download_dir=download_dir,
    )
    await asyncio.to_thread(_record, engine, spec, stats, started, stream=True)
    logger.info(
        "%s: %d opportunities, %d items, %d requests in %.1fs (%.1f requests/s, %d 429s)",
        kind,
        stats.opportunities_done,
        stats.items,
        stats.requests,
        stats.fetch_s,
        stats.requests_per_second,
        stats.rate_limited_429,
    )
    return stats


async def refresh_children(
    client: Any,
    engine: Engine,
    opportunity_ids: Iterable[str],
    kinds: Iterable[str] = ("feedback", "interviews"),
    *,
    concurrency: int = 8,
) -> dict[str, ChildSyncStats]:
    """Re-fetch the given opportunities' children of each kind now (the webhook sensor's targeted refresh).

    Kinds run concurrently under the client's limiter. The per-opportunity ledger is
    updated; the stream's `sync_state` row is not (this is not a stream sync).
    """
    targets = await asyncio.to_thread(stamps_for, engine, opportunity_ids)

    async def one(kind: str) -> ChildSyncStats:
        started = time.perf_counter()
        stats = ChildSyncStats(kind=kind, full=False)
        await _run(
            client,
            engine,
            KINDS[kind],
            targets,
            stats,
            concurrency=concurrency,
            batch_size=200,
            flush_every_s=2.0,
            progress_every_s=5.0,
            download_dir=None,
        )
        await asyncio.to_thread(_record, engine, KINDS[kind], stats, started, stream=False)
        return stats

    names = list(dict.fromkeys(kinds))
    return dict(zip(names, await asyncio.gather(*(one(k) for k in names)), strict=True))


async def _download(
    client: Any, engine: Engine, kind: ChildKind, opportunity_id: str, objects: Objects, folder: Path
) -> dict[str, tuple[str, str]]:
    """Download each processed, not yet downloaded file of one opportunity into `folder/<sha256>.<ext>`.

    Returns object id -> (sha256, path); the batch writer records them on the rows.
    """
    table = kind.tables[0]

    def already(ids: list[str]) -> set[str]:
        with engine.connect() as conn:
            query = sa.select(table.c.id).where(table.c.id.in_(ids), table.c.local_path.is_not(None))
            return set(conn.execute(query).scalars())

    ids = [o["id"] for o in objects]
    have = await asyncio.to_thread(already, ids) if ids else set()
    out: dict[str, tuple[str, str]] = {}
    for obj in objects:
        meta = obj.get("file") if kind.name == "resumes" else obj
        if obj["id"] in have or not isinstance(meta, Mapping) or meta.get("status") != "processed":
            continue
        try:
            content = await client.download(f"/opportunities/{opportunity_id}/{kind.name}/{obj['id']}/download")
        except LeverError as err:
            if err.status in (404, 422):  # gone, or Lever could not process the file
                continue
            raise
        digest = hashlib.sha256(content).hexdigest()
        ext = str(meta.get("ext") or "bin").strip(".")[:10] or "bin"
        path = folder / f"{digest}.{ext}"
        if not path.exists():  # the same bytes are stored once, whoever uploaded them

            def write(path: Path = path, content: bytes = content) -> None:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)

            await asyncio.to_thread(write)
        out[obj["id"]] = (digest, str(path))
    return out
