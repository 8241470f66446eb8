"""The on-demand template cache: fresh copies answer without a request, stale ones cost exactly one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.sync.template_cache import FeedbackTemplateCache, get_feedback_template
from lever_pipeline.sync.template_store import WarehouseTemplateStore

PATH = "/v1/feedback_templates/{id}"


def template_requests(sandbox) -> int:
    return sandbox.stats()["requests_by_path"].get(PATH, 0)


def some_template_id(sandbox) -> str:
    return sandbox.app.store.world.templates[2]["id"]


def age(engine: sa.Engine, template_id: str, by: timedelta) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE lever_feedback_templates SET fetched_at = fetched_at - :by WHERE id = :id"),
            {"by": by, "id": template_id},
        )


def run(sandbox, body):
    async def go():
        async with LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(400, 20)) as client:
            return await body(client)

    return asyncio.run(go())


def test_template_cache_miss_fetches_stores_then_fresh_copy_needs_no_request(sandbox, clean_engine) -> None:
    sandbox.reset()
    template_id = some_template_id(sandbox)
    store = WarehouseTemplateStore(clean_engine)

    first = run(sandbox, lambda c: get_feedback_template(c, store, template_id, ttl_seconds=3600))
    assert first["id"] == template_id
    assert template_requests(sandbox) == 1
    with clean_engine.connect() as conn:
        assert conn.execute(
            sa.text("SELECT count(*) FROM feedback_template_fields WHERE template_id = :id"), {"id": template_id}
        ).scalar_one() == len(first["fields"])

    again = run(sandbox, lambda c: get_feedback_template(c, store, template_id, ttl_seconds=3600))
    assert again == first
    assert template_requests(sandbox) == 1  # fresh: answered from the warehouse


def test_template_cache_stale_copy_costs_one_request(sandbox, clean_engine) -> None:
    sandbox.reset()
    template_id = some_template_id(sandbox)
    store = WarehouseTemplateStore(clean_engine)
    run(sandbox, lambda c: get_feedback_template(c, store, template_id, ttl_seconds=3600))
    age(clean_engine, template_id, timedelta(hours=2))

    result = run(sandbox, lambda c: get_feedback_template(c, store, template_id, ttl_seconds=3600))
    assert result["id"] == template_id
    assert template_requests(sandbox) == 2
    with clean_engine.connect() as conn:
        fetched_at = conn.execute(
            sa.text("SELECT fetched_at FROM lever_feedback_templates WHERE id = :id"), {"id": template_id}
        ).scalar_one()
    assert datetime.now(UTC) - fetched_at < timedelta(minutes=5)  # refreshed, so fresh again


def test_template_cache_concurrent_stale_callers_cause_one_request(sandbox, clean_engine) -> None:
    sandbox.reset()
    template_id = some_template_id(sandbox)
    store = WarehouseTemplateStore(clean_engine)
    run(sandbox, lambda c: get_feedback_template(c, store, template_id, ttl_seconds=3600))
    age(clean_engine, template_id, timedelta(hours=2))
    before = template_requests(sandbox)

    async def many(client):
        return await asyncio.gather(
            *(get_feedback_template(client, store, template_id, ttl_seconds=3600) for _ in range(25))
        )

    results = run(sandbox, many)
    assert all(r["id"] == template_id for r in results)
    assert template_requests(sandbox) - before == 1


def test_template_cache_separate_caches_share_the_advisory_lock(sandbox, clean_engine) -> None:
    """Two caches with their own stores and in-process locks (as two processes would have): one request."""
    sandbox.reset()
    template_id = some_template_id(sandbox)
    before = template_requests(sandbox)

    async def two_processes(client):
        caches = [
            FeedbackTemplateCache(client, WarehouseTemplateStore(clean_engine), ttl_seconds=3600) for _ in range(4)
        ]
        return await asyncio.gather(*(cache.get(template_id) for cache in caches for _ in range(3)))

    results = run(sandbox, two_processes)
    assert all(r["id"] == template_id for r in results)
    assert template_requests(sandbox) - before == 1


def test_template_cache_unknown_template_is_none_and_not_stored(sandbox, clean_engine) -> None:
    sandbox.reset()
    store = WarehouseTemplateStore(clean_engine)
    assert run(sandbox, lambda c: get_feedback_template(c, store, "no-such-template", ttl_seconds=3600)) is None
    with clean_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM lever_feedback_templates")).scalar_one() == 0
