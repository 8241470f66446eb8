"""The health sensor and checks: a wrong key makes the health check fail as an ERROR with the reason;
a healthy run passes; a stale stream fails the freshness check. Real sandbox, real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account.client import open_lever_client
from lever_pipeline.defs.ops.checks import FRESHNESS_CHECK, HEALTH_CHECK, lever_api_health
from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.lever.errors import LeverAuthError
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.warehouse.tables import sync_state
from lever_pipeline_tests.account.sandbox_account import sandbox_settings
from lever_pipeline_tests.defs.conftest import lever_resource_for


@pytest.fixture
def warehouse_resource(test_database_url, clean_engine: Engine) -> WarehouseResource:
    """The warehouse resource on the session's test database, emptied first."""
    return WarehouseResource(url=test_database_url.render_as_string(hide_password=False))


def _evaluate(sandbox: RunningSandbox, warehouse: WarehouseResource) -> dict[str, dg.AssetCheckEvaluation]:
    context = dg.build_sensor_context(resources={"warehouse": warehouse, "lever": lever_resource_for(sandbox)})
    result = lever_api_health(context)
    assert isinstance(result, dg.SensorResult) and not result.run_requests
    return {e.check_name: e for e in result.asset_events}


async def _get(settings, engine: Engine) -> None:
    async with open_lever_client(settings, engine) as client:
        await client.get("/stages/lead-new")


def test_health_check_passes_after_good_calls(
    sandbox: RunningSandbox, clean_engine: Engine, warehouse_resource: WarehouseResource
) -> None:
    asyncio.run(_get(sandbox_settings(sandbox), clean_engine))
    evaluations = _evaluate(sandbox, warehouse_resource)
    assert evaluations[HEALTH_CHECK].passed
    assert evaluations[HEALTH_CHECK].metadata["status"].value == "healthy"


def test_health_check_fails_as_error_on_a_wrong_key(
    sandbox: RunningSandbox, clean_engine: Engine, warehouse_resource: WarehouseResource
) -> None:
    with pytest.raises(LeverAuthError):
        asyncio.run(_get(sandbox_settings(sandbox, lever_api_key="wrong-key"), clean_engine))
    health = _evaluate(sandbox, warehouse_resource)[HEALTH_CHECK]
    assert not health.passed and health.severity == dg.AssetCheckSeverity.ERROR
    assert "401" in health.metadata["reason"].value


def test_freshness_check_fails_on_a_stream_past_its_window(
    sandbox: RunningSandbox, clean_engine: Engine, warehouse_resource: WarehouseResource
) -> None:
    now = datetime.now(UTC)
    with clean_engine.begin() as conn:
        conn.execute(
            sa.insert(sync_state),
            [
                {"stream": "opportunities", "last_success_at": now - timedelta(hours=3)},
                {"stream": "stages", "last_success_at": now - timedelta(hours=3)},
            ],
        )
    fresh = _evaluate(sandbox, warehouse_resource)[FRESHNESS_CHECK]
    assert not fresh.passed and fresh.severity == dg.AssetCheckSeverity.WARN
    assert fresh.metadata["stale_streams"].value == "opportunities (180 min)"
