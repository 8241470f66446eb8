"""Per-key token buckets, Lever's documented limiter (10 requests/s, bursts to 20).

The clock is injected so the limiter's arithmetic is testable without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """A bucket of `capacity` tokens refilled at `rate` per second."""

    __slots__ = ("capacity", "clock", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.tokens = capacity
        self.stamp = clock()

    def take(self) -> float:
        """Take one token. Returns 0.0 on success, else the seconds until one is available."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """One bucket per API key; `rate <= 0` disables limiting."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self.buckets: dict[str, TokenBucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, key: str) -> float:
        """0.0 when `key` may go ahead, else the wait in seconds before it may."""
        if self.rate <= 0:
            return 0.0
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(self.rate, self.burst, self.clock)
        return bucket.take()
