"""The targeted mode of the Lever assets: what a webhook refresh run does in each asset's step.

In `refresh_lever_opportunities_job` the opportunities step claims, for its run, every
webhook event waiting when it starts (`webhooks/claims.py`), re-reads the opportunities
they name, marks the deleted ones, and settles the events in the transaction that writes
the rows. The feedback and interviews steps then re-read the children that the run's
events name (`claims.CHILD_EVENTS`), for the opportunities still live. Each step reports
its sync statistics (mode `targeted`) plus the webhook facts below; the asset modules turn
them into the materialization. A few events are refreshed the same way without a run, in
the sensor's tick (`tick_refresh.py`).
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from sqlalchemy import Connection

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.sync.per_opportunity import derive_children_of, refresh_children
from lever_pipeline.sync.per_opportunity_kinds import APPLICATIONS
from lever_pipeline.sync.stats import SyncStats
from lever_pipeline.sync.targeted import refresh_opportunities
from lever_pipeline.webhooks.claims import Claim, claim_events, claimed_by, live_children, settle


def refresh_claim(
    lever: LeverResource, warehouse: WarehouseResource, claim: Claim, refreshed_in: str
) -> tuple[SyncStats, dict[str, Any]]:
    """Refresh the opportunities `claim` names and settle its events with the rows (a run's or a tick's).

    Returns the sync statistics and the webhook facts its materialization carries.
    """
    engine = warehouse.engine()
    settled = 0

    def settle_with_rows(conn: Connection) -> None:
        nonlocal settled
        settled = settle(conn, claim.run_id)

    stats = run_with_client(
        lever,
        engine,
        lambda client: refresh_opportunities(
            client, engine, claim.refresh_ids, claim.deleted_ids, on_write=settle_with_rows
        ),
    )
    return stats, {
        "webhook_events": len(claim.events),
        "events_settled": settled,
        "event_types": dg.MetadataValue.json(claim.event_types),
        "opportunities_deleted_by_event": len(claim.deleted_ids),
        "refreshed_in": refreshed_in,
    }


def refresh_claim_children(
    lever: LeverResource, warehouse: WarehouseResource, claim: Claim, kind: str, live: list[str], refreshed_in: str
) -> tuple[SyncStats, dict[str, Any]]:
    """Re-read `kind` for `live` (`live_children` of the claim); returns the stats and the webhook facts."""
    engine = warehouse.engine()
    stats = run_with_client(lever, engine, lambda client: refresh_children(client, engine, live, [kind]))[kind]
    return stats, {"webhook_events": len(claim.events), "refreshed_in": refreshed_in}


def derive_claim_applications(
    warehouse: WarehouseResource, claim: Claim, refreshed_in: str
) -> tuple[SyncStats, dict[str, Any]]:
    """Rebuild the applications of the live opportunities `claim` re-read (no request: they came expanded)."""
    stats = derive_children_of(warehouse.engine(), APPLICATIONS, claim.refresh_ids)
    return stats, {"webhook_events": len(claim.events), "refreshed_in": refreshed_in}


def refresh_claimed_opportunities(
    context: dg.AssetExecutionContext, lever: LeverResource, warehouse: WarehouseResource
) -> tuple[SyncStats, dict[str, Any]]:
    """Claim the waiting events for this run, refresh what they name, settle them with the rows."""
    claim = claim_events(warehouse.engine(), context.run_id)
    stats, facts = refresh_claim(lever, warehouse, claim, "run")
    context.log.info(
        "claimed %d webhook events: %d opportunities re-read, %d marked deleted by event, %d events settled",
        len(claim.events),
        len(claim.refresh_ids),
        len(claim.deleted_ids),
        facts["events_settled"],
    )
    return stats, facts


def refresh_claimed_applications(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> tuple[SyncStats, dict[str, Any]]:
    """The applications of the opportunities this run's opportunities step re-read."""
    claim = claimed_by(warehouse.engine(), context.run_id)
    stats, facts = derive_claim_applications(warehouse, claim, "run")
    context.log.info("applications rebuilt for %d re-read opportunities", stats.opportunities.done)
    return stats, facts


def refresh_claimed_children(
    context: dg.AssetExecutionContext, lever: LeverResource, warehouse: WarehouseResource, kind: str
) -> tuple[SyncStats, dict[str, Any]]:
    """Re-read `kind` for the live opportunities whose events, claimed by this run's opportunities step, name it."""
    claim = claimed_by(warehouse.engine(), context.run_id)
    live = live_children(warehouse.engine(), claim, kind)
    stats, facts = refresh_claim_children(lever, warehouse, claim, kind, live, "run")
    context.log.info("%s re-read for %d live opportunities of %d webhook events", kind, len(live), len(claim.events))
    return stats, facts
