"""Feedback templates and each opportunity's sub-resources as Dagster assets.

Templates are account-level (one list call). Feedback, interviews, notes, resumes, files
and offers are per opportunity: each asset fans out over the opportunities whose stamp
moved since its children were last fetched (`warehouse/per_opportunity.py`), so they all
depend on `lever/opportunities`. Feedback also depends on the templates it refers to.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import dagster as dg
from sqlalchemy import Engine

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import GROUP, KINDS, OWNERS, SyncConfig
from lever_pipeline.defs.sync.metadata import markdown_table
from lever_pipeline.lever.errors import LeverAuthError
from lever_pipeline.settings import get_settings
from lever_pipeline.sync import checks as queries
from lever_pipeline.sync.per_opportunity import KINDS as CHILD_KINDS
from lever_pipeline.sync.per_opportunity import ChildSyncStats, sync_children
from lever_pipeline.sync.template_store import TemplateSyncStats, sync_feedback_templates
from lever_pipeline.warehouse.tables.feedback import lever_feedback_templates

T = TypeVar("T")

# Non-personal columns shown in each asset's preview (ids, types, timestamps only).
PREVIEW: dict[str, list[str]] = {
    "feedback": ["id", "opportunity_id", "template_id", "type", "completed_at", "deleted_at"],
    "interviews": ["id", "opportunity_id", "panel_id", "feedback_template_id", "date", "duration_minutes"],
    "notes": ["id", "opportunity_id", "secret", "created_at", "deleted_at"],
    "resumes": ["id", "opportunity_id", "file_ext", "file_status", "file_size", "created_at"],
    "files": ["id", "opportunity_id", "ext", "status", "size", "uploaded_at"],
    "offers": ["id", "opportunity_id", "status", "created_at", "sent_at", "signed_at"],
}


def _run(lever: LeverResource, engine: Engine, body: Callable[[Any], Awaitable[T]]) -> T:
    """Run `body(client)` on a fresh client; a rejected key fails the run without retries."""

    async def go() -> T:
        async with lever.client(engine) as client:
            return await body(client)

    try:
        return asyncio.run(go())
    except LeverAuthError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from err


def child_metadata(stats: ChildSyncStats, preview_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Materialization metadata of one per-opportunity sync (the demo reads the core keys too)."""
    main = CHILD_KINDS[stats.kind].tables[0].name
    counts = stats.tables.get(main)
    meta: dict[str, Any] = {
        "dagster/row_count": stats.table_rows.get(main, 0),
        "mode": "full" if stats.full else "incremental",
        "opportunities_live": stats.opportunities_live,
        "opportunities_fetched": stats.opportunities_done,
        "opportunities_gone": stats.opportunities_gone,
        "rows_seen": stats.items,
        "rows_inserted": counts.inserted if counts else 0,
        "rows_updated": counts.updated if counts else 0,
        "rows_unchanged": counts.unchanged if counts else 0,
        "rows_deleted": counts.deleted if counts else 0,
        "requests": stats.requests,
        "pages": stats.pages,
        "retries": stats.retries,
        "retries_429": stats.rate_limited_429,
        "requests_per_second": stats.requests_per_second,
        "fetch_s": stats.fetch_s,
        "duration_s": stats.duration_s,
        "table_rows": dg.MetadataValue.json(stats.table_rows),
    }
    if stats.high_water_mark is not None:
        meta["high_water_mark"] = dg.MetadataValue.timestamp(stats.high_water_mark)
    if stats.kind == "feedback":
        meta["unknown_field_values"] = sum(stats.unknown_field_types.values())
        meta["unknown_field_types"] = ", ".join(sorted(stats.unknown_field_types)) or "-"
        meta["field_values_unparsed"] = stats.parse_errors
    if CHILD_KINDS[stats.kind].downloadable:
        meta["files_downloaded"] = stats.files_downloaded
    if preview_rows:
        meta["preview"] = dg.MetadataValue.md(markdown_table(preview_rows))
    return meta


def run_children(lever: LeverResource, warehouse: WarehouseResource, kind: str, full: bool) -> dg.MaterializeResult:
    """Fan out over changed opportunities for one kind and describe the result."""
    engine = warehouse.engine()
    settings = get_settings()
    folder = settings.lever_pipeline_home / "files" if settings.lever_download_files else None
    stats = _run(lever, engine, lambda client: sync_children(client, engine, kind, full=full, download_dir=folder))
    table = CHILD_KINDS[kind].tables[0]
    order = next(c for c in ("created_at", "uploaded_at", "id") if c in table.c)
    rows = queries.preview(engine, table, PREVIEW[kind], order_by=order)
    return dg.MaterializeResult(metadata=child_metadata(stats, rows))


def template_metadata(stats: TemplateSyncStats, preview_rows: list[dict[str, Any]]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "dagster/row_count": stats.table_rows,
        "mode": "full",
        "rows_seen": stats.templates_seen,
        "rows_inserted": stats.templates_inserted,
        "rows_updated": stats.templates_replaced,
        "rows_deleted": stats.templates_deleted,
        "fields": stats.fields,
        "field_types": dg.MetadataValue.json(stats.field_types),
        "unknown_field_types": ", ".join(sorted(stats.unknown_field_types)) or "-",
        "unknown_fields": sum(stats.unknown_field_types.values()),
        "requests": stats.requests,
        "retries_429": stats.rate_limited_429,
        "duration_s": stats.duration_s,
    }
    if preview_rows:
        meta["preview"] = dg.MetadataValue.md(markdown_table(preview_rows))
    return meta


def _asset(name: str, deps: list[str], tags: dict[str, str]) -> Callable[..., dg.AssetsDefinition]:
    return dg.asset(
        key=["lever", name],
        group_name=GROUP,
        kinds=KINDS,
        owners=OWNERS,
        tags=tags,
        deps=[dg.AssetKey(["lever", d]) for d in deps],
    )


@_asset("feedback_templates", [], {"sync": "full"})
def feedback_templates(lever: LeverResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One row per feedback template (its fields also one row each in `feedback_template_fields`).

    Refreshes every template's `fetched_at`, which the on-demand cache's TTL reads.
    """
    engine = warehouse.engine()
    stats = _run(lever, engine, lambda client: sync_feedback_templates(client, engine))
    cols = ["id", "field_count", "unknown_field_types", "updated_at", "fetched_at"]
    rows = queries.preview(engine, lever_feedback_templates, cols, order_by="updated_at")
    return dg.MaterializeResult(metadata=template_metadata(stats, rows))


@_asset("feedback", ["opportunities", "feedback_templates"], {"sync": "incremental"})
def feedback(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per feedback form; one row per form x field in `feedback_field_values` with typed values."""
    return run_children(lever, warehouse, "feedback", config.full_refresh)


@_asset("interviews", ["opportunities"], {"sync": "incremental"})
def interviews(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per interview (panel, times, template, feedback forms); interviewers in `interview_interviewers`."""
    return run_children(lever, warehouse, "interviews", config.full_refresh)


@_asset("notes", ["opportunities"], {"sync": "incremental"})
def notes(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per note on an opportunity (text kept in `raw` only)."""
    return run_children(lever, warehouse, "notes", config.full_refresh)


@_asset("resumes", ["opportunities"], {"sync": "incremental"})
def resumes(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per resume: file metadata, parsed data in `raw`; bytes downloaded only if LEVER_DOWNLOAD_FILES."""
    return run_children(lever, warehouse, "resumes", config.full_refresh)


@_asset("files", ["opportunities"], {"sync": "incremental"})
def files(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per file attached to an opportunity (metadata; bytes only if LEVER_DOWNLOAD_FILES)."""
    return run_children(lever, warehouse, "files", config.full_refresh)


@_asset("offers", ["opportunities"], {"sync": "incremental"})
def offers(lever: LeverResource, warehouse: WarehouseResource, config: SyncConfig) -> dg.MaterializeResult:
    """One row per offer: status and timestamps; offer fields (salary, dates) in `raw`."""
    return run_children(lever, warehouse, "offers", config.full_refresh)


CHILD_ASSETS = [feedback, interviews, notes, resumes, files, offers]
FEEDBACK_ASSETS = [feedback_templates, *CHILD_ASSETS]
