"""Polling schedules (seed 001 §3): the safety net under the webhooks.

Opportunities every 15 minutes, postings hourly, stages, users and archive reasons daily,
and a nightly full reconciliation of these five streams that also catches deletes the
webhooks missed. Schedules ship stopped: turn them on in the UI (Automation) or with
`dagster schedule start --all` once the instance is set up. Every sync job carries a
maximum runtime (`dagster/max_runtime`), so run monitoring fails a stuck run and frees
its place in the run queue.
"""

from __future__ import annotations

import dagster as dg

# The core streams only: their full re-read is cheap (one request per 100 rows: 10,000
# opportunities in ~100 requests) and is what reconciles deletes. Per-opportunity data costs
# ~6 requests per opportunity (10,000 opportunities: 60,000 requests, over two hours of the
# key's 8/s, taken from webhooks and incremental syncs every night), and each opportunity's
# children are already re-read and replaced whenever the opportunity changes; so they
# follow opportunities incrementally on their own schedule instead.
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
    selection=dg.AssetSelection.assets(["lever", "opportunities"]),
    description="Incremental sync of opportunities (and their candidate mapping).",
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


opportunities_schedule = dg.ScheduleDefinition(
    name="lever_opportunities_sync_schedule",
    job=opportunities_sync,
    cron_schedule="*/15 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
postings_schedule = dg.ScheduleDefinition(
    name="lever_postings_sync_schedule",
    job=postings_sync,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
reference_schedule = dg.ScheduleDefinition(
    name="lever_reference_sync_schedule",
    job=reference_sync,
    cron_schedule="10 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
full_reconciliation_schedule = dg.ScheduleDefinition(
    name="lever_full_reconciliation_schedule",
    job=full_reconciliation,
    cron_schedule="30 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    run_config=_full_refresh_config(
        ["lever__stages", "lever__archive_reasons", "lever__users", "lever__postings", "lever__opportunities"]
    ),
)

CORE_JOBS = [opportunities_sync, postings_sync, reference_sync, full_reconciliation]
CORE_SCHEDULES = [opportunities_schedule, postings_schedule, reference_schedule, full_reconciliation_schedule]
