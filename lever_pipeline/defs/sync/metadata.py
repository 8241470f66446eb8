"""Run metadata from sync statistics: counts, requests, the mark, a preview.

One builder for every sync (a stream, a per-opportunity kind, the templates, a targeted
refresh): the keys every sync has come first, then a section for each part the stats
carry (the fan-out over opportunities, references fetched by id, Lever's deleted list,
confidentiality and warnings, feedback field types, file downloads).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from lever_pipeline.sync.progress import Progress, ProgressCallback
from lever_pipeline.sync.stats import FanOut, FieldTypes, References, SyncStats

_MISSING_IDS_SHOWN = 10


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """A small Markdown table; callers pass only non-personal columns."""
    if not rows:
        return "_no rows_"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        lines.append("| " + " | ".join("" if row[c] is None else str(row[c]) for c in cols) + " |")
    return "\n".join(lines)


def sync_metadata(stats: SyncStats, preview_rows: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Everything a reader of the run wants to know about one sync (ids and counts only, no personal data)."""
    meta: dict[str, Any] = {}
    if stats.main_table in stats.table_rows:
        meta["dagster/row_count"] = stats.table_rows[stats.main_table]
    main = stats.main
    meta |= {
        "mode": stats.mode,
        "rows_seen": stats.rows_seen,
        "rows_inserted": main.inserted,
        "rows_updated": main.updated,
        "rows_unchanged": main.unchanged,
        "rows_deleted": main.deleted,
        "pages": stats.pages,
        "requests": stats.requests,
        "retries_429": stats.rate_limited_429,
        "retries": stats.retries,
        "duration_s": stats.duration_s,
    }
    if stats.since is not None:
        meta["updated_since"] = dg.MetadataValue.timestamp(stats.since)
    if stats.high_water_mark is not None:
        meta["high_water_mark"] = dg.MetadataValue.timestamp(stats.high_water_mark)
    if stats.opportunities is not None:
        meta |= _fan_out(stats, stats.opportunities)
    if stats.references is not None:
        meta |= _references(stats.references)
    if stats.deleted_listed is not None:
        meta["deleted_listed"] = stats.deleted_listed
        if stats.deleted_since is not None:
            meta["deleted_since"] = dg.MetadataValue.timestamp(stats.deleted_since)
        if stats.deleted_mark is not None:
            meta["deleted_mark"] = dg.MetadataValue.timestamp(stats.deleted_mark)
    if stats.confidentiality is not None:
        meta["confidentiality"] = stats.confidentiality
    if stats.warnings:
        meta["warnings"] = dg.MetadataValue.md("\n".join(f"- {w}" for w in stats.warnings))
    if stats.field_types is not None:
        meta |= _field_types(stats.field_types)
    if stats.files_downloaded is not None:
        meta["files_downloaded"] = stats.files_downloaded
    if preview_rows:
        meta["preview"] = dg.MetadataValue.md(markdown_table(preview_rows))
    return meta


def _fan_out(stats: SyncStats, fan: FanOut) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if fan.live is not None:
        meta["opportunities_live"] = fan.live
    meta |= {
        "opportunities_selected": fan.selected,
        "opportunities_fetched": fan.done,
        "opportunities_known_empty": fan.known_empty,
        "opportunities_gone": fan.gone,
        "requests_per_opportunity": round(stats.requests / fan.selected, 3) if fan.selected else 0.0,
        "requests_per_second": stats.requests_per_second,
        "fetch_s": stats.fetch_s,
    }
    if stats.table_rows:
        meta["table_rows"] = dg.MetadataValue.json(stats.table_rows)
    return meta


def _references(refs: References) -> dict[str, Any]:
    """Users and postings fetched by id; the ids Lever did not have (ids only, a few)."""
    meta: dict[str, Any] = {
        "references_fetched": refs.fetched_total,
        "references_fetched_by_kind": dg.MetadataValue.json(refs.fetched),
        "references_missing": refs.missing,
    }
    if refs.missing_ids:
        shown = refs.missing_ids[:_MISSING_IDS_SHOWN]
        more = refs.missing - len(shown)
        meta["references_missing_ids"] = ", ".join(shown) + (f" and {more} more" if more else "")
    return meta


def _field_types(types: FieldTypes) -> dict[str, Any]:
    """Keys named after what was counted: `fields`/`unknown_fields` on templates, `field_values`/... on forms."""
    return {
        types.counted: sum(types.seen.values()),
        "field_types": dg.MetadataValue.json(types.seen),
        "unknown_field_types": ", ".join(sorted(types.unknown)) or "-",
        f"unknown_{types.counted}": sum(types.unknown.values()),
        f"{types.counted}_unparsed": types.unparsed,
    }


def progress_observer(every_s: float = 60.0) -> ProgressCallback | None:
    """Record a long sync's progress on the running asset every `every_s` seconds and when it ends.

    Each reading becomes an asset observation (done / total, requests, rate, ETA: counts
    only) and one run-log line, so a fan-out that runs for days shows where it is in the
    UI, not only when it finishes. None outside a Dagster run (nothing to record on).
    """
    try:
        context = dg.AssetExecutionContext.get()
    except dg.DagsterInvariantViolationError:
        return None
    last = [0.0]

    def observe(progress: Progress) -> None:
        now = time.monotonic()
        if not progress.finished and now - last[0] < every_s:
            return
        last[0] = now
        context.log.info(progress.line())
        context.log_event(
            dg.AssetObservation(
                asset_key=context.asset_key,
                metadata={k: v for k, v in progress.as_metadata().items() if v is not None},
            )
        )

    return observe
