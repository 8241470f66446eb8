"""The core Lever assets: reference data and opportunities mirrored into the warehouse.

Bootstrap order follows the seeds: stages → users → postings → opportunities, so every
reference an opportunity makes is already stored when it lands.
"""

from collections.abc import Callable

import dagster as dg

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.defs.sync.metadata import sync_metadata
from lever_pipeline.sync import checks as queries
from lever_pipeline.sync import streams
from lever_pipeline.sync.stream_sync import StreamSpec, sync_stream

GROUP = "lever"
OWNERS = ["team:recruiting-data"]
KINDS = {"lever", "postgres"}


class SyncConfig(dg.Config):
    """Run configuration shared by the sync assets."""

    full_refresh: bool = False
    """Re-read everything instead of what changed since the high-water mark; a full sync of
    opportunities also marks the ones Lever no longer returns as deleted."""


def run_sync(
    lever: LeverResource, warehouse: WarehouseResource, spec: StreamSpec, full: bool, preview_columns: list[str]
) -> dg.MaterializeResult:
    """Sync one stream and describe it; a rejected key fails the run without retries."""
    engine = warehouse.engine()
    stats = run_with_client(lever, engine, lambda client: sync_stream(client, engine, spec, full=full))
    order = "updated_at" if "updated_at" in spec.table.c else "id"
    rows = queries.preview(engine, spec.table, preview_columns, order_by=order)
    return dg.MaterializeResult(metadata=sync_metadata(stats, rows))


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


@lever_asset("opportunities", ["postings", "archive_reasons"], {"sync": "incremental"})
def opportunities(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per Lever opportunity (a candidacy), keyed by its Lever id; feeds the `candidates` view."""
    return run_sync(
        lever,
        warehouse,
        streams.OPPORTUNITIES,
        config.full_refresh,
        ["id", "stage_id", "is_archived", "created_at", "updated_at"],
    )


CORE_ASSETS = [stages, archive_reasons, users, postings, opportunities]
