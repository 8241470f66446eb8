import asyncio
import itertools

import pytest

from lever_pipeline.lever.ratelimit import MemoryRateLimitStore, RateLimiter, bucket_name


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_ratelimit_runs_at_rate_after_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(8, 2, store=MemoryRateLimitStore(clock), sleep=clock.sleep)

    async def go() -> list[float]:
        sent = []
        for _ in range(18):
            await limiter.acquire()
            sent.append(clock.now)
        return sent

    sent = asyncio.run(go())
    assert sent[:2] == [0.0, 0.0]  # the burst
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(sent[1:])]
    assert set(gaps) == {0.125}  # then exactly 1/rate apart: at the limit, not under it
    assert sum(1 for t in sent if t < 1.0) <= 2 + 8


def test_ratelimit_shared_store_splits_one_budget() -> None:
    clock = FakeClock()
    store = MemoryRateLimitStore(clock)
    first = RateLimiter(10, 1, store=store, bucket="k", sleep=clock.sleep)
    second = RateLimiter(10, 1, store=store, bucket="k", sleep=clock.sleep)

    async def go() -> float:
        for _ in range(10):
            await first.acquire()
            await second.acquire()
        return clock.now

    assert asyncio.run(go()) == pytest.approx(1.9)  # 20 requests at 10/s: one slot every 0.1 s


def test_ratelimit_bucket_never_contains_the_key() -> None:
    assert "secret-key" not in bucket_name("secret-key")
    assert bucket_name("a") != bucket_name("b")
    assert "secret-key" not in repr(RateLimiter(8, bucket=bucket_name("secret-key")))
