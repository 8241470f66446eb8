"""Incremental fan-out sync of each opportunity's sub-resources (feedback, interviews, notes, ...).

Which opportunities (`per_opportunity_store.select_targets`): those whose stamp moved since
their children of this kind were last fetched. A per-opportunity stamp rather than one
stream-wide mark: an opportunity that reaches the warehouse late, with an `updatedAt` older
than the newest already seen, is still picked up, and a run cut short resumes where it
stopped (each batch writes its stamps with its rows). The stream's `sync_state` row still
records the newest stamp and the run's stats.

Some kinds skip opportunities Lever's data says have none (panels without interviews,
referrals without a referral application: `ChildKind.needs_request`): those are written
as empty without a request. Applications are never requested: they are in the stored
opportunity's own response (`derive_children`).

How: one paged read per opportunity (`per_opportunity_kinds`), many in flight at once
(`lever.fanout`), all under the client's shared rate limiter, so the phase runs at the
configured rate, not at 1/latency. Results are written in batches as they arrive
(`BatchWriter`). Per refreshed opportunity the children are replaced: rows Lever still
returns are upserted, rows it no longer returns are deleted (Lever's own `deletedAt`, for
feedback and notes, is kept as a column). Users and postings the written rows name that
the warehouse lacks (a new interviewer) are fetched by id as the batches land
(`references`). A progress line (done/total, requests, rate, ETA; no personal data) is
logged every 30 seconds and handed to the caller's `on_progress` (`sync.progress`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverError, LeverNotFound
from lever_pipeline.lever.fanout import fan_out
from lever_pipeline.sync.batch_writer import BatchWriter
from lever_pipeline.sync.gc_tuning import GarbageSweeper
from lever_pipeline.sync.per_opportunity_kinds import KINDS, ChildKind, Download, Objects
from lever_pipeline.sync.per_opportunity_store import (
    Fetched,
    Target,
    TargetPage,
    Targets,
    already_downloaded,
    record_outcome,
    select_targets,
    stamps_for,
    stored_children,
    write_batch,
)
from lever_pipeline.sync.progress import ProgressCallback, ProgressTicker
from lever_pipeline.sync.references import ReferenceResolver, names_references
from lever_pipeline.sync.stats import FanOut, FieldTypes, Mode, References, SyncStats, client_counters

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FanOutOptions:
    """How hard and how often: requests in flight, opportunities per written batch, log cadence."""

    concurrency: int = 16
    batch_size: int = 200
    flush_every_s: float = 2.0
    progress_every_s: float = 30.0
    download_dir: Path | None = None
    on_progress: ProgressCallback | None = None


async def sync_children(
    client: LeverClient,
    engine: Engine,
    kind: str,
    *,
    full: bool = False,
    concurrency: int = 16,
    batch_size: int = 200,
    flush_every_s: float = 2.0,
    progress_every_s: float = 30.0,
    download_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
) -> SyncStats:
    """Fetch `kind` for every opportunity that changed since its children were last fetched (all live ones if `full`).

    Open opportunities first, then archived ones, each newest first (`select_targets`).
    `download_dir` (resumes and files only): also download each processed file, once per
    content hash, into that folder. Progress (done/total, requests, rate, ETA) is logged
    every `progress_every_s` and handed to `on_progress` as it moves. Raises what the client
    raises (auth, repeated server errors); batches written before the failure stay written
    and are not fetched again.
    """
    spec = KINDS[kind]
    started = time.perf_counter()
    targets = await asyncio.to_thread(select_targets, engine, spec, full=full)
    fan = FanOut(live=targets.live)
    stats = _new_stats(spec, "full" if full else "incremental", fan)
    logger.info(
        "%s: %d of %d live opportunities to fetch, %d known to have none (%s)",
        kind,
        targets.ask_total,
        targets.live,
        targets.known_empty_total,
        "full" if full else "incremental",
    )
    options = FanOutOptions(concurrency, batch_size, flush_every_s, progress_every_s, download_dir, on_progress)
    await _fetch_and_write(client, engine, spec, _read_ahead(targets), targets.ask_total, stats, fan, options)
    fan.selected += fan.known_empty
    stats.duration_s = round(time.perf_counter() - started, 3)
    await asyncio.to_thread(record_outcome, engine, spec, stats, stream=True)
    logger.info(
        "%s: %d opportunities, %d items, %d requests in %.1fs (%.1f requests/s, %d 429s)",
        kind,
        fan.done,
        stats.rows_seen,
        stats.requests,
        stats.fetch_s,
        stats.requests_per_second,
        stats.rate_limited_429,
    )
    return stats


async def _read_ahead(targets: Targets) -> AsyncIterator[TargetPage]:
    """`targets.pages()` read in a worker thread, the next page read while the caller works on this one."""
    pages = targets.pages()
    ahead = asyncio.ensure_future(asyncio.to_thread(next, pages, None))
    try:
        while (page := await ahead) is not None:
            ahead = asyncio.ensure_future(asyncio.to_thread(next, pages, None))
            yield page
    finally:  # a caller that stops early (or fails) leaves no read running; the pages hold no connection
        if not ahead.done():
            await asyncio.gather(ahead, return_exceptions=True)


def derive_children(engine: Engine, kind: ChildKind, *, full: bool = False, batch_size: int = 500) -> SyncStats:
    """Rebuild `kind` (a kind `stored` in the opportunity's response) for the opportunities that changed.

    No request: the children are read from `lever_opportunities.raw`, in batches, and
    written like fetched ones (replaced per opportunity, stamps recorded in the ledger).
    """
    started = time.perf_counter()
    targets = select_targets(engine, kind, full=full)
    fan = FanOut(live=targets.live)
    stats = _new_stats(kind, "full" if full else "incremental", fan)
    fan.selected = targets.ask_total + targets.known_empty_total
    for page in targets.pages():
        chosen = page.ask + page.known_empty
        for i in range(0, len(chosen), batch_size):
            chunk = chosen[i : i + batch_size]
            stored = stored_children(engine, kind, [opportunity_id for opportunity_id, _ in chunk])
            batch = [Fetched(opportunity_id, stamp, stored.get(opportunity_id, [])) for opportunity_id, stamp in chunk]
            for fetched in batch:
                stats.rows_seen += len(fetched.objects or [])
                stats.see_stamp(fetched.stamp)
            write_batch(engine, kind, batch, stats)
            fan.done += len(chunk)
    stats.duration_s = round(time.perf_counter() - started, 3)
    record_outcome(engine, kind, stats, stream=True)
    logger.info(
        "%s: %d opportunities, %d items, no requests in %.1fs", kind.name, fan.done, stats.rows_seen, stats.duration_s
    )
    return stats


def derive_children_of(engine: Engine, kind: ChildKind, opportunity_ids: Iterable[str]) -> SyncStats:
    """Rebuild `kind` (stored in the opportunity's response) for the given opportunities, now.

    What a webhook refresh does after re-reading opportunities: no request, and only the
    ones still in the warehouse and not deleted. The stream's `sync_state` row is not
    touched (this is not a stream sync).
    """
    started = time.perf_counter()
    targets = [t for t in stamps_for(engine, opportunity_ids) if t[1] is not None]
    stored = stored_children(engine, kind, [i for i, _ in targets], live_only=True)
    chosen = [t for t in targets if t[0] in stored]
    fan = FanOut(live=len(chosen))
    stats = _new_stats(kind, "targeted", fan)
    fan.selected = len(chosen)
    if chosen:
        batch = [Fetched(i, stamp, stored.get(i, [])) for i, stamp in chosen]
        for fetched in batch:
            stats.rows_seen += len(fetched.objects or [])
            stats.see_stamp(fetched.stamp)
        write_batch(engine, kind, batch, stats)
        fan.done = len(chosen)
    stats.duration_s = round(time.perf_counter() - started, 3)
    record_outcome(engine, kind, stats, stream=False)
    return stats


def _resolver_for(kind: ChildKind, stats: SyncStats) -> ReferenceResolver | None:
    """A resolver noting the users and postings `kind`'s rows name that the warehouse lacks (None if they name none)."""
    if not names_references(kind.tables):
        return None
    stats.references = stats.references or References()
    return ReferenceResolver(stats.references)


async def refresh_children(
    client: LeverClient,
    engine: Engine,
    opportunity_ids: Iterable[str],
    kinds: Iterable[str] = ("feedback", "interviews"),
    *,
    concurrency: int = 8,
) -> dict[str, SyncStats]:
    """Re-fetch the given opportunities' children of each kind now (the webhook sensor's targeted refresh).

    Kinds run concurrently under the client's limiter. The per-opportunity ledger is
    updated; the stream's `sync_state` row is not (this is not a stream sync).
    """
    targets = await asyncio.to_thread(stamps_for, engine, opportunity_ids)

    async def one(kind: str) -> SyncStats:
        started = time.perf_counter()
        fan = FanOut()
        stats = _new_stats(KINDS[kind], "targeted", fan)
        options = FanOutOptions(concurrency=concurrency)
        await _fetch_and_write(client, engine, KINDS[kind], _one_page(targets), len(targets), stats, fan, options)
        stats.duration_s = round(time.perf_counter() - started, 3)
        await asyncio.to_thread(record_outcome, engine, KINDS[kind], stats, stream=False)
        return stats

    names = list(dict.fromkeys(kinds))
    return dict(zip(names, await asyncio.gather(*(one(k) for k in names)), strict=True))


def _new_stats(kind: ChildKind, mode: Mode, fan: FanOut) -> SyncStats:
    return SyncStats.of(
        kind.name,
        mode,
        kind.tables,
        opportunities=fan,
        field_types=FieldTypes("field_values") if kind.field_values is not None else None,
        files_downloaded=0 if kind.download is not None else None,
    )


async def _one_page(targets: list[Target]) -> AsyncIterator[TargetPage]:
    yield TargetPage(targets, [])


async def _fetch_and_write(
    client: LeverClient,
    engine: Engine,
    kind: ChildKind,
    pages: AsyncIterator[TargetPage],
    total: int,
    stats: SyncStats,
    fan: FanOut,
    options: FanOutOptions,
) -> None:
    """Fetch the children of every target to ask, many at once, and write them in batches as they arrive.

    Targets come a page at a time (`total` of them to ask, for progress); a page's
    known-empty ones are written as empty, without a request, through the same writer.
    `fan` is `stats.opportunities`, the part this counts into.
    """
    started = time.perf_counter()
    before = client_counters(client)
    fan.selected = total
    refs = _resolver_for(kind, stats)
    writer: BatchWriter[Fetched] = BatchWriter(
        lambda batch: write_batch(engine, kind, batch, stats, refs),
        batch_size=options.batch_size,
        flush_every_s=options.flush_every_s,
    )
    progress = ProgressTicker(
        kind.name,
        "opportunities",
        total,
        client,
        log_every_s=options.progress_every_s,
        on_progress=options.on_progress,
    )

    async def fetch(target: Target) -> list[dict[str, Any]] | None:
        return await _fetch_children(client, kind, target[0])

    sweeper = GarbageSweeper()
    async for page in pages:
        if page.known_empty:
            await writer.add(Fetched(opportunity_id, stamp, []) for opportunity_id, stamp in page.known_empty)
            for _, stamp in page.known_empty:
                stats.see_stamp(stamp)
            fan.known_empty += len(page.known_empty)
        async for (opportunity_id, stamp), objects in fan_out(page.ask, fetch, concurrency=options.concurrency):
            fetched = Fetched(opportunity_id, stamp, objects)
            fan.done += 1
            if objects is None:
                fan.gone_ids.append(opportunity_id)
            else:
                stats.rows_seen += len(objects)
                if options.download_dir is not None and kind.download is not None:
                    fetched.downloads = await _download_new(
                        client, engine, kind.download, kind.tables[0], opportunity_id, objects, options.download_dir
                    )
                    stats.files_downloaded = (stats.files_downloaded or 0) + len(fetched.downloads)
            stats.see_stamp(stamp)
            await writer.add([fetched])
            if refs is not None and refs.pending:  # found by a batch written meanwhile
                await refs.fetch(client, engine)
            progress.tick(fan.done, stats.rows_seen)
            sweeper.tick(client.stats.bytes, client.stats.requests)
    await writer.close()
    if refs is not None:
        await refs.fetch(client, engine)
    progress.finish()
    stats.fetch_s = round(time.perf_counter() - started, 3)
    stats.count_requests(before, client)


async def _fetch_children(client: LeverClient, kind: ChildKind, opportunity_id: str) -> list[dict[str, Any]] | None:
    """Every `kind` object of one opportunity, or None when Lever no longer has the opportunity."""
    if kind.pages is None:
        raise ValueError(f"{kind.name} comes in the opportunity's own response: use derive_children")
    objects: list[dict[str, Any]] = []
    try:
        async for page in kind.pages(client, opportunity_id):
            objects.extend(page)
    except LeverNotFound:
        return None  # deleted since the opportunities sync; the next full sync marks it
    return objects


async def _download_new(
    client: LeverClient,
    engine: Engine,
    download: Download,
    table: Table,
    opportunity_id: str,
    objects: Objects,
    folder: Path,
) -> dict[str, tuple[str, str]]:
    """Download each processed file of one opportunity not yet in `table` into `folder/<sha256>.<ext>`.

    Returns object id -> (sha256, path); the batch writer records them on the rows.
    """
    have = await asyncio.to_thread(already_downloaded, engine, table, [o["id"] for o in objects])
    out: dict[str, tuple[str, str]] = {}
    for obj in objects:
        meta = download.file_of(obj)
        if obj["id"] in have or not isinstance(meta, Mapping) or meta.get("status") != "processed":
            continue
        content = await _fetch_file(client, download, opportunity_id, obj["id"])
        if content is None:
            continue
        digest = hashlib.sha256(content).hexdigest()
        ext = str(meta.get("ext") or "bin").strip(".")[:10] or "bin"
        path = folder / f"{digest}.{ext}"
        if not path.exists():  # the same bytes are stored once, whoever uploaded them
            await asyncio.to_thread(_write_file, folder, path, content)
        out[obj["id"]] = (digest, str(path))
    return out


async def _fetch_file(client: LeverClient, download: Download, opportunity_id: str, object_id: str) -> bytes | None:
    """The file's bytes, or None when Lever has none to give (gone, or it could not process the file)."""
    try:
        return await download.fetch(client, opportunity_id, object_id)
    except LeverError as err:
        if err.status in (404, 422):
            return None
        raise


def _write_file(folder: Path, path: Path, content: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
