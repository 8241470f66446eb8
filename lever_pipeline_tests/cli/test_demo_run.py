"""The demo's run: a named job of the code location (so the Overview timeline shows it), one line per
step, and the figures the summary prints (sandbox over HTTP, real PostgreSQL, Dagster in-process)."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from lever_pipeline.account.guard import sandbox_account_name
from lever_pipeline.cli.demo_run import JOB, LOCATION, run_pipeline, short_reason
from lever_pipeline.definitions import defs
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.settings import get_settings


@pytest.fixture
def sandbox_environment(
    sandbox: RunningSandbox, clean_engine: Engine, test_database_url: URL, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningSandbox]:
    """The variables `demo` gives its run: the sandbox as the account, the test database as the warehouse."""
    sandbox.reset()
    monkeypatch.setenv("LEVER_API_KEY", sandbox.api_key)
    monkeypatch.setenv("LEVER_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("LEVER_SANDBOX_ACCOUNT", sandbox_account_name(sandbox.config.seed, sandbox.config.opportunities))
    monkeypatch.setenv("WAREHOUSE_URL", test_database_url.render_as_string(hide_password=False))
    monkeypatch.setenv("LEVER_RATE_LIMIT_PER_SECOND", "100")
    get_settings.cache_clear()
    yield sandbox
    get_settings.cache_clear()


def test_demo_job_is_every_asset_and_check_of_the_definitions() -> None:
    job = defs.resolve_job_def(JOB)
    graph = defs.resolve_asset_graph()
    assert job.asset_layer.executable_asset_keys == graph.executable_asset_keys
    assert set(job.asset_layer.asset_graph.asset_check_keys) == set(graph.asset_check_keys)


def test_demo_run_belongs_to_the_code_location_and_prints_a_line_per_step(sandbox_environment: RunningSandbox) -> None:
    lines: list[str] = []
    with dg.DagsterInstance.ephemeral() as instance:
        report = run_pipeline(instance, lines.append, {"launched_by": "test"}, job="lever_reference_sync")
        run = instance.get_run_by_id(report.run_id)
    assert report.success and not report.step_failures and not report.interrupted
    assert run is not None and run.job_name == "lever_reference_sync" and run.tags["launched_by"] == "test"
    origin = run.remote_job_origin
    assert origin is not None  # what the UI's timeline needs to draw the run in a job's row
    assert origin.location_name == LOCATION and origin.repository_origin.repository_name == "__repository__"
    assert sorted(line.split()[0] for line in lines) == ["lever/archive_reasons", "lever/stages", "lever/users"]
    assert all(" ok " in line and "requests" in line for line in lines)
    assert set(report.materializations) == {"lever/archive_reasons", "lever/stages", "lever/users"}
    assert report.requests == sum(int(m["requests"]) for m in report.materializations.values()) > 0
    assert report.checks_passed > 0 and report.failed_checks == []


def test_short_reason_says_why_in_a_few_words() -> None:
    assert short_reason("3 opportunities name an unknown owner\nmore detail", {}) == (
        "3 opportunities name an unknown owner"
    )
    assert short_reason(None, {"dagster_dbt/failed_row_count": 61, "status": "fail"}) == "61 failing rows"
    assert short_reason(None, {"orphans": 3, "examples": "a, b", "preview": "x" * 200}) == "orphans=3, examples=a, b"
    assert short_reason(None, {}) == "did not pass"
