"""Feedback templates on demand: a TTL cache in front of `lever.feedback.get_feedback_template`.

`get_feedback_template` answers from a store (the warehouse, through a small protocol so
this package never imports it) while the stored copy is younger than the TTL; otherwise
it fetches the template, stores it and returns it. Concurrent callers for the same stale
template cause one request: an asyncio lock per template id serialises callers in this
process, the store's lock (a PostgreSQL advisory lock in the warehouse) serialises
processes, and each waiter re-reads the store before fetching, so only the first one asks
Lever. The write-back jobs and the service validate feedback against what this returns.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from lever_pipeline.lever import feedback as lever_feedback
from lever_pipeline.lever.client import LeverClient

DEFAULT_TTL_SECONDS = 3600


@dataclass(frozen=True)
class StoredTemplate:
    """A template as stored: Lever's dict and when it was fetched from Lever."""

    template: dict[str, Any]
    fetched_at: datetime


class TemplateStore(Protocol):
    """Where fetched templates are kept (the warehouse implements it in `template_store.py`)."""

    async def load(self, template_id: str) -> StoredTemplate | None:
        """The stored copy of a template, or None if it was never stored."""
        ...

    async def save(self, template: Mapping[str, Any], fetched_at: datetime) -> None:
        """Store (insert or replace) a template fetched at `fetched_at`."""
        ...

    def lock(self, template_id: str) -> AbstractAsyncContextManager[None]:
        """Exclusive access to one template id across every process sharing the store."""
        ...


@dataclass
class CacheStats:
    """What the cache did: answers from the store, and fetches from Lever."""

    hits: int = 0
    fetches: int = 0
    not_found: int = 0


def _unwrap(body: Mapping[str, Any]) -> dict[str, Any]:
    # Lever wraps a single object as {"data": {...}} (the docs' example forgets the envelope);
    # a template itself has no `data` key, so either shape is read the same.
    inner = body.get("data")
    return dict(inner) if isinstance(inner, Mapping) else dict(body)


class FeedbackTemplateCache:
    """The TTL cache over one client and one store; safe to share between coroutines of one loop."""

    def __init__(
        self,
        client: LeverClient,
        store: TemplateStore,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.ttl = timedelta(seconds=ttl_seconds)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stats = CacheStats()
        self._locks: dict[str, asyncio.Lock] = {}

    def _fresh(self, stored: StoredTemplate | None) -> bool:
        return stored is not None and self.clock() - stored.fetched_at < self.ttl

    async def get(self, template_id: str) -> dict[str, Any] | None:
        """The template, from the store if fresh, else from Lever (stored on the way); None if Lever has none.

        Errors from Lever other than 404 propagate; a stale copy is not served in their place.
        """
        stored = await self.store.load(template_id)
        if self._fresh(stored):
            self.stats.hits += 1
            return stored.template  # type: ignore[union-attr]
        lock = self._locks.setdefault(template_id, asyncio.Lock())
        async with lock:
            stored = await self.store.load(template_id)  # a caller ahead of us may have refreshed it
            if self._fresh(stored):
                self.stats.hits += 1
                return stored.template  # type: ignore[union-attr]
            async with self.store.lock(template_id):
                stored = await self.store.load(template_id)  # ... or another process
                if self._fresh(stored):
                    self.stats.hits += 1
                    return stored.template  # type: ignore[union-attr]
                self.stats.fetches += 1
                body = await lever_feedback.get_feedback_template(self.client, template_id)
                if body is None:
                    self.stats.not_found += 1
                    return None
                template = _unwrap(body)
                await self.store.save(template, self.clock())
                return template


# One cache per (event loop, client, store): asyncio locks belong to the loop they were made on.
_CACHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, int, float], FeedbackTemplateCache]] = (
    weakref.WeakKeyDictionary()
)


async def get_feedback_template(
    client: LeverClient,
    store: TemplateStore,
    template_id: str,
    *,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
) -> dict[str, Any] | None:
    """Template `template_id` as a dict, at most `ttl_seconds` old (see `FeedbackTemplateCache.get`).

    Callers on the same loop with the same client and store share one cache, so concurrent
    calls for one stale template make one request. Callers pass the TTL from the settings
    (`LEVER_TEMPLATE_TTL_SECONDS`).
    """
    per_loop = _CACHES.setdefault(asyncio.get_running_loop(), {})
    key = (id(client), id(store), float(ttl_seconds))
    cache = per_loop.get(key)
    if cache is None or cache.client is not client or cache.store is not store:
        cache = per_loop[key] = FeedbackTemplateCache(client, store, ttl_seconds=ttl_seconds)
    return await cache.get(template_id)
