"""Schedules for templates and the per-opportunity assets (seed cadence).

Feedback, interviews, notes, resumes, files, offers, panels, referrals and profile forms
follow opportunities: opportunities sync at :00/:15/:30/:45, these run seven minutes later
and fetch only the opportunities that sync changed (panels after interviews, so
opportunities without interviews cost no panel request). Templates are read hourly,
matching the on-demand cache's 1 h TTL. Schedules ship stopped, like the core ones. The
children job's maximum runtime lets a first fan-out over a large account run for hours; a
run cut short there loses nothing, as each batch records which opportunities it fetched.
"""

from __future__ import annotations

import dagster as dg

from lever_pipeline.defs.sync.core_schedules import polling_schedule

#: ~7-8 requests per opportunity at 8/s: a first run over 10,000 opportunities takes ~2.5 h.
CHILDREN_MAX_RUNTIME = {"dagster/max_runtime": str(6 * 3600)}
TEMPLATES_MAX_RUNTIME = {"dagster/max_runtime": str(30 * 60)}

CHILD_KEYS = [
    ["lever", k]
    for k in ("feedback", "interviews", "notes", "resumes", "files", "offers", "panels", "referrals", "profile_forms")
]

children_sync = dg.define_asset_job(
    "lever_opportunity_children_sync",
    selection=dg.AssetSelection.assets(*CHILD_KEYS),
    description=(
        "Feedback, interviews, notes, resumes, files, offers, panels, referrals and profile forms of the "
        "opportunities that changed."
    ),
    tags={"sync": "incremental", **CHILDREN_MAX_RUNTIME},
)
templates_sync = dg.define_asset_job(
    "lever_feedback_templates_sync",
    selection=dg.AssetSelection.assets(["lever", "feedback_templates"]),
    description="Every feedback template and its fields (refreshes the template cache).",
    tags={"sync": "full", **TEMPLATES_MAX_RUNTIME},
)

children_schedule = polling_schedule(children_sync, "7,22,37,52 * * * *")
templates_schedule = polling_schedule(templates_sync, "3 * * * *")

PER_OPPORTUNITY_JOBS = [children_sync, templates_sync]
PER_OPPORTUNITY_SCHEDULES = [children_schedule, templates_schedule]
