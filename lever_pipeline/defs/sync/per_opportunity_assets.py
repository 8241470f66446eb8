"""Feedback templates and each opportunity's sub-resources as Dagster assets.

Templates are account-level (one list call). Feedback, interviews, notes, resumes, files
and offers are per opportunity: each asset fans out over the opportunities whose stamp
moved since its children were last fetched (`sync/per_opportunity.py`), so they all
depend on `lever/opportunities`. Feedback also depends on the templates it refers to.
Feedback and interviews also have a targeted mode (`refresh_lever_opportunities_job`):
they re-read the children of the opportunities that run's webhook events named.
"""

from typing import Any

import dagster as dg

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.defs.sync.core_assets import OpportunitySyncConfig, SyncConfig, lever_asset
from lever_pipeline.defs.sync.metadata import progress_observer, sync_metadata
from lever_pipeline.defs.webhooks.targeted import refresh_claimed_children
from lever_pipeline.settings import get_settings
from lever_pipeline.sync import checks as queries
from lever_pipeline.sync.per_opportunity import sync_children
from lever_pipeline.sync.per_opportunity_kinds import APPLICATIONS
from lever_pipeline.sync.per_opportunity_kinds import KINDS as CHILD_KINDS
from lever_pipeline.sync.stats import SyncStats
from lever_pipeline.sync.template_store import sync_feedback_templates
from lever_pipeline.warehouse.tables.feedback import lever_feedback_templates

# Non-personal columns shown in each asset's preview (ids, types, timestamps only).
PREVIEW: dict[str, list[str]] = {
    "feedback": ["id", "opportunity_id", "template_id", "type", "completed_at", "deleted_at"],
    "interviews": ["id", "opportunity_id", "panel_id", "feedback_template_id", "date", "duration_minutes"],
    "notes": ["id", "opportunity_id", "secret", "created_at", "deleted_at"],
    "resumes": ["id", "opportunity_id", "file_ext", "file_status", "file_size", "created_at"],
    "files": ["id", "opportunity_id", "ext", "status", "size", "uploaded_at"],
    "offers": ["id", "opportunity_id", "status", "created_at", "sent_at", "signed_at"],
    "applications": ["id", "opportunity_id", "type", "posting_id", "created_at", "archived_at"],
    "panels": ["id", "opportunity_id", "stage_id", "interview_count", "start_at", "canceled_at"],
    "referrals": ["id", "opportunity_id", "base_template_id", "created_at", "completed_at"],
    "profile_forms": ["id", "opportunity_id", "base_template_id", "field_count", "created_at", "deleted_at"],
}


def run_children(lever: LeverResource, warehouse: WarehouseResource, kind: str, full: bool) -> dg.MaterializeResult:
    """Fan out over changed opportunities for one kind and describe the result."""
    engine = warehouse.engine()
    settings = get_settings()
    folder = settings.lever_pipeline_home / "files" if settings.lever_download_files else None
    observe = progress_observer()
    stats = run_with_client(
        lever,
        engine,
        lambda client: sync_children(client, engine, kind, full=full, download_dir=folder, on_progress=observe),
    )
    return describe_children(warehouse, kind, stats)


def run_targetable_children(
    context: dg.AssetExecutionContext,
    lever: LeverResource,
    warehouse: WarehouseResource,
    kind: str,
    config: OpportunitySyncConfig,
) -> dg.MaterializeResult:
    """`run_children`, or in targeted mode the children of the opportunities this run's webhook events named."""
    mode = config.mode()
    if mode != "targeted":
        return run_children(lever, warehouse, kind, mode == "full")
    stats, facts = refresh_claimed_children(context, lever, warehouse, kind)
    return describe_children(warehouse, kind, stats, facts)


def describe_children(
    warehouse: WarehouseResource, kind: str, stats: SyncStats, extra: dict[str, Any] | None = None
) -> dg.MaterializeResult:
    """The materialization of one kind's fan-out: statistics, `extra` facts and a preview."""
    table = CHILD_KINDS.get(kind, APPLICATIONS).tables[0]
    order = next(c for c in ("created_at", "uploaded_at", "id") if c in table.c)
    rows = queries.preview(warehouse.engine(), table, PREVIEW[kind], order_by=order)
    return dg.MaterializeResult(metadata={**sync_metadata(stats, rows), **(extra or {})})


@lever_asset("feedback_templates", [], {"sync": "full"})
def feedback_templates(lever: LeverResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One row per feedback template (its fields also one row each in `feedback_template_fields`).

    Refreshes every template's `fetched_at`, which the on-demand cache's TTL reads.
    """
    engine = warehouse.engine()
    stats = run_with_client(lever, engine, lambda client: sync_feedback_templates(client, engine))
    cols = ["id", "field_count", "unknown_field_types", "updated_at", "fetched_at"]
    rows = queries.preview(engine, lever_feedback_templates, cols, order_by="updated_at")
    return dg.MaterializeResult(metadata=sync_metadata(stats, rows))


@lever_asset("feedback", ["opportunities", "feedback_templates"], {"sync": "incremental"})
def feedback(
    context: dg.AssetExecutionContext, lever: LeverResource, warehouse: WarehouseResource, config: OpportunitySyncConfig
) -> dg.MaterializeResult:
    """One row per feedback form; one row per form x field in `feedback_field_values` with typed values."""
    return run_targetable_children(context, lever, warehouse, "feedback", config)


@lever_asset("interviews", ["opportunities"], {"sync": "incremental"})
def interviews(
    context: dg.AssetExecutionContext, lever: LeverResource, warehouse: WarehouseResource, config: OpportunitySyncConfig
) -> dg.MaterializeResult:
    """One row per interview (panel, times, template, feedback forms); interviewers in `interview_interviewers`."""
    return run_targetable_children(context, lever, warehouse, "interviews", config)


@lever_asset("notes", ["opportunities"], {"sync": "incremental"})
def notes(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per note on an opportunity (text kept in `raw` only)."""
    return run_children(lever, warehouse, "notes", config.full_refresh)


@lever_asset("resumes", ["opportunities"], {"sync": "incremental"})
def resumes(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per resume: file metadata, parsed data in `raw`; bytes downloaded only if LEVER_DOWNLOAD_FILES."""
    return run_children(lever, warehouse, "resumes", config.full_refresh)


@lever_asset("files", ["opportunities"], {"sync": "incremental"})
def files(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per file attached to an opportunity (metadata; bytes only if LEVER_DOWNLOAD_FILES)."""
    return run_children(lever, warehouse, "files", config.full_refresh)


@lever_asset("offers", ["opportunities"], {"sync": "incremental"})
def offers(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per offer: status and timestamps; offer fields (salary, dates) in `raw`."""
    return run_children(lever, warehouse, "offers", config.full_refresh)


CHILD_ASSETS = [feedback, interviews, notes, resumes, files, offers]
PER_OPPORTUNITY_ASSETS = [feedback_templates, *CHILD_ASSETS]
