"""A small targeted refresh done inside the webhook sensor's tick, reported as materializations.

A Dagster run has a fixed cost (process start, loading the code location) of seconds on an
idle machine and tens of seconds under load, which alone breaks a 30-second freshness
target. So when few events wait (`WEBHOOK_TICK_REFRESH_MAX_EVENTS`) and no refresh run is
in flight, the tick itself claims them, refreshes what they name, exactly as the refresh
job's steps do (`targeted.py` shares the domain functions), and reports the result:

- one runless materialization per asset it refreshed (`lever/opportunities` always,
  `lever/applications` for the live ones re-read, plus `lever/feedback` or
  `lever/interviews` when the events name them), with the same
  metadata as a run's (mode `targeted`, ids read, requests, preview) and `refreshed_in:
  sensor tick`;
- the evaluations of those assets' checks, computed by the same check functions a run
  executes and attached to the materialization they judge.

The work is bounded by the event count: at Lever's 10 requests a second a full batch takes a
few seconds, far inside the tick's time limit. The claim carries a `tick-` id; if the tick
dies before settling, the next tick finds no run of that id and releases the events.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,  # no public name; what a run's check evaluations carry
)

from lever_pipeline.analytics.words import plural
from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.candidacy_checks import CANDIDACY_CHECKS
from lever_pipeline.defs.sync.core_assets import OPPORTUNITY_PREVIEW, describe
from lever_pipeline.defs.sync.core_checks import CORE_CHECKS
from lever_pipeline.defs.sync.per_opportunity_assets import describe_children
from lever_pipeline.defs.sync.per_opportunity_checks import PER_OPPORTUNITY_CHECKS
from lever_pipeline.defs.webhooks.targeted import derive_claim_applications, refresh_claim, refresh_claim_children
from lever_pipeline.sync import streams
from lever_pipeline.webhooks.claims import CHILD_EVENTS, claim_events, live_children

TICK_CLAIM_PREFIX = "tick-"
REFRESHED_IN = "sensor tick"


@dataclass(frozen=True)
class TickRefresh:
    """What one tick refreshed: events claimed, and the assets it reported (name -> ids read)."""

    events: int
    assets: dict[str, int]

    def summary(self) -> str:
        if not self.events:
            return "The waiting webhook events were taken by another refresh before this tick claimed them."
        return f"Refreshed in this tick from {plural(self.events, 'webhook event')}: {self.what()}."

    def what(self) -> str:
        """`5 opportunities, interviews of 3, feedback of 1` (children: of how many opportunities)."""
        opportunities = plural(self.assets.get("opportunities", 0), "opportunity", "opportunities")
        children = [f"{kind} of {n}" for kind, n in self.assets.items() if kind != "opportunities"]
        return ", ".join([opportunities, *children])


def refresh_in_tick(
    context: dg.SensorEvaluationContext, lever: LeverResource, warehouse: WarehouseResource
) -> TickRefresh:
    """Claim the waiting events for this tick, refresh what they name, report materializations and checks."""
    engine = warehouse.engine()
    claim_id = f"{TICK_CLAIM_PREFIX}{uuid.uuid4()}"
    claim = claim_events(engine, claim_id)
    if not claim.events:  # taken meanwhile by a run, or already processed
        return TickRefresh(0, {})
    stats, facts = refresh_claim(lever, warehouse, claim, REFRESHED_IN)
    metadata = describe(warehouse, streams.OPPORTUNITIES, stats, OPPORTUNITY_PREVIEW, facts).metadata
    _report(context.instance, warehouse, "opportunities", metadata or {})
    assets = {"opportunities": len(claim.refresh_ids) + len(claim.deleted_ids)}
    app_stats, extra = derive_claim_applications(warehouse, claim, REFRESHED_IN)
    if app_stats.opportunities.done:
        _report(
            context.instance,
            warehouse,
            "applications",
            describe_children(warehouse, "applications", app_stats, extra).metadata or {},
        )

    for kind in CHILD_EVENTS:
        live = live_children(engine, claim, kind)
        if not live:
            continue
        kind_stats, extra = refresh_claim_children(lever, warehouse, claim, kind, live, REFRESHED_IN)
        _report(context.instance, warehouse, kind, describe_children(warehouse, kind, kind_stats, extra).metadata or {})
        assets[kind] = len(live)
    done = TickRefresh(len(claim.events), assets)
    context.log.info("tick %s: %d webhook events settled; refreshed %s", claim_id, facts["events_settled"], done.what())
    return done


def _checks_of(name: str) -> Sequence[dg.AssetChecksDefinition]:
    key = dg.AssetKey(["lever", name])
    checks = (*CORE_CHECKS, *PER_OPPORTUNITY_CHECKS, *CANDIDACY_CHECKS)
    return [c for c in checks if any(k.asset_key == key for k in c.check_keys)]


def _report(instance: dg.DagsterInstance, warehouse: WarehouseResource, name: str, metadata: dict[str, Any]) -> None:
    """Record the materialization of `lever/<name>`, then its checks' evaluations against it."""
    key = dg.AssetKey(["lever", name])
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, metadata=metadata))
    latest = instance.fetch_materializations(key, limit=1).records
    target = (
        AssetCheckEvaluationTargetMaterializationData(
            storage_id=latest[0].storage_id, run_id=latest[0].run_id, timestamp=latest[0].timestamp
        )
        if latest
        else None
    )
    for check in _checks_of(name):
        result = check(warehouse=warehouse)
        (check_key,) = check.check_keys
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=key,
                check_name=check_key.name,
                passed=result.passed,
                metadata=result.metadata,
                severity=result.severity,
                target_materialization_data=target,
            )
        )
