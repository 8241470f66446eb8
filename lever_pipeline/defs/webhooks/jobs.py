"""Jobs the webhooks drive: the targeted refresh the sensor launches, and the retention purge.

`refresh_lever_opportunities_job` re-reads the opportunities a batch of webhook events
named (and their feedback and interviews) and marks deleted ones; its config carries the
event ids, so the run-status sensors can mark them processed or requeue them.
`purge_webhook_events_job` deletes raw events older than `WEBHOOK_RETENTION_DAYS`, daily.
"""

import dagster as dg
from pydantic import Field, field_validator

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.defs.sync.metadata import sync_metadata
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.settings import get_settings
from lever_pipeline.sync.per_opportunity import refresh_children
from lever_pipeline.sync.per_opportunity_kinds import KINDS
from lever_pipeline.sync.stats import SyncStats
from lever_pipeline.sync.targeted import refresh_opportunities
from lever_pipeline.webhooks.events import purge_expired

REFRESH_OP = "refresh_lever_opportunities"


class RefreshOpportunitiesConfig(dg.Config):
    """Which opportunities to refresh, which to mark deleted, and the webhook events behind them."""

    opportunity_ids: list[str] = Field(default_factory=list, description="Opportunities to re-read from Lever.")
    deleted_opportunity_ids: list[str] = Field(
        default_factory=list, description="Opportunities a candidateDeleted event named: marked deleted, not fetched."
    )
    event_ids: list[int] = Field(
        default_factory=list, description="Webhook events this run settles (marked processed when it succeeds)."
    )
    child_kinds: list[str] = Field(
        default_factory=lambda: ["feedback", "interviews"],
        description="Per-opportunity sub-resources to re-read for each refreshed opportunity.",
    )

    @field_validator("child_kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown child kinds {unknown}; choose from {sorted(KINDS)}")
        return kinds


@dg.op(name=REFRESH_OP, tags={"kind": "lever"})
def refresh_lever_opportunities(
    context: dg.OpExecutionContext,
    config: RefreshOpportunitiesConfig,
    lever: LeverResource,
    warehouse: WarehouseResource,
) -> dg.Output[None]:
    """Re-read the given opportunities (and their feedback and interviews); mark deleted ones deleted."""
    engine = warehouse.engine()

    async def refresh(client: LeverClient) -> tuple[SyncStats, dict[str, SyncStats]]:
        stats = await refresh_opportunities(client, engine, config.opportunity_ids, config.deleted_opportunity_ids)
        gone = set(stats.opportunities.gone_ids)
        live = [i for i in config.opportunity_ids if i not in gone]
        children = await refresh_children(client, engine, live, config.child_kinds) if live else {}
        return stats, children

    stats, children = run_with_client(lever, engine, refresh)
    requested = stats.opportunities.selected
    context.log.info("refreshed %d opportunities for %d webhook events", requested, len(config.event_ids))
    refreshed = {kind: s.opportunities.done for kind, s in children.items()}
    return dg.Output(
        None,
        metadata={
            "events": len(config.event_ids),
            **sync_metadata(stats),
            "children_refreshed": dg.MetadataValue.json(refreshed),
        },
    )


@dg.job(
    name="refresh_lever_opportunities_job",
    description="Targeted refresh of the opportunities named by webhook events (launched by lever_webhook_sensor).",
    tags={"sync": "targeted"},
)
def refresh_lever_opportunities_job() -> None:
    refresh_lever_opportunities()


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
