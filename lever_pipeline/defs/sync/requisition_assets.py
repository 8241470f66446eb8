"""Requisitions (with their custom field values) and the account's requisition fields as Dagster assets.

Both lists are read whole every run: Lever's requisition list has no `updated_at`
filter, and even a large account has a few pages of them. Requisition fields come first,
so each custom field value is typed by its field's type.
"""

import dagster as dg

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import SyncConfig, lever_asset, run_sync
from lever_pipeline.sync import streams


@lever_asset("requisition_fields", [], {"sync": "full"})
def requisition_fields(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per requisition custom field the account defines."""
    return run_sync(lever, warehouse, streams.REQUISITION_FIELDS, config.full_refresh, ["id", "type", "is_required"])


@lever_asset("requisitions", ["requisition_fields", "postings", "users"], {"sync": "full"})
def requisitions(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per requisition (confidential ones when the key may read them); custom field values typed."""
    preview = ["id", "status", "headcount_total", "headcount_hired", "created_at", "updated_at"]
    return run_sync(lever, warehouse, streams.REQUISITIONS, config.full_refresh, preview)


REQUISITION_ASSETS = [requisition_fields, requisitions]
