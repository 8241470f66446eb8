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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.sync.per_opportunity_rows import KNOWN_FIELD_TYPES, template_field_rows, template_row
from lever_pipeline.sync.state import record_success
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
    """`lever.templates.TemplateStore` on the warehouse (database calls run in worker threads)."""

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


@dataclass
class TemplateSyncStats:
    """What one full template sync did; becomes the asset's metadata."""

    templates_seen: int = 0
    templates_inserted: int = 0
    templates_replaced: int = 0
    templates_deleted: int = 0
    fields: int = 0
    unknown_field_types: dict[str, int] = field(default_factory=dict)
    field_types: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    rate_limited_429: int = 0
    duration_s: float = 0.0
    table_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _counter(stats: Any, name: str) -> int:
    if stats is None:
        return 0
    if isinstance(stats, Mapping):
        return int(stats.get(name, 0))
    return int(getattr(stats, name, 0))


async def sync_feedback_templates(client: Any, engine: Engine) -> TemplateSyncStats:
    """Read every active template from Lever and store it (fresh `fetched_at`) with its fields.

    Templates the list no longer returns keep their row (old feedback still points at them)
    with `deleted_at` stamped. An unknown field type is stored as is and counted.
    """
    started = time.perf_counter()
    before = {k: _counter(client.stats, k) for k in ("requests", "rate_limited_429")}
    templates: list[dict[str, Any]] = []
    async for page in client.paginate("/feedback_templates"):
        templates.extend(dict(t) for t in page)
    stats = TemplateSyncStats(templates_seen=len(templates))
    for obj in templates:
        for f in obj.get("fields") or []:
            ftype = str(f.get("type"))
            stats.field_types[ftype] = stats.field_types.get(ftype, 0) + 1
            stats.fields += 1
            if ftype not in KNOWN_FIELD_TYPES:
                stats.unknown_field_types[ftype] = stats.unknown_field_types.get(ftype, 0) + 1
    for key, value in before.items():
        setattr(stats, key, _counter(client.stats, key) - value)

    def write() -> None:
        t = lever_feedback_templates
        with engine.begin() as conn:
            stats.templates_inserted, stats.templates_replaced = save_templates(conn, templates, datetime.now(UTC))
            ids = [obj["id"] for obj in templates]
            stats.templates_deleted = conn.execute(
                sa.update(t)
                .where(t.c.deleted_at.is_(None), t.c.id.not_in(ids) if ids else sa.true())
                .values(deleted_at=sa.func.now(), synced_at=sa.func.now())
            ).rowcount
            stats.duration_s = round(time.perf_counter() - started, 3)
            newest = max((r["updated_at"] for r in map(template_row, templates) if r["updated_at"]), default=None)
            record_success(conn, TEMPLATES_STREAM, high_water_mark=newest, full=True, stats=stats.as_dict())
            stats.table_rows = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()

    await asyncio.to_thread(write)
    logger.info(
        "feedback_templates: %d seen, %d deleted, %d fields, %d of unknown type, %d requests",
        stats.templates_seen,
        stats.templates_deleted,
        stats.fields,
        sum(stats.unknown_field_types.values()),
        stats.requests,
    )
    return stats
