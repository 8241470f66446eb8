"""The core Lever assets: reference data and opportunities mirrored into the warehouse.

Bootstrap order follows the seeds: stages → users → postings → opportunities, so every
reference an opportunity makes is already stored when it lands. Opportunities also have
a targeted mode (`refresh_lever_opportunities_job`): only the opportunities waiting
webhook events name are re-read, and the result is a materialization like any other.
"""

from collections.abc import Callable
from typing import Any

import dagster as dg

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.defs.sync.metadata import progress_observer, sync_metadata
from lever_pipeline.defs.webhooks.targeted import refresh_claimed_opportunities
from lever_pipeline.sync import checks as queries
from lever_pipeline.sync import streams
from lever_pipeline.sync.stats import Mode, SyncStats
from lever_pipeline.sync.stream_sync import StreamSpec, sync_stream

GROUP = "lever"
OWNERS = ["team:recruiting-data"]
KINDS = {"lever", "postgres"}


class SyncConfig(dg.Config):
    """Run configuration shared by the sync assets."""

    full_refresh: bool = False
    """Re-read everything instead of what changed since the high-water mark; a full sync of
    opportunities also marks the ones Lever no longer returns as deleted."""


class OpportunitySyncConfig(SyncConfig):
    """Run configuration of the assets a webhook refresh materializes: opportunities, feedback, interviews."""

    targeted: bool = False
    """Re-read only what waiting webhook events name (what `refresh_lever_opportunities_job`
    runs): opportunities claims the events for its run and settles them with its rows;
    feedback and interviews re-read the children of the opportunities the run claimed."""

    def mode(self) -> Mode:
        """Which sync this run config asks for; both switches at once fail the step with one line, unretried."""
        if self.targeted and self.full_refresh:
            raise dg.Failure(
                description="full_refresh and targeted exclude each other: set one of them to false.",
                allow_retries=False,
            )
        return "targeted" if self.targeted else "full" if self.full_refresh else "incremental"


def run_sync(
    lever: LeverResource, warehouse: WarehouseResource, spec: StreamSpec, full: bool, preview_columns: list[str]
) -> dg.MaterializeResult:
    """Sync one stream and describe it; a rejected key fails the run without retries."""
    engine = warehouse.engine()
    observe = progress_observer()
    stats = run_with_client(
        lever, engine, lambda client: sync_stream(client, engine, spec, full=full, on_progress=observe)
    )
    return describe(warehouse, spec, stats, preview_columns)


def describe(
    warehouse: WarehouseResource,
    spec: StreamSpec,
    stats: SyncStats,
    preview_columns: list[str],
    extra: dict[str, Any] | None = None,
) -> dg.MaterializeResult:
    """The materialization of one sync: its statistics, `extra` facts and a preview of the table."""
    order = "updated_at" if "updated_at" in spec.table.c else "id"
    rows = queries.preview(warehouse.engine(), spec.table, preview_columns, order_by=order)
    return dg.MaterializeResult(metadata={**sync_metadata(stats, rows), **(extra or {})})


def lever_asset(name: str, deps: list[str], tags: dict[str, str]) -> Callable[..., dg.AssetsDefinition]:
    """The decorator of asset `lever/<name>` (group, kinds and owners shared by every Lever asset)."""
    return dg.asset(
        key=["lever", name],
        group_name=GROUP,
        kinds=KINDS,
        owners=OWNERS,
        tags=tags,
        deps=[dg.AssetKey(["lever", d]) for d in deps],
    )


@lever_asset("stages", [], {"sync": "full"})
def stages(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per pipeline stage, in Lever's order."""
    return run_sync(lever, warehouse, streams.STAGES, config.full_refresh, ["id", "position"])


@lever_asset("archive_reasons", [], {"sync": "full"})
def archive_reasons(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per archive reason (hired or non-hired)."""
    return run_sync(lever, warehouse, streams.ARCHIVE_REASONS, config.full_refresh, ["id", "type", "status"])


@lever_asset("users", ["stages"], {"sync": "full"})
def users(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per Lever user, deactivated ones included."""
    return run_sync(lever, warehouse, streams.USERS, config.full_refresh, ["id", "access_role", "deactivated_at"])


@lever_asset("postings", ["users"], {"sync": "incremental"})
def postings(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per job posting in any state; feeds the `positions` view."""
    return run_sync(lever, warehouse, streams.POSTINGS, config.full_refresh, ["id", "state", "updated_at"])


OPPORTUNITY_PREVIEW = ["id", "stage_id", "is_archived", "created_at", "updated_at"]


@lever_asset("opportunities", ["postings", "archive_reasons"], {"sync": "incremental"})
def opportunities(
    context: dg.AssetExecutionContext, lever: LeverResource, warehouse: WarehouseResource, config: OpportunitySyncConfig
) -> dg.MaterializeResult:
    """One row per Lever opportunity (a candidacy), keyed by its Lever id; feeds the `candidates` view."""
    mode = config.mode()
    if mode == "targeted":
        stats, facts = refresh_claimed_opportunities(context, lever, warehouse)
        return describe(warehouse, streams.OPPORTUNITIES, stats, OPPORTUNITY_PREVIEW, facts)
    return run_sync(lever, warehouse, streams.OPPORTUNITIES, mode == "full", OPPORTUNITY_PREVIEW)


CORE_ASSETS = [stages, archive_reasons, users, postings, opportunities]
