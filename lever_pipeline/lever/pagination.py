"""Concurrent paging of one Lever list over disjoint `created_at` windows.

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
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from lever_pipeline.lever.client import LeverClient, Params

EARLIEST_MS = 1_262_304_000_000  # 2010-01-01: before any Lever account existed
_DONE = object()

Order = Literal["asc", "desc"]


@dataclass
class _Window:
    start: int  # inclusive, ms
    end: int  # inclusive, ms
    skip_ids: frozenset[str] = field(default_factory=frozenset)  # rows at `start` already read


@dataclass
class _Edge:
    """The `createdAt` of the last row a window has read, and the ids read at exactly that stamp."""

    stamp: Any = None
    ids: set[str] = field(default_factory=set)

    def advance(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        last = rows[-1].get("createdAt")
        if last != self.stamp:
            self.stamp, self.ids = last, set()
        self.ids.update(r.get("id") for r in rows if r.get("createdAt") == self.stamp)


def _order(rows: list[dict[str, Any]]) -> Order | None:
    """How a page is sorted by `createdAt`, or None when it does not show (fewer than two rows, gaps)."""
    stamps = [r.get("createdAt") for r in rows]
    if len(stamps) < 2 or any(s is None for s in stamps):
        return None
    if all(a <= b for a, b in itertools.pairwise(stamps)):
        return "asc"
    if all(a >= b for a, b in itertools.pairwise(stamps)):
        return "desc"
    return None


class _WindowedPager:
    """The windows of one list being paged at once, and the bounded queue their pages meet in."""

    def __init__(
        self, client: LeverClient, path: str, params: Params | None, *, parallel: int, limit: int, queue_pages: int
    ) -> None:
        self.client = client
        self.path = path
        self.params = dict(params or {})
        self.parallel = parallel
        self.limit = limit
        # Pages wait in an unbounded queue, but a producer takes a slot before adding one, so
        # at most `queue_pages` pages are held; the end-of-window signal never has to wait.
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.slots = asyncio.Semaphore(queue_pages)
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = 0
        self.wanted = 1  # windows worth running, set from the first page's round trip
        self.failure: BaseException | None = None

    def spawn(self, window: _Window, *, measure: bool = False) -> None:
        """Start paging `window` in its own task (`measure`: size `wanted` from its first page)."""
        self.active += 1
        task = asyncio.create_task(self._run(window, measure))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, window: _Window, measure: bool) -> None:
        try:
            await self._page_window(window, measure)
        except Exception as err:  # handed to the consumer, which re-raises it
            self.failure = self.failure or err
        finally:
            self.active -= 1
            if self.active == 0 or self.failure:
                self.queue.put_nowait(_DONE)

    async def _page_window(self, window: _Window, measure: bool) -> None:
        """Queue the window's pages; from its second page on, hand the unread rest to two new windows if that pays."""
        query = {**self.params, "created_at_start": window.start, "created_at_end": window.end}
        edge = _Edge()
        started, throttled = time.perf_counter(), self.client.stats.throttled_s
        page_no = 0
        async for rows, token in self.client.pages(self.path, query, limit=self.limit):
            page_no += 1
            if measure and page_no == 1:
                self._size_from_latency(time.perf_counter() - started - (self.client.stats.throttled_s - throttled))
            if window.skip_ids:
                rows = [r for r in rows if r.get("id") not in window.skip_ids]
            edge.advance(rows)
            await self.slots.acquire()
            self.queue.put_nowait(rows)
            if page_no >= 2 and token and self.active < self.wanted:
                order = _order(rows)
                if order is not None and self._split(window, edge.stamp, window.skip_ids | edge.ids, order):
                    return

    def _size_from_latency(self, latency: float) -> None:
        """Enough windows for twice `rate x latency` requests in flight, at least one, at most `parallel`."""
        self.wanted = max(1, min(self.parallel, math.ceil(self.client.limiter.rate * max(0.0, latency) * 2)))

    def _split(self, window: _Window, edge: int, at_edge: frozenset[str], order: Order) -> bool:
        """Page the part of `window` not yet read as two new windows; False when it is too narrow to cut."""
        # The pages read cover one end of the window; rows stamped exactly at its edge may
        # continue on the next page, so the rest starts *at* the edge minus those ids.
        start, end = (edge, window.end) if order == "asc" else (window.start, edge)
        if end - start < 2:
            return False
        mid = (start + end) // 2
        if order == "asc":
            self.spawn(_Window(start, mid, at_edge))
            self.spawn(_Window(mid + 1, end))
        else:
            self.spawn(_Window(start, mid))
            self.spawn(_Window(mid + 1, end, at_edge))
        return True

    async def drain(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield pages as windows queue them until every window is done; the first failure is re-raised."""
        try:
            while True:
                item = await self.queue.get()
                if self.failure:
                    raise self.failure
                if item is _DONE:
                    if self.active == 0 and self.queue.empty():
                        return
                    continue
                self.slots.release()
                yield item  # type: ignore[misc]
        finally:
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)


async def windowed_pages(
    client: LeverClient,
    path: str,
    params: Params | None = None,
    *,
    start_ms: int = EARLIEST_MS,
    end_ms: int,
    parallel: int = 8,
    limit: int = 100,
    queue_pages: int = 8,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield every page of `path` with `created_at` in [start_ms, end_ms], several windows at a time.

    Pages arrive in no particular order; each object is yielded exactly once. At most
    `queue_pages` pages wait in memory, so memory stays flat however large the list.
    """
    pager = _WindowedPager(client, path, params, parallel=parallel, limit=limit, queue_pages=queue_pages)
    pager.spawn(_Window(start_ms, end_ms), measure=True)
    async for page in pager.drain():
        yield page
