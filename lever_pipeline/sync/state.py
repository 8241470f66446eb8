"""The per-stream sync state: high-water mark and last successful sync.

Written in the same transaction as the stream's last batch of rows, so the mark never
claims rows that were not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.warehouse.tables import sync_state


@dataclass(frozen=True)
class StreamState:
    """Where a stream's next incremental run starts: its updated mark, and its deleted-list mark."""

    high_water_mark: datetime | None
    deleted_mark: datetime | None


def read_state(engine: Engine, stream: str) -> StreamState | None:
    """The stream's marks, or None before its first sync."""
    s = sync_state
    with engine.connect() as conn:
        row = conn.execute(sa.select(s.c.high_water_mark, s.c.deleted_mark).where(s.c.stream == stream)).first()
    return StreamState(row.high_water_mark, row.deleted_mark) if row else None


def read_high_water_mark(engine: Engine, stream: str) -> datetime | None:
    """The stream's high-water mark (newest `updatedAt` stored), or None before its first sync."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sync_state.c.high_water_mark).where(sync_state.c.stream == stream)).scalar()


def record_success(
    conn: Connection,
    stream: str,
    *,
    high_water_mark: datetime | None,
    full: bool,
    stats: dict[str, Any],
    deleted_mark: datetime | None = None,
) -> None:
    """Mark a successful sync of `stream`; both marks only ever move forward (None leaves one as it is)."""
    now = sa.func.now()
    values: dict[str, Any] = {
        "stream": stream,
        "high_water_mark": high_water_mark,
        "deleted_mark": deleted_mark,
        "last_success_at": now,
        "last_stats": stats,
        "updated_at": now,
    }
    if full:
        values["last_full_sync_at"] = now
    stmt = insert(sync_state).values(**values)
    update = {
        "high_water_mark": sa.func.greatest(sync_state.c.high_water_mark, stmt.excluded.high_water_mark),
        "deleted_mark": sa.func.greatest(sync_state.c.deleted_mark, stmt.excluded.deleted_mark),
        "last_success_at": now,
        "last_stats": stmt.excluded.last_stats,
        "updated_at": now,
    }
    if full:
        update["last_full_sync_at"] = now
    conn.execute(stmt.on_conflict_do_update(index_elements=["stream"], set_=update))
