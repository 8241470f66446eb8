"""Fixtures for running the Dagster definitions in-process against the sandbox and a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.settings import get_settings
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


def tick_refresh_limit(monkeypatch: pytest.MonkeyPatch, events: int) -> None:
    """Set WEBHOOK_TICK_REFRESH_MAX_EVENTS for this test (the settings are read anew)."""
    monkeypatch.setenv("WEBHOOK_TICK_REFRESH_MAX_EVENTS", str(events))
    get_settings.cache_clear()


@pytest.fixture
def runs_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every webhook refresh goes to a run (none in the sensor's tick): the run path's tests."""
    tick_refresh_limit(monkeypatch, 0)
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
