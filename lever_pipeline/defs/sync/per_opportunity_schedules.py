"""Schedules for templates and the per-opportunity assets (seed cadence).

Feedback, interviews, notes, resumes, files and offers follow opportunities: opportunities
sync at :00/:15/:30/:45, these run seven minutes later and fetch only the opportunities
that sync changed. Templates are read hourly, matching the on-demand cache's 1 h TTL.
Schedules ship stopped, like the core ones. The children job's maximum runtime lets a
first fan-out over a large account run for hours; a run cut short there loses nothing, as
each batch records which opportunities it fetched.
"""

from __future__ import annotations

import dagster as dg

#: ~6 requests per opportunity at 8/s: a first run over 10,000 opportunities takes ~2 h.
CHILDREN_MAX_RUNTIME = {"dagster/max_runtime": str(6 * 3600)}
TEMPLATES_MAX_RUNTIME = {"dagster/max_runtime": str(30 * 60)}

CHILD_KEYS = [["lever", k] for k in ("feedback", "interviews", "notes", "resumes", "files", "offers")]

children_sync = dg.define_asset_job(
    "lever_opportunity_children_sync",
    selection=dg.AssetSelection.assets(*CHILD_KEYS),
    description="Feedback, interviews, notes, resumes, files and offers of the opportunities that changed.",
    tags={"sync": "incremental", **CHILDREN_MAX_RUNTIME},
)
templates_sync = dg.define_asset_job(
    "lever_feedback_templates_sync",
    selection=dg.AssetSelection.assets(["lever", "feedback_templates"]),
    description="Every feedback template and its fields (refreshes the template cache).",
    tags={"sync": "full", **TEMPLATES_MAX_RUNTIME},
)

children_schedule = dg.ScheduleDefinition(
    name="lever_opportunity_children_sync_schedule",
    job=children_sync,
    cron_schedule="7,22,37,52 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
templates_schedule = dg.ScheduleDefinition(
    name="lever_feedback_templates_sync_schedule",
    job=templates_sync,
    cron_schedule="3 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

PER_OPPORTUNITY_JOBS = [children_sync, templates_sync]
PER_OPPORTUNITY_SCHEDULES = [children_schedule, templates_schedule]
