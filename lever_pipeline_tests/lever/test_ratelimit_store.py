"""The rate-limit bucket in PostgreSQL: many limiters, one budget (real database, real sandbox)."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter, Reservation, bucket_name
from lever_pipeline.settings import PROJECT_ROOT
from lever_pipeline.warehouse.ratelimit_store import PostgresRateLimitStore
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets


class RecordingStore:
    """The PostgreSQL store, keeping every slot it grants (on the database's clock)."""

    def __init__(self, engine: Engine, granted: list[float]) -> None:
        self._store = PostgresRateLimitStore(engine)
        self._granted = granted

    async def reserve(self, bucket: str, interval: float, burst: int) -> Reservation:
        reservation = await self._store.reserve(bucket, interval, burst)
        self._granted.append(reservation.send_at)
        return reservation


def busiest_window(slots: list[float], window: float = 1.0) -> int:
    """The most slots in any `window` seconds (windows starting at a slot are the worst case)."""
    ordered = sorted(slots)
    return max(sum(1 for t in ordered[i:] if t < start + window - 1e-9) for i, start in enumerate(ordered))


def test_ratelimit_store_concurrent_reservations_never_share_a_slot(engine: Engine) -> None:
    store = PostgresRateLimitStore(engine)
    bucket = f"test:{uuid.uuid4().hex}"
    interval = 0.05
    with ThreadPoolExecutor(max_workers=8) as pool:
        slots = list(pool.map(lambda _: store.reserve_sync(bucket, interval, 1).send_at, range(40)))
    gaps = [b - a for a, b in itertools.pairwise(sorted(slots))]
    assert min(gaps) >= interval - 1e-6  # one row, one atomic update: each caller its own slot


def test_ratelimit_store_keeps_a_hash_never_the_key(engine: Engine) -> None:
    key = f"secret-{uuid.uuid4().hex}"
    PostgresRateLimitStore(engine).reserve_sync(bucket_name(key), 0.1, 1)
    with engine.connect() as conn:
        buckets = conn.execute(sa.select(rate_limit_buckets.c.bucket)).scalars().all()
    assert bucket_name(key) in buckets and not any(key in b for b in buckets)


def test_ratelimit_store_two_clients_stay_under_levers_limit(engine: Engine, sandbox_factory) -> None:
    per_client, rate, burst = 16, 8.0, 2
    granted: list[float] = []
    with sandbox_factory(rate_limit=10, burst=20, latency_ms=0, api_key=f"k-{uuid.uuid4().hex}") as sb:

        async def one_client() -> dict:
            # As `shared_limiter` builds it, with the store recording each slot it grants.
            store = RecordingStore(engine, granted)
            limiter = RateLimiter(rate, burst, store=store, bucket=bucket_name(sb.api_key))
            async with LeverClient(sb.api_key, sb.base_url, limiter=limiter) as client:
                await asyncio.gather(*(client.get("/stages/lead-new") for _ in range(per_client)))
                return client.stats.as_dict()

        async def both() -> list[dict]:
            return list(await asyncio.gather(one_client(), one_client()))

        stats = asyncio.run(both())
        server = sb.stats()
    assert server["requests_total"] == len(granted) == 2 * per_client
    assert server["rate_limited_429"] == 0 and all(s["rate_limited_429"] == 0 for s in stats)
    # The schedule the bucket granted, not arrival times (which bunch on a busy machine):
    # one shared budget holds any second to rate + burst; two private buckets would allow twice that.
    assert busiest_window(granted) <= rate + burst


_ADAPTIVE_CLIENT = """
import asyncio, json, sys
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.warehouse.engine import create_warehouse_engine
from lever_pipeline.warehouse.ratelimit_store import shared_limiter

url, base, key, n = sys.argv[1:5]
limiter = shared_limiter(create_warehouse_engine(url), key, rate=30, burst=2, adaptive=True, floor=6)

async def go():
    async with LeverClient(key, base, limiter=limiter, max_attempts=12) as client:
        for _ in range(int(n)):
            await client.get("/stages/lead-new")
        return client.stats.as_dict()

print(json.dumps({"stats": asyncio.run(go()), "changes": limiter.changes}))
"""


def test_adaptive_rate_is_shared_by_processes_halves_on_429s_and_recovers(engine: Engine, sandbox_factory) -> None:
    per_process = 80
    key = f"k-{uuid.uuid4().hex}"
    with sandbox_factory(rate_limit=10, burst=5, latency_ms=0, api_key=key) as sb:
        args = [engine.url.render_as_string(hide_password=False), sb.base_url, key, str(per_process)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _ADAPTIVE_CLIENT, *args],
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=180) for p in procs]
        server = sb.stats()
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
    runs = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]

    assert server["rate_limited_429"] > 0  # the ceiling (30/s) is above the sandbox's 10/s: it found the limit
    assert server["requests_total"] - server["rate_limited_429"] == 2 * per_process  # every request got through
    assert server["rate_limited_429"] <= 0.25 * 2 * per_process  # halving keeps the 429s few
    changes = [rate for run in runs for rate in run["changes"]]
    halved = [i for run in runs for i, (a, b) in enumerate(itertools.pairwise(run["changes"])) if b < a]
    assert halved, changes
    assert any(b > a for run in runs for a, b in itertools.pairwise(run["changes"][min(halved) :])), (
        changes
    )  # and rose again after a halving while no 429 came back
    assert all(6 <= rate <= 30 for rate in changes)
    with engine.connect() as conn:
        shared = conn.execute(
            sa.select(rate_limit_buckets.c.tat).where(rate_limit_buckets.c.bucket == f"{bucket_name(key)}:rate")
        ).scalar_one()
    assert 6 <= shared <= 30  # one rate, in the warehouse, for both processes
