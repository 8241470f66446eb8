"""A GCRA token bucket whose state may live outside the process.

GCRA keeps one number per bucket, the theoretical arrival time (TAT) of the next
request. Each caller atomically reserves a slot (`TAT = max(TAT, now) + 1/rate`) and
sleeps until its slot; `burst` slots may be used back to back after an idle spell. So
callers queue fairly, the bucket runs *at* its rate rather than below it, and any number
of processes sharing one store together never exceed it. The store is a protocol: memory
here, PostgreSQL in `warehouse/ratelimit_store.py` (the client never imports the warehouse).

`AdaptiveRateLimiter` also moves the rate itself, between a floor and a ceiling, from
Lever's answers: it uses the key's whole budget when nobody else does, and gives way
when another client takes part of it.
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

    async def feedback(self, *, rate_limited: bool) -> None:
        """Told after each answer whether Lever refused it with a 429; a fixed rate ignores it."""


class RateStore(Protocol):
    """Atomically moves a bucket's shared adaptive rate; every process using the key sees the same one."""

    async def current_rate(self, bucket: str, start: float) -> float: ...

    async def adjust_rate(self, bucket: str, *, factor: float, step: float, floor: float, ceiling: float) -> float: ...


class MemoryRateStore:
    """The adaptive rate in this process only (unit tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._rates: dict[str, tuple[float, float]] = {}  # bucket -> (rate, changed at)

    async def current_rate(self, bucket: str, start: float) -> float:
        return self._rates.setdefault(bucket, (start, float("-inf")))[0]

    async def adjust_rate(self, bucket: str, *, factor: float, step: float, floor: float, ceiling: float) -> float:
        now = self._clock()
        rate, changed = self._rates.get(bucket, (floor, float("-inf")))
        if now - changed >= ADJUST_EVERY_S:
            rate, changed = max(floor, min(ceiling, rate * factor + step)), now
        self._rates[bucket] = (rate, changed)
        return rate


ADJUST_EVERY_S = 1.0
"""The shared rate moves at most once a second, whichever process asks: the 429s of
requests already in flight when the first came back say nothing new, and halving for
each would collapse the rate."""


class AdaptiveRateLimiter(RateLimiter):
    """A `RateLimiter` whose rate moves between `floor` and `ceiling` with Lever's answers (AIMD).

    It starts at the shared rate (`start`, else the floor, for a new bucket), adds `ceiling / 20` requests/s
    each second no 429 is seen, and halves on a 429 (one change a second at most, see
    `ADJUST_EVERY_S`), never below the floor. The rate lives in `rates`, shared like the bucket itself, so
    two processes on one key move one rate. With nobody else on the key it settles at the
    ceiling; with another client taking part of Lever's budget, near what that leaves.
    """

    def __init__(
        self,
        ceiling: float,
        burst: int = 1,
        *,
        floor: float | None = None,
        start: float | None = None,
        rates: RateStore | None = None,
        store: RateLimitStore | None = None,
        bucket: str = "default",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ceiling = ceiling
        self.floor = min(ceiling, floor if floor is not None else ceiling / 2)
        self.start = min(ceiling, max(self.floor, start if start is not None else self.floor))
        super().__init__(self.start, burst, store=store, bucket=bucket, sleep=sleep)
        self._rates = rates or MemoryRateStore()
        self._started = False
        self._clock = clock
        self._last_raise = clock()
        self.changes: list[float] = []  # the rates this limiter moved to (a few per second at most)

    def __repr__(self) -> str:
        return (
            f"AdaptiveRateLimiter(rate={self.rate:.2f}/s in [{self.floor}, {self.ceiling}], burst={self.burst}, "
            f"bucket={self.bucket[:14]}…)"
        )

    async def acquire(self) -> float:
        if not self._started:
            self._started = True
            shared = await self._rates.current_rate(self.bucket, self.start)
            self.rate = min(self.ceiling, max(self.floor, shared))
        return await super().acquire()

    async def feedback(self, *, rate_limited: bool) -> None:
        """Move the shared rate after one answer: halve on a 429, else raise it once a second."""
        if rate_limited:
            self._moved(
                await self._rates.adjust_rate(self.bucket, factor=0.5, step=0.0, floor=self.floor, ceiling=self.ceiling)
            )
            return
        now = self._clock()
        if now - self._last_raise >= ADJUST_EVERY_S and self.rate < self.ceiling:
            self._last_raise = now
            self._moved(
                await self._rates.adjust_rate(
                    self.bucket, factor=1.0, step=self.ceiling / 20, floor=self.floor, ceiling=self.ceiling
                )
            )

    def _moved(self, rate: float) -> None:
        if rate != self.rate:
            self.changes.append(rate)
        self.rate = rate
