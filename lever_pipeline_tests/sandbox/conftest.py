"""Sandbox tests: make sure the sandbox fixtures are loaded, and give each test a client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox

PLUGIN = "lever_pipeline_tests.fixtures_sandbox"


def pytest_configure(config: pytest.Config) -> None:
    # The root conftest lists the plugin in pytest_plugins; this keeps these tests runnable
    # on their own too, without registering it twice.
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)


@pytest.fixture
def fresh(sandbox: RunningSandbox) -> RunningSandbox:
    """The session sandbox, reset to its generated state (for tests that change data)."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    """An authenticated client on the session sandbox's /v1."""
    with httpx.Client(base_url=sandbox.base_url, auth=(sandbox.api_key, ""), timeout=30) as client:
        yield client
