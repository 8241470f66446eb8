"""The rest of each opportunity as Dagster assets: applications, interview panels, referrals, profile forms.

Applications cost no request: they are rebuilt from the opportunities already stored (read
with expand=applications), for the opportunities that changed. Panels, referrals and
profile forms fan out over changed opportunities like feedback and interviews do, but
panels skip the opportunities whose interviews are known to be none (a panel holds at
least one interview) and referrals ask only referred candidacies (a referral-type
application, or origin `referred`; `sync/per_opportunity_kinds.py`), so they cost a
fraction of a request per opportunity.
"""

import dagster as dg

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import OpportunitySyncConfig, SyncConfig, lever_asset
from lever_pipeline.defs.sync.per_opportunity_assets import describe_children, run_children
from lever_pipeline.defs.webhooks.targeted import refresh_claimed_applications
from lever_pipeline.sync.per_opportunity import derive_children
from lever_pipeline.sync.per_opportunity_kinds import APPLICATIONS


@lever_asset("applications", ["opportunities"], {"sync": "incremental"})
def applications(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, config: OpportunitySyncConfig
) -> dg.MaterializeResult:
    """One row per application, as Lever returns it inside the opportunity (no request of its own).

    Targeted (`refresh_lever_opportunities_job`): the applications of the opportunities that
    run's webhook events had re-read.
    """
    if config.mode() == "targeted":
        stats, facts = refresh_claimed_applications(context, warehouse)
        return describe_children(warehouse, "applications", stats, facts)
    stats = derive_children(warehouse.engine(), APPLICATIONS, full=config.full_refresh)
    return describe_children(warehouse, "applications", stats)


@lever_asset("panels", ["opportunities", "interviews"], {"sync": "incremental"})
def panels(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per interview panel (its interviews are rows of `lever/interviews`)."""
    return run_children(lever, warehouse, "panels", config.full_refresh)


@lever_asset("referrals", ["opportunities"], {"sync": "incremental"})
def referrals(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per referral form; only referred opportunities (referral application or origin) are asked."""
    return run_children(lever, warehouse, "referrals", config.full_refresh)


@lever_asset("profile_forms", ["opportunities"], {"sync": "incremental"})
def profile_forms(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per profile form; one row per form x field in `profile_form_field_values` with typed values."""
    return run_children(lever, warehouse, "profile_forms", config.full_refresh)


CANDIDACY_ASSETS = [applications, panels, referrals, profile_forms]
