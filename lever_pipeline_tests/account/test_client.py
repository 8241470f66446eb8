"""The client factory: the settings' account, and the shared limiter always (real sandbox, real PostgreSQL)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account.client import SANDBOX_API_KEY, api_key, open_lever_client
from lever_pipeline.lever.ratelimit import bucket_name
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets
from lever_pipeline_tests.account.sandbox_account import sandbox_settings


def _db_now(engine: Engine) -> float:
    with engine.connect() as conn:
        return float(conn.execute(sa.select(sa.func.extract("epoch", sa.func.statement_timestamp()))).scalar_one())


def test_factory_clients_for_one_key_share_one_bucket_row(sandbox: RunningSandbox, clean_engine: Engine) -> None:
    sandbox.reset()
    settings = sandbox_settings(sandbox)
    rate, per_client = 20.0, 3
    started = _db_now(clean_engine)

    async def go() -> list[str]:
        async with (
            open_lever_client(settings, clean_engine, requests_per_second=rate, burst=10) as first,
            open_lever_client(settings, clean_engine, requests_per_second=rate, burst=10) as second,
        ):
            for _ in range(per_client):
                await asyncio.gather(first.get("/stages/lead-new"), second.get("/stages/lead-new"))
            return [first.limiter.bucket, second.limiter.bucket]

    buckets = asyncio.run(go())
    with clean_engine.connect() as conn:
        rows = conn.execute(sa.select(rate_limit_buckets.c.bucket, rate_limit_buckets.c.tat)).all()
    assert buckets == [bucket_name(sandbox.api_key)] * 2
    assert [r.bucket for r in rows] == [bucket_name(sandbox.api_key)]  # in PostgreSQL, never in-process
    # Each reservation moves the row's arrival time on by one interval: both clients' are in it.
    assert rows[0].tat >= started + 2 * per_client / rate - 1e-6


def test_factory_falls_back_to_the_sandbox_key_without_lever_api_key(
    sandbox: RunningSandbox, clean_engine: Engine
) -> None:
    sandbox.reset()
    settings = sandbox_settings(sandbox, lever_api_key=None)
    assert settings.uses_sandbox and api_key(settings) == SANDBOX_API_KEY == sandbox.api_key

    async def go() -> dict | None:
        async with open_lever_client(settings, clean_engine) as client:
            assert client.base_url == sandbox.base_url
            return await client.get("/stages/lead-new")

    assert asyncio.run(go()) is not None
