"""The fan-out helper and the targeted refresh the webhook sensor uses."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from lever_pipeline.lever.fanout import fan_out
from lever_pipeline.sync.per_opportunity import refresh_children
from lever_pipeline_tests.sync.conftest import CHILD_PATHS, count, fast_lever, materialize_all, with_client


def test_fan_out_yields_every_result_and_bounds_concurrency() -> None:
    in_flight = peak = 0

    async def work(n: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0)
        in_flight -= 1
        return n * n

    async def go() -> list[tuple[int, int]]:
        return [pair async for pair in fan_out(range(50), work, concurrency=4)]

    results = asyncio.run(go())
    assert sorted(results) == [(n, n * n) for n in range(50)]
    assert peak <= 4


def test_fan_out_reraises_the_first_failure() -> None:
    async def work(n: int) -> int:
        if n == 7:
            raise ValueError("boom on 7")
        await asyncio.sleep(0)
        return n

    async def go() -> None:
        async for _ in fan_out(range(100), work, concurrency=3):
            pass

    with pytest.raises(ValueError, match="boom on 7"):
        asyncio.run(go())


def test_refresh_children_fetches_only_the_named_opportunities(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    assert materialize_all(fast_lever(sandbox), warehouse_resource, with_checks=False).success
    change = sandbox.mutate(1, kinds=["feedback"])["mutations"][0]
    before = sandbox.stats()["requests_by_path"]

    stats = with_client(
        sandbox, lambda c: refresh_children(c, clean_engine, [change["opportunityId"]], ["feedback", "interviews"])
    )

    after = sandbox.stats()["requests_by_path"]
    assert after[CHILD_PATHS["feedback"]] - before[CHILD_PATHS["feedback"]] == 1
    assert after[CHILD_PATHS["interviews"]] - before[CHILD_PATHS["interviews"]] == 1
    assert stats["feedback"].opportunities.done == 1
    assert count(clean_engine, "SELECT count(*) FROM lever_feedback WHERE id = :id", id=change["feedbackId"]) == 1
    with clean_engine.connect() as conn:
        ledger = conn.execute(
            sa.text("SELECT count(*) FROM child_sync_state WHERE opportunity_id = :o"), {"o": change["opportunityId"]}
        ).scalar_one()
    assert ledger == 6  # one ledger row per kind
