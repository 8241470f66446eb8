import asyncio
import itertools

import pytest

from lever_pipeline.lever.ratelimit import (
    AdaptiveRateLimiter,
    MemoryRateLimitStore,
    MemoryRateStore,
    RateLimiter,
    bucket_name,
)


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


def test_adaptive_ratelimit_rises_to_the_ceiling_halves_on_429_and_recovers() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(
        10, 2, floor=4, rates=MemoryRateStore(clock), store=MemoryRateLimitStore(clock), sleep=clock.sleep, clock=clock
    )

    async def answers(n: int, *, limited_at: set[int] = frozenset()) -> list[float]:  # type: ignore[assignment]
        rates = []
        for i in range(n):
            await limiter.acquire()
            await limiter.feedback(rate_limited=i in limited_at)
            rates.append(limiter.rate)
        return rates

    first = asyncio.run(answers(120))
    assert first[0] == 4  # starts at the floor
    assert max(first) == 10 and first[-1] == 10  # +ceiling/20 a second, up to the ceiling, never past it

    burst_of_429s = asyncio.run(answers(3, limited_at={0, 1, 2}))
    assert burst_of_429s[0] == 5  # halved once ...
    assert set(burst_of_429s) == {5}  # ... not once per 429 of the requests already in flight

    again = asyncio.run(answers(200))
    assert again[-1] == 10  # recovers while no 429 is seen
    assert asyncio.run(answers(40, limited_at=set(range(40))))[-1] == 4  # never below the floor


def test_adaptive_ratelimit_may_start_above_its_floor() -> None:
    clock = FakeClock()
    limiter = AdaptiveRateLimiter(
        10, 2, floor=2.5, start=8, rates=MemoryRateStore(clock), store=MemoryRateLimitStore(clock), clock=clock
    )

    async def one_429() -> float:
        await limiter.acquire()
        started = limiter.rate
        clock.now += 1
        await limiter.feedback(rate_limited=True)
        return started

    assert asyncio.run(one_429()) == 8  # a new bucket starts at `start` ...
    assert limiter.rate == 4  # ... and can still give way below it, down to the floor


def test_adaptive_ratelimit_processes_on_one_key_move_one_rate() -> None:
    clock = FakeClock()
    rates, slots = MemoryRateStore(clock), MemoryRateLimitStore(clock)
    a = AdaptiveRateLimiter(10, 2, floor=4, rates=rates, store=slots, bucket="k", sleep=clock.sleep, clock=clock)
    b = AdaptiveRateLimiter(10, 2, floor=4, rates=rates, store=slots, bucket="k", sleep=clock.sleep, clock=clock)

    async def go() -> None:
        for _ in range(60):
            await a.acquire()
            await a.feedback(rate_limited=False)
        await b.acquire()  # joins at the shared rate, not at its floor
        assert b.rate == a.rate > 4
        clock.now += 1
        await b.feedback(rate_limited=True)
        await a.feedback(rate_limited=False)  # a sees b's halving when it next moves the rate

    asyncio.run(go())
    assert a.rate == b.rate
