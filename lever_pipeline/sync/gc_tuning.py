"""Fewer garbage-collector pauses while a sync parses pages.

Parsing a page of JSON creates thousands of short-lived dicts and lists, each counted
towards CPython's generation-0 threshold (700 by default), so the collector runs every
few objects' worth of a page and walks everything young. During a bulk sync none of that
is cyclic garbage; py-spy put the collector at ~14% of a sync's CPU. Raising the
threshold while a sync runs (and restoring it after the last one ends) cut wall time
by ~20% in `benchmarks/overhead.py`. Reference cycles are still collected, just in
bigger, rarer sweeps.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SYNC_GEN0_THRESHOLD = 50_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] | None = None


@contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Raise generation 0's threshold for the duration; nested and concurrent uses share one change."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gen0, *rest = _saved
            gc.set_threshold(max(gen0, SYNC_GEN0_THRESHOLD), *rest)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
