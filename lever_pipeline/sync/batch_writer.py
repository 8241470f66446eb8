"""Pipelined batch writes: one batch is written in a worker thread while the next is fetched.

A sync is bound by two waits, Lever's answers and the database's writes. Writing each
batch in a worker thread while the event loop keeps fetching overlaps them, so the
database never waits on the network or the other way round. At most one batch is being
written at a time (the next flush waits for it), which keeps memory flat and the writes
in order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class BatchWriter(Generic[T]):
    """Buffers items and hands full batches to `write` (run in a worker thread), one at a time.

    A batch is flushed when it holds `batch_size` items or, with `flush_every_s`, when that
    long has passed since the last flush (so a slow trickle is still written promptly).
    `write` runs in another thread: it must not touch what the event loop is changing.
    """

    def __init__(
        self, write: Callable[[list[T]], None], *, batch_size: int, flush_every_s: float | None = None
    ) -> None:
        self._write = write
        self.batch_size = batch_size
        self.flush_every_s = flush_every_s
        self._buffer: list[T] = []
        self._pending: asyncio.Future[None] | None = None
        self._last_flush = time.monotonic()

    async def add(self, items: Iterable[T]) -> None:
        """Buffer `items`; flush if the batch is full or due."""
        self._buffer.extend(items)
        due = self.flush_every_s is not None and time.monotonic() - self._last_flush >= self.flush_every_s
        if len(self._buffer) >= self.batch_size or due:
            await self.flush()

    async def flush(self) -> None:
        """Wait for the batch being written, then start writing what is buffered."""
        await self.settle()
        batch, self._buffer = self._buffer, []
        self._last_flush = time.monotonic()
        if batch:
            self._pending = asyncio.ensure_future(asyncio.to_thread(self._write, batch))

    async def settle(self) -> None:
        """Wait until no batch is being written (re-raising what its write raised)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            await pending

    async def close(self) -> None:
        """Write what is left and wait for it."""
        await self.flush()
        await self.settle()

    async def take_rest(self) -> list[T]:
        """Wait for the batch being written and return what is still buffered, unwritten.

        For a caller that writes the last batch itself, in the transaction that also
        records the sync's outcome.
        """
        await self.settle()
        rest, self._buffer = self._buffer, []
        return rest
