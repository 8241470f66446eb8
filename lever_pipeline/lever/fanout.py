"""Bounded concurrent fan-out: run one coroutine per item, at most N at a time, results as they complete.

The per-opportunity syncs call Lever once (or a few times) per opportunity. Done one after
another, a sync runs at 1/latency; done all at once, it floods memory. `fan_out` keeps a
fixed number of workers busy (the client's rate limiter decides the actual request rate)
and hands each result back the moment it is ready, so the caller can write in batches
while the rest is still being fetched. A bounded result queue gives back-pressure: if the
caller writes slower than Lever answers, the workers wait rather than pile up results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sized
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_DONE = object()


@dataclass(frozen=True)
class FanOutProgress:
    """How far a fan-out is: items done, of `total` (None when the iterable has no length)."""

    done: int
    total: int | None
    elapsed_s: float

    @property
    def rate(self) -> float:
        """Items completed per second so far."""
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


async def fan_out(
    items: Iterable[T],
    work: Callable[[T], Awaitable[R]],
    *,
    concurrency: int = 16,
    on_progress: Callable[[FanOutProgress], None] | None = None,
    total: int | None = None,
) -> AsyncIterator[tuple[T, R]]:
    """Yield `(item, await work(item))` for every item, in completion order, `concurrency` at a time.

    The first exception raised by `work` cancels the other workers and is re-raised to the
    caller; leaving the loop early cancels them too. `on_progress` gets a `FanOutProgress`
    (done, total, rate) after each completed item; `total` defaults to `len(items)`.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if total is None and isinstance(items, Sized):
        total = len(items)
    started = time.monotonic()
    source = iter(items)
    results: asyncio.Queue[object] = asyncio.Queue(maxsize=concurrency * 2)

    async def worker() -> None:
        try:
            for item in source:  # the shared iterator hands each item to exactly one worker
                await results.put((item, await work(item)))
        except Exception as err:  # handed to the consumer, which re-raises it
            await results.put(_Failed(err))
            return
        await results.put(_DONE)

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    finished = done = 0
    try:
        while finished < len(workers):
            entry = await results.get()
            if entry is _DONE:
                finished += 1
                continue
            if isinstance(entry, _Failed):
                raise entry.error
            done += 1
            if on_progress is not None:
                on_progress(FanOutProgress(done, total, time.monotonic() - started))
            yield entry  # type: ignore[misc]
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
