"""Fixtures for running the Dagster definitions in-process against the sandbox and a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import URL

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource


@pytest.fixture
def warehouse_resource(test_database_url: URL, clean_engine) -> WarehouseResource:
    """The test database as Dagster's warehouse resource, emptied first."""
    return WarehouseResource(url=test_database_url.render_as_string(hide_password=False))


def lever_resource_for(sandbox, rate: float = 50.0, timeout_s: float = 30.0) -> SandboxLeverResource:
    """A Lever resource pointed at a running sandbox (tests run faster than Lever's 8/s)."""
    return SandboxLeverResource(
        api_key=sandbox.api_key, base_url=sandbox.base_url, requests_per_second=rate, burst=10, timeout_s=timeout_s
    )
