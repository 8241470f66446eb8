"""Jobs the webhooks drive: the targeted refresh the sensor launches, and the retention purge.

`refresh_lever_opportunities_job` materializes `lever/opportunities`, `lever/applications`,
`lever/feedback` and `lever/interviews` (with their checks) in targeted mode: the run claims every webhook
event waiting when it starts and re-reads only what those events name. Its steps run in
the run's own process: a targeted refresh is seconds of work, and a step subprocess per
asset would cost more than the work. The sensor launches it only for a backlog larger than
it refreshes in its own tick (`tick_refresh.py`).
`purge_webhook_events_job` deletes raw events older than `WEBHOOK_RETENTION_DAYS`, daily.
"""

import dagster as dg
from pydantic import Field

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.sync.candidacy_assets import applications
from lever_pipeline.defs.sync.core_assets import OpportunitySyncConfig, opportunities
from lever_pipeline.defs.sync.per_opportunity_assets import feedback, interviews
from lever_pipeline.settings import get_settings
from lever_pipeline.webhooks.events import purge_expired

REFRESH_JOB = "refresh_lever_opportunities_job"
TARGETED_ASSETS = [opportunities, applications, feedback, interviews]

refresh_lever_opportunities_job = dg.define_asset_job(
    name=REFRESH_JOB,
    selection=dg.AssetSelection.assets(*TARGETED_ASSETS),
    config=dg.RunConfig(ops={a.op.name: OpportunitySyncConfig(targeted=True) for a in TARGETED_ASSETS}),
    executor_def=dg.in_process_executor,
    description=(
        "Targeted refresh of the opportunities (and their applications, feedback and interviews) that waiting webhook "
        "events name; launched by lever_webhook_sensor, one run at a time."
    ),
    # A backlog the tick left to a run is minutes of requests at most; past this, run monitoring
    # fails the run, its events are released, and the next run takes them.
    tags={"sync": "targeted", "dagster/max_runtime": str(30 * 60)},
)


class PurgeWebhookEventsConfig(dg.Config):
    retention_days: int | None = Field(
        default=None, gt=0, description="Keep this many days of raw events; default WEBHOOK_RETENTION_DAYS."
    )


@dg.op(name="purge_webhook_events")
def purge_webhook_events(
    context: dg.OpExecutionContext, config: PurgeWebhookEventsConfig, warehouse: WarehouseResource
) -> dg.Output[None]:
    """Delete raw webhook events received before the retention period."""
    days = config.retention_days or get_settings().webhook_retention_days
    deleted = purge_expired(warehouse.engine(), days)
    context.log.info("deleted %d webhook events older than %d days", deleted, days)
    return dg.Output(None, metadata={"deleted": deleted, "retention_days": days})


@dg.job(name="purge_webhook_events_job", description="Delete raw webhook events past the retention period.")
def purge_webhook_events_job() -> None:
    purge_webhook_events()


purge_webhook_events_schedule = dg.ScheduleDefinition(
    name="purge_webhook_events_job_schedule",
    job=purge_webhook_events_job,
    cron_schedule="17 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

WEBHOOK_JOBS = [refresh_lever_opportunities_job, purge_webhook_events_job]
WEBHOOK_SCHEDULES = [purge_webhook_events_schedule]
