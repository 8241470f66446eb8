"""Fan-out rate: does the per-opportunity sync run AT the rate limit, without 429s?

Starts a sandbox with Lever's default limit (10/s, burst 20, 80 ms latency), syncs its
opportunities, then times the fan-out of one per-opportunity kind (default: feedback)
over every opportunity with the client at its default 8/s, through the same shared
(PostgreSQL) limiter the assets use. Prints requests ÷ wall time of the fan-out, the
sandbox's busiest second and its 429 count.

    uv run python benchmarks/fanout_rate.py [--opportunities 2000] [--kinds feedback,interviews]
                                            [--rate 8] [--burst 4] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time
import uuid

import psycopg
import sqlalchemy as sa
from psycopg import sql

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.server import run_sandbox_in_thread
from lever_pipeline.sync import streams
from lever_pipeline.sync.per_opportunity import sync_children
from lever_pipeline.sync.stream_sync import sync_stream
from lever_pipeline.warehouse import migrate
from lever_pipeline.warehouse.engine import create_warehouse_engine
from lever_pipeline.warehouse.ratelimit_store import shared_limiter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=2000)
    parser.add_argument("--kinds", default="feedback")
    parser.add_argument("--rate", type=float, default=8.0)
    parser.add_argument("--burst", type=int, default=4)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    name = f"lever_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.make_url(args.database_url)
    conninfo = {"dbname": admin.database or "postgres", "user": admin.username, "host": admin.host, "port": admin.port}
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    engine = create_warehouse_engine(admin.set(drivername="postgresql+psycopg", database=name))
    try:
        migrate.upgrade(engine)
        config = SandboxConfig(opportunities=args.opportunities, rate_limit=10, burst=20, latency_ms=80)
        with run_sandbox_in_thread(config) as sandbox:
            results = asyncio.run(run(sandbox, engine, args))
        print(json.dumps(results, indent=2))
    finally:
        engine.dispose()
        with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


async def run(sandbox, engine: sa.Engine, args: argparse.Namespace) -> dict:
    limiter = shared_limiter(engine, sandbox.api_key, rate=args.rate, burst=args.burst)
    async with LeverClient(sandbox.api_key, sandbox.base_url, limiter=limiter) as client:
        await sync_stream(client, engine, streams.OPPORTUNITIES, full=True)
        out: dict = {"opportunities": args.opportunities, "client_rate": args.rate, "client_burst": args.burst}
        for kind in args.kinds.split(","):
            before = sandbox.stats()
            started = time.perf_counter()
            stats = await sync_children(client, engine, kind, full=True)
            wall = time.perf_counter() - started
            after = sandbox.stats()
            requests = after["requests_total"] - before["requests_total"]
            out[kind] = {
                "requests": requests,
                "fan_out_wall_s": round(stats.fetch_s, 2),
                "sync_wall_s": round(wall, 2),
                "achieved_rate": round(requests / stats.fetch_s, 2),
                "share_of_client_rate": round(requests / stats.fetch_s / args.rate, 3),
                "share_of_lever_limit_10": round(requests / stats.fetch_s / 10, 3),
                "rate_limited_429": after["rate_limited_429"] - before["rate_limited_429"],
                "client_429s": stats.rate_limited_429,
                "items": stats.rows_seen,
            }
        out["sandbox_peak_requests_1s"] = sandbox.stats()["peak_requests_1s"]
        return out


if __name__ == "__main__":
    main()
