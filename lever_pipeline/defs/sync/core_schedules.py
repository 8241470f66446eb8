"""Polling schedules (seed 001 §3): the safety net under the webhooks.

Opportunities every 15 minutes (with the applications they carry), postings and
requisitions hourly, stages, users and archive reasons daily, and a nightly full
reconciliation of the five core streams that also catches deletes the webhooks and the
deleted lists missed (incremental runs of opportunities and postings already read Lever's
deleted lists). Schedules ship stopped: turn them on in the UI (Automation) or with
`dagster schedule start --all` once the instance is set up. Every sync job carries a
maximum runtime (`dagster/max_runtime`), so run monitoring fails a stuck run and frees
its place in the run queue.
"""

from __future__ import annotations

import dagster as dg

# The core streams only: their full re-read is cheap (one request per 100 rows: 10,000
# opportunities in ~100 requests) and is what reconciles deletes. Per-opportunity data costs
# ~7.6 requests per opportunity (10,000 opportunities: 76,000 requests, over two and a half
# hours of the key's 8/s, taken from webhooks and incremental syncs every night), and each
# opportunity's children are already re-read and replaced whenever the opportunity changes;
# so they follow opportunities incrementally on their own schedule instead. Requisitions are
# read whole every hour, which reconciles their deletes without the nightly job.
LEVER_CORE = dg.AssetSelection.assets(
    ["lever", "stages"],
    ["lever", "archive_reasons"],
    ["lever", "users"],
    ["lever", "postings"],
    ["lever", "opportunities"],
)

#: Ceilings far above a normal run (seconds to a few minutes), so only a stuck run reaches them.
INCREMENTAL_MAX_RUNTIME = {"dagster/max_runtime": str(30 * 60)}
FULL_MAX_RUNTIME = {"dagster/max_runtime": str(2 * 3600)}


opportunities_sync = dg.define_asset_job(
    "lever_opportunities_sync",
    selection=dg.AssetSelection.assets(["lever", "opportunities"], ["lever", "applications"]),
    description=(
        "Incremental sync of opportunities (and their candidate mapping), deletions from Lever's deleted "
        "list, and the applications they carry (no extra request)."
    ),
    tags={"sync": "incremental", **INCREMENTAL_MAX_RUNTIME},
)
postings_sync = dg.define_asset_job(
    "lever_postings_sync",
    selection=dg.AssetSelection.assets(["lever", "postings"]),
    description="Incremental sync of postings (and their position mapping).",
    tags={"sync": "incremental", **INCREMENTAL_MAX_RUNTIME},
)
reference_sync = dg.define_asset_job(
    "lever_reference_sync",
    selection=dg.AssetSelection.assets(["lever", "stages"], ["lever", "users"], ["lever", "archive_reasons"]),
    description="Stages, users and archive reasons.",
    tags={"sync": "full", **INCREMENTAL_MAX_RUNTIME},
)
requisitions_sync = dg.define_asset_job(
    "lever_requisitions_sync",
    selection=dg.AssetSelection.assets(["lever", "requisition_fields"], ["lever", "requisitions"]),
    description="Requisition fields and every requisition with its custom field values, read whole.",
    tags={"sync": "full", **INCREMENTAL_MAX_RUNTIME},
)
full_reconciliation = dg.define_asset_job(
    "lever_full_reconciliation",
    selection=LEVER_CORE,
    description=(
        "Stages, archive reasons, users, postings and opportunities re-read in full; opportunities Lever "
        "no longer returns are marked deleted. Per-opportunity data follows opportunities incrementally."
    ),
    tags={"sync": "full", **FULL_MAX_RUNTIME},
)


def _full_refresh_config(selection_names: list[str]) -> dg.RunConfig:
    return dg.RunConfig(ops={name: {"config": {"full_refresh": True}} for name in selection_names})


def polling_schedule(
    job: dg.UnresolvedAssetJobDefinition, cron: str, run_config: dg.RunConfig | None = None
) -> dg.ScheduleDefinition:
    """The one shape of every sync schedule: `<job>_schedule`, on UTC, shipped stopped."""
    return dg.ScheduleDefinition(
        name=f"{job.name}_schedule",
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        run_config=run_config,
    )


opportunities_schedule = polling_schedule(opportunities_sync, "*/15 * * * *")
postings_schedule = polling_schedule(postings_sync, "5 * * * *")
requisitions_schedule = polling_schedule(requisitions_sync, "12 * * * *")
reference_schedule = polling_schedule(reference_sync, "10 3 * * *")
full_reconciliation_schedule = polling_schedule(
    full_reconciliation,
    "30 2 * * *",
    _full_refresh_config(
        ["lever__stages", "lever__archive_reasons", "lever__users", "lever__postings", "lever__opportunities"]
    ),
)

CORE_JOBS = [opportunities_sync, postings_sync, requisitions_sync, reference_sync, full_reconciliation]
CORE_SCHEDULES = [
    opportunities_schedule,
    postings_schedule,
    requisitions_schedule,
    reference_schedule,
    full_reconciliation_schedule,
]
