"""A GCRA token bucket whose state may live outside the process.

GCRA keeps one number per bucket, the theoretical arrival time (TAT) of the next
request. Each caller atomically reserves a slot (`TAT = max(TAT, now) + 1/rate`) and
sleeps until its slot; `burst` slots may be used back to back after an idle spell. So
callers queue fairly, the bucket runs *at* its rate rather than below it, and any number
of processes sharing one store together never exceed it. The store is a protocol: memory
here, PostgreSQL in `warehouse/ratelimit_store.py` (the client never imports the warehouse).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Reservation:
    """A granted slot: when the caller may send, measured on the store's clock."""

    send_at: float
    now: float

    @property
    def delay(self) -> float:
        return max(0.0, self.send_at - self.now)


class RateLimitStore(Protocol):
    """Atomically reserves the next slot of a bucket."""

    async def reserve(self, bucket: str, interval: float, burst: int) -> Reservation: ...


class MemoryRateLimitStore:
    """Buckets in this process only: unit tests and benchmarks. Deployed clients share the warehouse's."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}

    async def reserve(self, bucket: str, interval: float, burst: int) -> Reservation:
        now = self._clock()
        tat = max(self._tat.get(bucket, now), now)
        self._tat[bucket] = tat + interval
        return Reservation(send_at=max(now, tat - (burst - 1) * interval), now=now)


def bucket_name(api_key: str) -> str:
    """The bucket of one API key: a hash, so the key itself is never stored."""
    return "lever:" + hashlib.sha256(api_key.encode()).hexdigest()[:32]


class RateLimiter:
    """`await limiter.acquire()` before each request; returns the seconds it waited."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        store: RateLimitStore | None = None,
        bucket: str = "default",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be greater than 0 requests per second")
        self.rate = rate
        self.burst = max(1, burst)
        self.bucket = bucket
        self._store = store or MemoryRateLimitStore()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate}/s, burst={self.burst}, bucket={self.bucket[:14]}…)"

    async def acquire(self) -> float:
        reservation = await self._store.reserve(self.bucket, 1.0 / self.rate, self.burst)
        if reservation.delay > 0:
            await self._sleep(reservation.delay)
        return reservation.delay
