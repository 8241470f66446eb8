"""Paging helpers: lists as model streams, and concurrent paging over disjoint `created_at` windows.

Paging one list is sequential (each page needs the previous page's token), so a large
list would be bound by round-trip latency. Instead the range is split into windows that
page concurrently under the one rate limiter. Where rows are dense is unknown up front,
so windows split adaptively: when a window's second (or later) page still says there is
more, and fewer than `parallel` windows are running, the part of the window not yet read
is cut in two new windows instead of following the token. That costs no extra request
(the pages already read are kept) and needs only that Lever orders a list by `createdAt`,
which the page itself shows; otherwise the window simply follows its tokens. Waiting for
the second page keeps small lists (an incremental sync's few changed rows) at the
sequential minimum: two pages' worth is read as two requests, never three.

Each extra window ends in a partial page, so windows are only opened while they pay:
enough for twice `rate x latency` requests in flight (latency measured on the first
page; twice, so jitter never starves the limiter), never more than `parallel`. At 8
requests/s and 80 ms that is two windows; with no rate limit it is all of them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lever_pipeline.lever.client import LeverClient, Params
from lever_pipeline.lever.models import LeverModel

M = TypeVar("M", bound=LeverModel)

logger = logging.getLogger(__name__)

EARLIEST_MS = 1_262_304_000_000  # 2010-01-01: before any Lever account existed
_DONE = object()


@dataclass
class _Window:
    start: int  # inclusive, ms
    end: int  # inclusive, ms
    skip_ids: frozenset[str] = field(default_factory=frozenset)  # rows at `start` already read


def _order(rows: list[dict]) -> str | None:
    stamps = [r.get("createdAt") for r in rows]
    if len(stamps) < 2 or any(s is None for s in stamps):
        return None
    if all(a <= b for a, b in itertools.pairwise(stamps)):
        return "asc"
    if all(a >= b for a, b in itertools.pairwise(stamps)):
        return "desc"
    return None


async def iter_windowed_pages(
    client: LeverClient,
    path: str,
    params: Params | None = None,
    *,
    start_ms: int = EARLIEST_MS,
    end_ms: int,
    parallel: int = 8,
    limit: int = 100,
    queue_pages: int = 16,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield every page of `path` with `created_at` in [start_ms, end_ms], several windows at a time.

    Pages arrive in no particular order; each object is yielded exactly once. At most
    `queue_pages` pages wait in memory, so memory stays flat however large the list.
    """
    # Pages wait in an unbounded queue, but a producer takes a slot before adding one, so
    # at most `queue_pages` pages are held; the end-of-window signal never has to wait.
    queue: asyncio.Queue[object] = asyncio.Queue()
    slots = asyncio.Semaphore(queue_pages)
    tasks: set[asyncio.Task[None]] = set()
    active = 0
    wanted = 1  # windows worth running, set from the first page's round trip
    failure: list[BaseException] = []

    def spawn(window: _Window, measure: bool = False) -> None:
        nonlocal active
        active += 1
        task = asyncio.create_task(run(window, measure))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def run(window: _Window, measure: bool = False) -> None:
        nonlocal active
        try:
            await page_window(window, measure)
        except Exception as err:  # handed to the consumer, which re-raises it
            failure.append(err)
        finally:
            active -= 1
            if active == 0 or failure:
                queue.put_nowait(_DONE)

    async def page_window(window: _Window, measure: bool = False) -> None:
        nonlocal wanted
        query: dict[str, Any] = {**(params or {}), "created_at_start": window.start, "created_at_end": window.end}
        page_no = 0
        edge: Any = None  # createdAt of the last row read in this window, and the ids read at it
        at_edge: set[str] = set()
        started, throttled = time.perf_counter(), client.stats.throttled_s
        async for rows, token in client.pages(path, query, limit=limit):
            page_no += 1
            if measure and page_no == 1:
                latency = max(0.0, time.perf_counter() - started - (client.stats.throttled_s - throttled))
                wanted = max(1, min(parallel, math.ceil(client.limiter.rate * latency * 2)))
            if window.skip_ids:
                rows = [r for r in rows if r.get("id") not in window.skip_ids]
            if rows:
                last = rows[-1].get("createdAt")
                if last != edge:
                    edge, at_edge = last, set()
                at_edge.update(r.get("id") for r in rows if r.get("createdAt") == edge)
            await slots.acquire()
            queue.put_nowait(rows)
            if page_no >= 2 and token and active < wanted:
                order = _order(rows)
                if order is not None and _split(window, edge, window.skip_ids | at_edge, order):
                    return

    def _split(window: _Window, edge: int, at_edge: frozenset[str], order: str) -> bool:
        # The pages read cover one end of the window; rows stamped exactly at its edge may
        # continue on the next page, so the rest starts *at* the edge minus those ids.
        start, end = (edge, window.end) if order == "asc" else (window.start, edge)
        if end - start < 2:
            return False
        mid = (start + end) // 2
        if order == "asc":
            spawn(_Window(start, mid, at_edge))
            spawn(_Window(mid + 1, end))
        else:
            spawn(_Window(start, mid))
            spawn(_Window(mid + 1, end, at_edge))
        return True

    spawn(_Window(start_ms, end_ms), measure=True)
    try:
        while True:
            item = await queue.get()
            if failure:
                raise failure[0]
            if item is _DONE:
                if active == 0 and queue.empty():
                    return
                continue
            slots.release()
            yield item  # type: ignore[misc]
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def window_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `params` without any created_at range (the windows set their own)."""
    return {k: v for k, v in (params or {}).items() if k not in ("created_at_start", "created_at_end")}


async def iter_models(
    client: LeverClient, path: str, model: type[M], params: Params | None = None, *, limit: int = 100
) -> AsyncIterator[M]:
    """Every object of a list endpoint as `model`, page after page (each keeps its dict as `raw`)."""
    async for page in client.paginate(path, params, limit=limit):
        for item in model.from_page(page):
            yield item
