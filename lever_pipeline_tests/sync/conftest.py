"""Fixtures for the per-opportunity tests: the sandbox (real HTTP), a real PostgreSQL, Dagster in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import dagster as dg
import sqlalchemy as sa

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.per_opportunity_assets import CHILD_ASSETS, PER_OPPORTUNITY_ASSETS
from lever_pipeline.defs.sync.per_opportunity_checks import PER_OPPORTUNITY_CHECKS
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource
from lever_pipeline_tests.defs.conftest import warehouse_resource  # noqa: F401  (shared fixture)

T = TypeVar("T")

KIND_NAMES = ("feedback", "interviews", "notes", "resumes", "files", "offers")
CHILD_PATHS = {k: f"/v1/opportunities/{{id}}/{k}" for k in KIND_NAMES}


def fast_lever(sandbox: Any) -> LeverResource:
    """A Lever resource on a sandbox without a rate limit: tests run far faster than Lever's 8/s."""
    return SandboxLeverResource(api_key=sandbox.api_key, base_url=sandbox.base_url, requests_per_second=400, burst=20)


def materialize_all(
    lever: LeverResource, warehouse: WarehouseResource, *, full: bool = False, with_checks: bool = True
) -> dg.ExecuteInProcessResult:
    """Core assets, then templates and every per-opportunity asset (and their checks)."""
    configurable = [*CORE_ASSETS, *CHILD_ASSETS]
    return dg.materialize(
        [*CORE_ASSETS, *PER_OPPORTUNITY_ASSETS, *(PER_OPPORTUNITY_CHECKS if with_checks else [])],
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={a.op.name: {"config": {"full_refresh": full}} for a in configurable}),
        raise_on_error=False,
    )


def metadata(result: dg.ExecuteInProcessResult, name: str) -> dict[str, Any]:
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        if mat.asset_key == dg.AssetKey(["lever", name]):
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of lever/{name}")


def count(engine: sa.Engine, query: str, **params: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(query), params).scalar_one()


def with_client(sandbox: Any, body: Callable[[LeverClient], Awaitable[T]]) -> T:
    """Run `body(client)` with a plain client on `sandbox` (no shared limiter)."""

    async def go() -> T:
        async with LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(400, 20)) as client:
            return await body(client)

    return asyncio.run(go())
