"""The rate limiter's state in PostgreSQL, so every process using one key shares one budget.

One atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` per request reserves the next
slot on the database's clock (`statement_timestamp()`), so processes on machines whose clocks
disagree still queue correctly. Concurrent Dagster runs, sensors, the service and the CLI
all draw from the same row.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.lever.ratelimit import RateLimiter, Reservation, bucket_name
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets as buckets

# statement_timestamp(), not clock_timestamp(): one reading per statement, so the slot
# written and the `now` returned agree (clock_timestamp() moves between its two calls).
_NOW = sa.func.extract("epoch", sa.func.statement_timestamp())


class PostgresRateLimitStore:
    """`RateLimitStore` on the warehouse database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def reserve_sync(self, bucket: str, interval: float, burst: int) -> Reservation:
        stmt = insert(buckets).values(bucket=bucket, tat=_NOW + interval)
        stmt = stmt.on_conflict_do_update(
            index_elements=[buckets.c.bucket],
            set_={"tat": sa.func.greatest(buckets.c.tat, _NOW) + interval, "updated_at": sa.func.now()},
        ).returning(buckets.c.tat, _NOW.label("now"))
        with self._engine.begin() as conn:
            tat, now = conn.execute(stmt).one()
        slot = float(tat) - interval  # the slot this caller took
        return Reservation(send_at=max(float(now), slot - (burst - 1) * interval), now=float(now))

    async def reserve(self, bucket: str, interval: float, burst: int) -> Reservation:
        return await asyncio.to_thread(self.reserve_sync, bucket, interval, burst)


def shared_limiter(engine: Engine, api_key: str, *, rate: float, burst: int) -> RateLimiter:
    """A limiter for `api_key` whose bucket every process on this warehouse shares."""
    return RateLimiter(rate, burst, store=PostgresRateLimitStore(engine), bucket=bucket_name(api_key))
