"""The webhook sensor, and the run-status sensors that release a failed refresh's events.

`lever_webhook_sensor` refreshes a few waiting events (at most
`WEBHOOK_TICK_REFRESH_MAX_EVENTS`) inside its own tick and reports the materializations
(`tick_refresh.py`): no run, so no run start-up cost between an event and its row. A
larger backlog goes to `refresh_lever_opportunities_job`, and it keeps at most one such
run queued or running, however many events arrive: it asks for a run only when events
wait and no refresh run is in flight; nothing is refreshed in a tick while one is. The
run claims every event waiting when it starts (so events that arrive meanwhile wait for
the next run) and settles them in the transaction that writes their rows. The run key
names the newest waiting event and the latest refresh run before it, so a re-evaluated
tick cannot launch twice, and the events of a run that ended without claiming them still
get a new run.

A run that ends without settling its claims has them released, so the next run takes
those events again: at once by `lever_webhook_events_released` (failure) and
`lever_webhook_events_released_on_cancel`, and on every tick of the webhook sensor for
any claim whose run is finished or no longer exists (a status event that was missed,
a sensor that was off, a deleted run). Run monitoring fails a run whose process died,
so its claims are released the same way; no wall-clock timeout is involved.
"""

from __future__ import annotations

import dagster as dg
from sqlalchemy import Engine

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.webhooks.jobs import REFRESH_JOB, refresh_lever_opportunities_job
from lever_pipeline.defs.webhooks.tick_refresh import refresh_in_tick
from lever_pipeline.settings import get_settings
from lever_pipeline.webhooks.claims import open_claims, release, waiting

#: A refresh run in one of these states will claim, or is working on, the waiting events.
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def refresh_in_flight(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    """The newest refresh run that is queued or running, if any."""
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB, statuses=IN_FLIGHT), limit=1)
    return runs[0] if runs else None


def release_finished_claims(engine: Engine, instance: dg.DagsterInstance) -> dict[str, int]:
    """Release the claims of runs that ended without settling them, or that no longer exist.

    Returns run id -> events released. A run still queued or running keeps its claims. A
    tick's claim names no run, so it is released here too: ticks of one sensor never
    overlap, so a tick claim still open when the next tick starts belongs to a tick that died.
    """
    released: dict[str, int] = {}
    for run_id in open_claims(engine):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            released[run_id] = release(engine, run_id)
    return released


@dg.sensor(
    name="lever_webhook_sensor",
    job=refresh_lever_opportunities_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Refreshes a few waiting webhook events inside its tick (reported as materializations); a larger "
        "backlog launches refresh_lever_opportunities_job, one run queued or running at most. Releases "
        "the events of refreshes that ended without settling them."
    ),
)
def lever_webhook_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource, lever: LeverResource
) -> dg.RunRequest | dg.SkipReason:
    """A few events: refreshed in the tick. More: one refresh run in flight at most, claiming all waiting."""
    engine = warehouse.engine()
    for run_id, count in release_finished_claims(engine, context.instance).items():
        context.log.warning("run %s ended without settling %d webhook events: released for the next run", run_id, count)
    now = waiting(engine)
    if now.newest_id is None:
        return dg.SkipReason("No webhook events are waiting.")
    in_flight = refresh_in_flight(context.instance)
    if in_flight is not None:
        return dg.SkipReason(
            f"{now.count} webhook events wait while refresh run {in_flight.run_id} is "
            f"{in_flight.status.value.lower()}; it or the run after it will take them."
        )
    if now.count <= get_settings().webhook_tick_refresh_max_events:
        return dg.SkipReason(refresh_in_tick(context, lever, warehouse).summary())
    latest = context.instance.get_runs(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    after = latest[0].run_id if latest else "none"
    return dg.RunRequest(
        run_key=f"webhooks-through-{now.newest_id}-after-{after}",
        tags={"lever/webhook_events_waiting": str(now.count)},
    )


def _release(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    run_id = context.dagster_run.run_id
    count = release(warehouse.engine(), run_id)
    context.log.info("run %s did not succeed: %d webhook events released for the next run", run_id, count)


@dg.run_failure_sensor(
    name="lever_webhook_events_released",
    monitored_jobs=[refresh_lever_opportunities_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Releases the webhook events a failed targeted refresh claimed but did not settle.",
)
def lever_webhook_events_released(context: dg.RunFailureSensorContext, warehouse: WarehouseResource) -> None:
    _release(context, warehouse)


@dg.run_status_sensor(
    name="lever_webhook_events_released_on_cancel",
    run_status=dg.DagsterRunStatus.CANCELED,
    monitored_jobs=[refresh_lever_opportunities_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Releases the webhook events a canceled targeted refresh claimed but did not settle.",
)
def lever_webhook_events_released_on_cancel(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    _release(context, warehouse)


WEBHOOK_SENSORS = [
    lever_webhook_sensor,
    lever_webhook_events_released,
    lever_webhook_events_released_on_cancel,
]
