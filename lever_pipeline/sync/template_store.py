"""Feedback templates in the warehouse: the store behind the TTL cache, and the full template sync.

A template is written with its fields in one transaction: the template row (with
`fetched_at`, which the cache's TTL reads) and its `feedback_template_fields` rows,
replaced whole so a removed field disappears. The cache's cross-process lock is a
PostgreSQL session advisory lock keyed by the template id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.feedback import feedback_template_pages, parse_field
from lever_pipeline.sync.per_opportunity_rows import KNOWN_FIELD_TYPES, template_field_rows, template_row
from lever_pipeline.sync.state import record_success
from lever_pipeline.sync.stats import FieldTypes, SyncStats, client_counters, table_rows
from lever_pipeline.sync.template_cache import StoredTemplate
from lever_pipeline.warehouse.tables.feedback import feedback_template_fields, lever_feedback_templates

logger = logging.getLogger(__name__)

TEMPLATES_STREAM = "feedback_templates"


def save_templates(conn: Connection, templates: Sequence[Mapping[str, Any]], fetched_at: datetime) -> tuple[int, int]:
    """Insert or replace `templates` and their fields inside the caller's transaction.

    Returns (inserted, replaced).

    `fetched_at` is written even when nothing else changed: it records that Lever was asked.
    """
    if not templates:
        return 0, 0
    t = lever_feedback_templates
    rows = [{**template_row(obj), "fetched_at": fetched_at} for obj in templates]
    stmt = insert(t).values(rows)
    columns = [c for c in rows[0] if c != "id"]
    flags = (
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["id"],
                set_={**{c: stmt.excluded[c] for c in columns}, "synced_at": sa.func.now()},
            ).returning(sa.literal_column("(xmax = 0)"))
        )
        .scalars()
        .all()
    )
    ids = [obj["id"] for obj in templates]
    f = feedback_template_fields
    conn.execute(sa.delete(f).where(f.c.template_id.in_(ids)))
    field_rows = [row for obj in templates for row in template_field_rows(obj)]
    if field_rows:
        conn.execute(insert(f), field_rows)
    inserted = sum(1 for f in flags if f)
    return inserted, len(flags) - inserted


def load_template(conn: Connection, template_id: str) -> StoredTemplate | None:
    t = lever_feedback_templates
    row = conn.execute(sa.select(t.c.raw, t.c.fetched_at).where(t.c.id == template_id)).one_or_none()
    return StoredTemplate(template=dict(row.raw), fetched_at=row.fetched_at) if row else None


class WarehouseTemplateStore:
    """`template_cache.TemplateStore` on the warehouse (database calls run in worker threads)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def load(self, template_id: str) -> StoredTemplate | None:
        def go() -> StoredTemplate | None:
            with self.engine.connect() as conn:
                return load_template(conn, template_id)

        return await asyncio.to_thread(go)

    async def save(self, template: Mapping[str, Any], fetched_at: datetime) -> None:
        def go() -> None:
            with self.engine.begin() as conn:
                save_templates(conn, [template], fetched_at)

        await asyncio.to_thread(go)

    @asynccontextmanager
    async def lock(self, template_id: str) -> AsyncIterator[None]:
        """A session advisory lock on `lever_template:<id>`, held on its own connection."""
        key = f"lever_template:{template_id}"

        def acquire() -> Connection:
            conn = self.engine.connect()
            try:
                conn.execute(sa.text("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": key})
                conn.commit()
            except BaseException:
                conn.close()
                raise
            return conn

        def release(conn: Connection) -> None:
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})
                conn.commit()
            finally:
                conn.close()

        conn = await asyncio.to_thread(acquire)
        try:
            yield
        finally:
            await asyncio.to_thread(release, conn)


def _count_field_types(templates: list[dict[str, Any]]) -> FieldTypes:
    """Every field of every template by type; a known type whose attributes do not parse counts as unparsed."""
    counted = FieldTypes("fields")
    for obj in templates:
        for f in obj.get("fields") or []:
            ftype = str(f.get("type"))
            known = ftype in KNOWN_FIELD_TYPES
            counted.count(ftype, known=known, parsed=not known or parse_field(f).known)
    return counted


async def sync_feedback_templates(client: LeverClient, engine: Engine) -> SyncStats:
    """Read every active template from Lever and store it (fresh `fetched_at`) with its fields.

    Templates the list no longer returns keep their row (old feedback still points at them)
    with `deleted_at` stamped. An unknown field type is stored as is and counted.
    """
    started = time.perf_counter()
    before = client_counters(client)
    templates = [dict(t) async for page in feedback_template_pages(client) for t in page]
    stats = SyncStats.of(TEMPLATES_STREAM, "full", [lever_feedback_templates], rows_seen=len(templates))
    stats.field_types = _count_field_types(templates)
    stats.fetch_s = round(time.perf_counter() - started, 3)
    stats.count_requests(before, client)
    await asyncio.to_thread(_write_templates, engine, templates, stats, started)
    logger.info(
        "feedback_templates: %d seen, %d deleted, %d fields, %d of unknown type, %d requests",
        stats.rows_seen,
        stats.main.deleted,
        sum(stats.field_types.seen.values()),
        sum(stats.field_types.unknown.values()),
        stats.requests,
    )
    return stats


def _write_templates(engine: Engine, templates: list[dict[str, Any]], stats: SyncStats, started: float) -> None:
    """Store every template, stamp the ones Lever no longer lists deleted, and record the sync, in one transaction."""
    t = lever_feedback_templates
    with engine.begin() as conn:
        stats.main.inserted, stats.main.updated = save_templates(conn, templates, datetime.now(UTC))
        ids = [obj["id"] for obj in templates]
        stats.main.deleted = conn.execute(
            sa.update(t)
            .where(t.c.deleted_at.is_(None), t.c.id.not_in(ids) if ids else sa.true())
            .values(deleted_at=sa.func.now(), synced_at=sa.func.now())
        ).rowcount
        stats.duration_s = round(time.perf_counter() - started, 3)
        stats.see_stamp(max((r["updated_at"] for r in map(template_row, templates) if r["updated_at"]), default=None))
        record_success(conn, TEMPLATES_STREAM, high_water_mark=stats.high_water_mark, full=True, stats=stats.as_dict())
        stats.table_rows = table_rows(conn, [t])
