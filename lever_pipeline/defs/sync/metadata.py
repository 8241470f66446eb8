"""Materialization metadata from sync statistics: counts, requests, the mark, a preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from lever_pipeline.sync.stream_sync import SyncStats


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
    """Everything a reader of the run wants to know about one stream's sync."""
    meta: dict[str, Any] = {
        "dagster/row_count": stats.table_rows,
        "mode": "full" if stats.full else "incremental",
        "rows_seen": stats.rows_seen,
        "rows_inserted": stats.inserted,
        "rows_updated": stats.updated,
        "rows_unchanged": stats.unchanged,
        "rows_deleted": stats.deleted,
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
    if preview_rows:
        meta["preview"] = dg.MetadataValue.md(markdown_table(preview_rows))
    return meta
