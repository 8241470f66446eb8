"""A webhook refresh rebuilds the applications of the opportunities it re-read, in the tick and in a run:
a new candidate's application is in `lever_applications` (and `lever/applications` is materialized
with its checks) without waiting for the next scheduled sync."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.warehouse.tables import lever_applications
from lever_pipeline_tests.defs.conftest import lever_resource_for
from lever_pipeline_tests.defs.refresh_runs import launch, materializations, sync_baseline, tick
from lever_pipeline_tests.defs.test_sensors import webhooked_sandbox
from lever_pipeline_tests.fixtures_sandbox import eventually
from lever_pipeline_tests.webhooks.stored import events

APPLICATIONS = dg.AssetKey(["lever", "applications"])


@contextmanager
def _applied(
    sandbox_factory: Any, engine: Engine, warehouse: WarehouseResource, clean_engine: Engine
) -> Iterator[tuple[dg.DagsterInstance, LeverResource, str]]:
    """A synced account on a webhooked sandbox where a new candidate just applied, its webhook stored.

    Yields a test instance, the Lever resource and the new opportunity's id.
    """
    with webhooked_sandbox(sandbox_factory, engine) as sandbox, dg.instance_for_test() as instance:
        lever = lever_resource_for(sandbox, rate=200.0)
        sync_baseline(lever, warehouse)
        opportunity = sandbox.mutate(1, ["application"])["mutations"][0]["opportunityId"]
        eventually(lambda: len(events(clean_engine)) >= 1, message="the application's webhook to be stored")
        yield instance, lever, opportunity


def _applications_of(engine: Engine, opportunity: str) -> list[str]:
    a = lever_applications
    with engine.connect() as conn:
        return list(conn.execute(sa.select(a.c.posting_id).where(a.c.opportunity_id == opportunity)).scalars())


def test_a_tick_refresh_reports_the_new_candidates_application(
    sandbox_factory: Any, engine: Engine, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    with _applied(sandbox_factory, engine, warehouse_resource, clean_engine) as (instance, lever, opportunity):
        assert _applications_of(clean_engine, opportunity) == []

        assert isinstance(tick(instance, warehouse_resource, lever), dg.SkipReason)  # refreshed in the tick

        assert len(_applications_of(clean_engine, opportunity)) == 1
        latest = instance.get_latest_materialization_event(APPLICATIONS)
        assert latest is not None and latest.asset_materialization is not None
        meta = {k: v.value for k, v in latest.asset_materialization.metadata.items()}
        assert (meta["mode"], meta["refreshed_in"]) == ("targeted", "sensor tick")
        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(APPLICATIONS, "applications_have_known_posting")]
        )
        (execution,) = checks.values()
        assert execution.event is not None and execution.event.asset_check_evaluation is not None
        assert execution.event.asset_check_evaluation.passed


@pytest.mark.usefixtures("runs_only")
def test_a_refresh_run_materializes_the_applications_of_what_it_re_read(
    sandbox_factory: Any, engine: Engine, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    with _applied(sandbox_factory, engine, warehouse_resource, clean_engine) as (instance, lever, opportunity):
        run = launch(tick(instance, warehouse_resource), instance, lever, warehouse_resource)

        assert run.success
        applications = materializations(run)["applications"]
        assert (applications["mode"], applications["refreshed_in"]) == ("targeted", "run")
        assert len(_applications_of(clean_engine, opportunity)) == 1
