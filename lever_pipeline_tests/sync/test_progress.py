"""Progress of long syncs: the readings' arithmetic, and the observations an asset run records."""

from __future__ import annotations

import asyncio

import dagster as dg

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.sync.progress import Progress, ProgressTicker
from lever_pipeline_tests.sync.conftest import fast_lever, materialize_all


def test_progress_reading_gives_rate_eta_and_a_line_without_personal_data() -> None:
    p = Progress("feedback", "opportunities", done=250, total=1000, items=40, requests=300, elapsed_s=50.0)

    assert p.rate == 5.0
    assert p.requests_per_s == 6.0
    assert p.eta_s == 150.0
    assert p.line() == ("feedback: 250/1,000 opportunities (25%), 40 items, 300 requests, 6.0 requests/s, ETA 0:02:30")
    assert p.as_metadata()["percent_done"] == 25.0
    assert Progress("opportunities", "rows", 500, None, 500, 5, 1.0).eta_s is None  # no total from Lever


def test_progress_ticker_notifies_when_due_and_always_at_the_end() -> None:
    seen: list[Progress] = []
    client = LeverClient("key", "http://127.0.0.1:9", limiter=RateLimiter(1))  # nothing is sent
    client.stats.requests = 10
    ticker = ProgressTicker("notes", "opportunities", 3, client, notify_every_s=3600, on_progress=seen.append)
    client.stats.requests = 12
    ticker.tick(1, 5)
    ticker.tick(2, 7)
    assert seen == []  # not due yet

    last = ticker.finish()
    asyncio.run(client.aclose())

    assert seen == [last]
    assert (last.done, last.total, last.items, last.requests, last.finished) == (2, 3, 7, 2, True)


def test_fan_out_assets_record_their_progress_as_observations(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    result = materialize_all(fast_lever(sandbox), warehouse_resource, with_checks=False)
    assert result.success

    observed = {
        e.asset_key.path[-1]: e.asset_observation_data.asset_observation.metadata
        for e in result.get_asset_observation_events()
        if e.asset_key is not None
    }
    feedback = {k: v.value for k, v in observed["feedback"].items()}
    assert feedback["opportunities_done"] == feedback["opportunities_total"] > 0
    assert feedback["requests"] >= feedback["opportunities_done"]
    assert {k: v.value for k, v in observed["opportunities"].items()}["rows_done"] > 0
    assert dg.AssetKey(["lever", "feedback"]) in {e.asset_key for e in result.get_asset_observation_events()}
