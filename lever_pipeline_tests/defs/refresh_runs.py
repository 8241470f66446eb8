"""Driving the webhook path through Dagster in tests: the sensor's tick, the refresh job's run, run records.

The refresh job is resolved from the project's own Lever assets and checks with the
test's resources, and runs in process on a test instance; a run the daemon would have
queued is recorded on that instance as the daemon records it (a queued run names the
code location it will be launched from).
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.candidacy_assets import CANDIDACY_ASSETS
from lever_pipeline.defs.sync.candidacy_checks import CANDIDACY_CHECKS
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.core_checks import CORE_CHECKS
from lever_pipeline.defs.sync.per_opportunity_assets import PER_OPPORTUNITY_ASSETS, feedback_templates
from lever_pipeline.defs.sync.per_opportunity_checks import PER_OPPORTUNITY_CHECKS
from lever_pipeline.defs.webhooks.jobs import REFRESH_JOB, refresh_lever_opportunities_job
from lever_pipeline.defs.webhooks.sensors import lever_webhook_sensor

TARGETED = ("opportunities", "applications", "feedback", "interviews")


def refresh_job(lever: LeverResource, warehouse: WarehouseResource) -> dg.JobDefinition:
    """`refresh_lever_opportunities_job` as `definitions.py` resolves it, on the test's resources."""
    defs = dg.Definitions(
        assets=[*CORE_ASSETS, *PER_OPPORTUNITY_ASSETS, *CANDIDACY_ASSETS],
        asset_checks=[*CORE_CHECKS, *PER_OPPORTUNITY_CHECKS, *CANDIDACY_CHECKS],
        jobs=[refresh_lever_opportunities_job],
        resources={"lever": lever, "warehouse": warehouse},
    )
    return defs.resolve_job_def(REFRESH_JOB)


#: The Lever resource of ticks that cannot reach Lever: with `runs_only`, a tick never calls it.
NO_LEVER = LeverResource(base_url="http://127.0.0.1:9/v1", timeout_s=1.0)


def tick(
    instance: dg.DagsterInstance, warehouse: WarehouseResource, lever: LeverResource = NO_LEVER
) -> dg.RunRequest | dg.SkipReason:
    """One evaluation of `lever_webhook_sensor` against `instance`."""
    context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse, "lever": lever})
    return lever_webhook_sensor(context)


def launch(
    request: dg.RunRequest, instance: dg.DagsterInstance, lever: LeverResource, warehouse: WarehouseResource
) -> dg.ExecuteInProcessResult:
    """Run what the sensor requested, as the daemon would, but in this process."""
    assert isinstance(request, dg.RunRequest), request
    return refresh_job(lever, warehouse).execute_in_process(
        instance=instance,
        tags={**request.tags, "dagster/run_key": request.run_key or ""},
        raise_on_error=False,
    )


def recorded_run(instance: dg.DagsterInstance, status: dg.DagsterRunStatus) -> dg.DagsterRun:
    """A refresh run record in `status`, like the daemon's (no process behind it)."""
    code = InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="lever_pipeline.definitions", attribute="defs"))
    origin = RemoteJobOrigin(RemoteRepositoryOrigin(code, "__repository__"), REFRESH_JOB)
    return instance.add_run(dg.DagsterRun(job_name=REFRESH_JOB, status=status, remote_job_origin=origin))


def sync_baseline(lever: LeverResource, warehouse: WarehouseResource) -> None:
    """Everything the targeted assets' checks refer to: the core streams and the feedback templates, in full."""
    result = dg.materialize(
        [*CORE_ASSETS, feedback_templates],
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={a.op.name: {"config": {"full_refresh": True}} for a in CORE_ASSETS}),
    )
    assert result.success


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """Asset name -> metadata values of each Lever materialization in the run."""
    out: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        out[mat.asset_key.path[-1]] = {k: v.value for k, v in mat.metadata.items()}
    return out


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    """`<asset>:<check>` -> passed, for every check evaluated in the run."""
    return {f"{e.asset_key.path[-1]}:{e.check_name}": e.passed for e in result.get_asset_check_evaluations()}
