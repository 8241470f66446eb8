"""Fewer garbage-collector pauses while a sync parses pages, and no garbage that grows with the account.

Parsing a page of JSON creates thousands of short-lived dicts and lists, each counted
towards CPython's generation-0 threshold (700 by default), so the collector runs every
few objects' worth of a page and walks everything young. During a bulk sync none of that
is cyclic garbage; py-spy put the collector at ~14% of a sync's CPU. Raising the
threshold while a sync runs (and restoring it after the last one ends) cut wall time
by ~20% in `benchmarks/overhead.py`.

Every request does leave a reference cycle behind (the retry loop's state holds the
response, body included), and cycles that live through a young collection end in the
oldest generation, which CPython sweeps only once its pending objects reach a quarter of
everything it holds: at 100,000 opportunities that let about 100 MiB of old pages pile up
before each sweep, more the larger the account. So a sync also freezes what the process
held when it started (the imported modules: the collector then ignores them) and sweeps
the rest every `SWEEP_BYTES` of responses or `SWEEP_REQUESTS` requests
(`GarbageSweeper`), which costs about a millisecond each.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SYNC_GEN0_THRESHOLD = 50_000
SWEEP_BYTES = 4 * 1024 * 1024
SWEEP_REQUESTS = 500

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] | None = None


@contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Raise generation 0's threshold and freeze what exists meanwhile; nested and concurrent uses share one change."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gen0, *rest = _saved
            gc.set_threshold(max(gen0, SYNC_GEN0_THRESHOLD), *rest)
            gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None


class GarbageSweeper:
    """Sweeps every generation once `every_bytes` of responses or `every_requests` requests went by since the last.

    Called with the client's running totals (`stats.bytes`, `stats.requests`) as pages
    arrive, so the garbage the requests leave stays bounded whatever the account's size.
    """

    def __init__(self, every_bytes: int = SWEEP_BYTES, every_requests: int = SWEEP_REQUESTS) -> None:
        self.every_bytes = every_bytes
        self.every_requests = every_requests
        self._at: tuple[int, int] | None = None
        self.sweeps = 0

    def tick(self, bytes_read: int, requests: int) -> None:
        """Sweep if enough went by since the last sweep (the first call only notes where the counts start)."""
        if self._at is None:
            self._at = (bytes_read, requests)
            return
        if bytes_read - self._at[0] >= self.every_bytes or requests - self._at[1] >= self.every_requests:
            gc.collect()
            self.sweeps += 1
            self._at = (bytes_read, requests)
