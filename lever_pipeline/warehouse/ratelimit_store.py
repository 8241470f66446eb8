"""The rate limiter's state in PostgreSQL, so every process using one key shares one budget.

One atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` per request reserves the next
slot on the database's clock (`statement_timestamp()`), so processes on machines whose clocks
disagree still queue correctly. Concurrent Dagster runs, sensors, the service and the CLI
all draw from the same row, and an adaptive limiter's rate is shared the same way.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert

from lever_pipeline.lever.ratelimit import (
    ADJUST_EVERY_S,
    AdaptiveRateLimiter,
    RateLimiter,
    Reservation,
    bucket_name,
)
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets as buckets

# statement_timestamp(), not clock_timestamp(): one reading per statement, so the slot
# written and the `now` returned agree (clock_timestamp() moves between its two calls).
_NOW = sa.func.extract("epoch", sa.func.statement_timestamp())
_EPOCH_START = sa.text("'-infinity'::timestamptz")


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

    # The adaptive rate (`RateStore`) is the row `<bucket>:rate` of the same table: `tat`
    # holds the rate (requests/s) and `updated_at` when it last moved, so every process on
    # the key moves one rate, and no schema change was needed.

    def current_rate_sync(self, bucket: str, start: float) -> float:
        stmt = insert(buckets).values(bucket=f"{bucket}:rate", tat=start, updated_at=_EPOCH_START)
        stmt = stmt.on_conflict_do_update(index_elements=[buckets.c.bucket], set_={"tat": buckets.c.tat})
        with self._engine.begin() as conn:
            return float(conn.execute(stmt.returning(buckets.c.tat)).scalar_one())

    def adjust_rate_sync(self, bucket: str, *, factor: float, step: float, floor: float, ceiling: float) -> float:
        moved = sa.func.greatest(floor, sa.func.least(ceiling, buckets.c.tat * factor + step))
        due = buckets.c.updated_at <= sa.func.statement_timestamp() - sa.text(f"interval '{ADJUST_EVERY_S} seconds'")
        stmt = insert(buckets).values(bucket=f"{bucket}:rate", tat=floor, updated_at=sa.func.statement_timestamp())
        stmt = stmt.on_conflict_do_update(
            index_elements=[buckets.c.bucket],
            set_={
                "tat": sa.case((due, moved), else_=buckets.c.tat),
                "updated_at": sa.case((due, sa.func.statement_timestamp()), else_=buckets.c.updated_at),
            },
        )
        with self._engine.begin() as conn:
            return float(conn.execute(stmt.returning(buckets.c.tat)).scalar_one())

    async def current_rate(self, bucket: str, start: float) -> float:
        return await asyncio.to_thread(self.current_rate_sync, bucket, start)

    async def adjust_rate(self, bucket: str, *, factor: float, step: float, floor: float, ceiling: float) -> float:
        return await asyncio.to_thread(
            self.adjust_rate_sync, bucket, factor=factor, step=step, floor=floor, ceiling=ceiling
        )


def shared_limiter(
    engine: Engine,
    api_key: str,
    *,
    rate: float,
    burst: int,
    adaptive: bool = False,
    floor: float | None = None,
    start: float | None = None,
) -> RateLimiter:
    """A limiter for `api_key` whose bucket every process on this warehouse shares.

    `adaptive`: `rate` is the ceiling the shared rate may reach, `floor` the least it may
    fall to (half of it unless given), `start` where a new bucket begins (the floor unless
    given); raised while Lever answers without a 429 and halved on one
    (`AdaptiveRateLimiter`); otherwise the limiter runs at `rate` whatever Lever answers.
    """
    store = PostgresRateLimitStore(engine)
    if not adaptive:
        return RateLimiter(rate, burst, store=store, bucket=bucket_name(api_key))
    return AdaptiveRateLimiter(
        rate, burst, floor=floor, start=start, rates=store, store=store, bucket=bucket_name(api_key)
    )
