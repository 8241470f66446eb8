"""The webhook sensor and the run-status sensors that settle its events.

`lever_webhook_sensor` reads stored webhook events after its cursor (the last queue
position it requested: the data's own mark, never the wall clock), coalesces them per
opportunity, and requests one `refresh_lever_opportunities_job` run per batch. The run
key names the batch's queue positions, which are never reused, so a re-evaluated tick
cannot launch a batch twice. Events are marked processed only by
`lever_webhook_events_processed`, when their run succeeds; a failed or canceled run's
events are requeued by `lever_webhook_events_requeued` and a later tick asks again.
As a safety net for a run whose status event was never seen, each tick first requeues
events claimed more than `CLAIM_TIMEOUT_S` ago and still unprocessed.
"""

from typing import Any

import dagster as dg

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.webhooks.jobs import REFRESH_OP, RefreshOpportunitiesConfig, refresh_lever_opportunities_job
from lever_pipeline.webhooks.events import (
    WebhookBatch,
    mark_processed,
    next_batch,
    requeue,
    requeue_unsettled,
)

BATCH_SIZE = 500
MAX_BATCHES_PER_TICK = 4
#: A targeted refresh takes seconds; an event claimed this long ago without a settled run is offered again.
CLAIM_TIMEOUT_S = 30 * 60


def run_request_for(batch: WebhookBatch) -> dg.RunRequest:
    """The run settling one batch: its config lists opportunities and event ids; tags hold counts only."""
    config = RefreshOpportunitiesConfig(
        opportunity_ids=batch.refresh_ids, deleted_opportunity_ids=batch.deleted_ids, event_ids=batch.event_ids
    )
    return dg.RunRequest(
        run_key=f"webhooks-{batch.first_seq}-{batch.last_seq}",
        run_config=dg.RunConfig(ops={REFRESH_OP: config}),
        tags={
            "lever/webhook_events": str(len(batch.events)),
            "lever/opportunities": str(len(batch.refresh_ids) + len(batch.deleted_ids)),
        },
    )


@dg.sensor(
    name="lever_webhook_sensor",
    job=refresh_lever_opportunities_job,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refreshes the opportunities Lever's webhooks say changed, within seconds.",
)
def lever_webhook_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    """One run per batch of up to 500 new webhook events, coalesced per opportunity."""
    after = int(context.cursor or 0)
    engine = warehouse.engine()
    expired = requeue_unsettled(engine, CLAIM_TIMEOUT_S)
    if expired:
        context.log.warning(
            "%d webhook events claimed over %d s ago without a settled run: requeued", expired, CLAIM_TIMEOUT_S
        )
    batches: list[WebhookBatch] = []
    cursor = after
    for _ in range(MAX_BATCHES_PER_TICK):
        batch = next_batch(engine, cursor, BATCH_SIZE)
        if not batch.events:
            break
        batches.append(batch)
        cursor = batch.last_seq
        if len(batch.events) < BATCH_SIZE:
            break
    if not batches:
        return dg.SkipReason(f"no webhook events after queue position {after}")
    return dg.SensorResult(run_requests=[run_request_for(b) for b in batches], cursor=str(cursor))


def event_ids_of(run: dg.DagsterRun) -> list[int]:
    """The webhook event ids a targeted-refresh run was launched for (none for a hand-launched run)."""
    ops: dict[str, Any] = (run.run_config or {}).get("ops") or {}
    config = (ops.get(REFRESH_OP) or {}).get("config") or {}
    return [int(i) for i in config.get("event_ids") or []]


@dg.run_status_sensor(
    name="lever_webhook_events_processed",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[refresh_lever_opportunities_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks a successful targeted refresh's webhook events processed.",
)
def lever_webhook_events_processed(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    ids = event_ids_of(context.dagster_run)
    marked = mark_processed(warehouse.engine(), ids, context.dagster_run.run_id)
    context.log.info("run %s: %d of %d webhook events marked processed", context.dagster_run.run_id, marked, len(ids))


def _requeue(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    ids = event_ids_of(context.dagster_run)
    back = requeue(warehouse.engine(), ids)
    context.log.info("run %s did not succeed: %d webhook events requeued", context.dagster_run.run_id, back)


@dg.run_failure_sensor(
    name="lever_webhook_events_requeued",
    monitored_jobs=[refresh_lever_opportunities_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Puts a failed targeted refresh's webhook events back in the queue for a later tick.",
)
def lever_webhook_events_requeued(context: dg.RunFailureSensorContext, warehouse: WarehouseResource) -> None:
    _requeue(context, warehouse)


@dg.run_status_sensor(
    name="lever_webhook_events_requeued_on_cancel",
    run_status=dg.DagsterRunStatus.CANCELED,
    monitored_jobs=[refresh_lever_opportunities_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Puts a canceled targeted refresh's webhook events back in the queue for a later tick.",
)
def lever_webhook_events_requeued_on_cancel(context: dg.RunStatusSensorContext, warehouse: WarehouseResource) -> None:
    _requeue(context, warehouse)


WEBHOOK_SENSORS = [
    lever_webhook_sensor,
    lever_webhook_events_processed,
    lever_webhook_events_requeued,
    lever_webhook_events_requeued_on_cancel,
]
