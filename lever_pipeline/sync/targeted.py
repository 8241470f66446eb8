"""Targeted refresh: re-read a given set of opportunities now (what the webhook sensor asks for).

Each opportunity is fetched with `GET /opportunities/:id?expand=applications` (the same
shape the incremental sync stores, so the candidate-posting mapping stays right) and
upserted with `rows.opportunity_row`. A 404 means Lever no longer has it: the row gets
`deleted_at`. Opportunities a `candidateDeleted` event names are marked deleted without a
request. Fetches fan out under the client's shared rate limiter; rows are written in one
transaction at the end (a targeted batch is small: at most one sensor batch).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from lever_pipeline.lever.fanout import fan_out
from lever_pipeline.sync.rows import opportunity_row
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.upsert import upsert_rows

logger = logging.getLogger(__name__)


class OpportunityClient(Protocol):
    """What the refresh needs of the Lever client."""

    stats: Any

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None: ...


@dataclass
class TargetedRefreshStats:
    """What one targeted refresh did; the op turns it into run metadata (ids and counts only)."""

    requested: int = 0
    fetched: int = 0
    gone: int = 0
    deleted: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    requests: int = 0
    duration_s: float = 0.0
    gone_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _requests(client: Any) -> int:
    return int(getattr(getattr(client, "stats", None), "requests", 0))


def mark_deleted(conn: Connection, opportunity_ids: Iterable[str]) -> int:
    """Stamp `deleted_at` on these opportunities (those not already deleted), in the caller's transaction."""
    ids = list(dict.fromkeys(opportunity_ids))
    if not ids:
        return 0
    o = lever_opportunities
    return conn.execute(
        sa.update(o)
        .where(o.c.id.in_(ids), o.c.deleted_at.is_(None))
        .values(deleted_at=sa.func.now(), synced_at=sa.func.now())
    ).rowcount


async def refresh_opportunities(
    client: OpportunityClient,
    engine: Engine,
    opportunity_ids: Iterable[str],
    deleted_ids: Iterable[str] = (),
    *,
    concurrency: int = 8,
) -> TargetedRefreshStats:
    """Fetch and upsert `opportunity_ids`; mark `deleted_ids` (and any that answer 404) deleted.

    Idempotent: running it twice on the same ids writes nothing new the second time
    (unchanged rows are left alone by the upsert). Errors other than 404 propagate, and
    then nothing of this batch is written (the sensor retries it).
    """
    started = time.perf_counter()
    before = _requests(client)
    ids = list(dict.fromkeys(opportunity_ids))
    gone_by_event = [i for i in dict.fromkeys(deleted_ids) if i not in ids]
    stats = TargetedRefreshStats(requested=len(ids) + len(gone_by_event))

    async def fetch(opportunity_id: str) -> dict[str, Any] | None:
        return await client.get(f"/opportunities/{opportunity_id}", {"expand": ["applications"]})

    rows, gone = [], []
    async for opportunity_id, obj in fan_out(ids, fetch, concurrency=concurrency):
        if obj is None:
            gone.append(opportunity_id)
        else:
            rows.append(opportunity_row(obj))
    stats.fetched, stats.gone, stats.gone_ids = len(rows), len(gone), gone
    with engine.begin() as conn:
        counts = upsert_rows(conn, lever_opportunities, rows)
        stats.deleted = mark_deleted(conn, [*gone, *gone_by_event])
    stats.inserted, stats.updated, stats.unchanged = counts.inserted, counts.updated, counts.unchanged
    stats.requests = _requests(client) - before
    stats.duration_s = round(time.perf_counter() - started, 3)
    logger.info(
        "targeted refresh: %d opportunities, %d inserted, %d updated, %d unchanged, %d deleted, %d requests",
        stats.requested,
        stats.inserted,
        stats.updated,
        stats.unchanged,
        stats.deleted,
        stats.requests,
    )
    return stats
