"""One measurement in a fresh interpreter, so its CPU time and peak RSS are its own.

    python -m benchmarks.measure sync --base-url URL --api-key KEY --db URL
                                      [--streams stages,users,postings,opportunities]
                                      [--kinds feedback,interviews] [--incremental] [--unbounded]
                                      [--adaptive --rate 10 --floor 5]
    python -m benchmarks.measure upsert --db URL --rows 100000 --method ours|to_sql

Prints one JSON line: wall and CPU seconds, peak RSS (MiB) and what the run did.
`--unbounded` gives the client an in-process limiter far above the sandbox (overhead mode:
the sandbox limits nothing); without it the client runs at a fixed 8/s through the
shared PostgreSQL limiter, the factory the Dagster assets use. `--adaptive` gives it the
adaptive limiter on the same shared bucket instead (`--rate` the ceiling, `--floor` the
least it falls to, `--start` where it starts); the output then says how often the rate moved and where it ended.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import time
from typing import Any

from lever_pipeline.account.client import open_lever_client
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.settings import load_settings
from lever_pipeline.sync import streams
from lever_pipeline.sync.per_opportunity import sync_children
from lever_pipeline.sync.stream_sync import sync_stream
from lever_pipeline.warehouse.engine import create_warehouse_engine
from lever_pipeline.warehouse.ratelimit_store import shared_limiter

STREAMS = {
    "stages": streams.STAGES,
    "archive_reasons": streams.ARCHIVE_REASONS,
    "users": streams.USERS,
    "postings": streams.POSTINGS,
    "opportunities": streams.OPPORTUNITIES,
}


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024}


async def _sync(args: argparse.Namespace) -> dict[str, Any]:
    engine = create_warehouse_engine(args.db)
    names = [s for s in args.streams.split(",") if s]
    kinds = [k for k in args.kinds.split(",") if k]
    out: dict[str, Any] = {"streams": {}, "kinds": {}}
    cpu0 = _usage()["cpu_s"]
    started = time.perf_counter()
    if args.unbounded:
        client_cm = LeverClient(args.api_key, args.base_url, limiter=RateLimiter(1e6, 1000))
    elif args.adaptive:
        limiter = shared_limiter(
            engine, args.api_key, rate=args.rate, burst=2, adaptive=True, floor=args.floor, start=args.start
        )
        client_cm = LeverClient(args.api_key, args.base_url, limiter=limiter)
    else:
        # The fixed limiter at 8/s (the adaptive default is measured with --adaptive).
        settings = load_settings(
            lever_api_key=args.api_key,
            lever_base_url=args.base_url,
            lever_rate_limit_adaptive=False,
            lever_rate_limit_per_second=8.0,
        )
        client_cm = open_lever_client(settings, engine)
    async with client_cm as client:
        for name in names:
            stats = await sync_stream(client, engine, STREAMS[name], full=not args.incremental)
            out["streams"][name] = {
                "rows_seen": stats.rows_seen,
                "requests": stats.requests,
                "duration_s": round(stats.duration_s, 3),
                "table_rows": stats.table_rows[stats.main_table],
            }
        for kind in kinds:
            cs = await sync_children(client, engine, kind, full=not args.incremental)
            out["kinds"][kind] = {
                "opportunities_done": cs.opportunities.done,
                "items": cs.rows_seen,
                "requests": cs.requests,
                "duration_s": round(cs.duration_s, 3),
            }
        out["client"] = {k: v for k, v in vars(client.stats).items() if isinstance(v, int | float)}
        out["client_rate"] = getattr(client.limiter, "rate", None)
        changes = getattr(client.limiter, "changes", None)
        if changes is not None:
            out["rate_changes"] = len(changes)
            out["rate_halvings"] = sum(1 for a, b in itertools.pairwise(changes) if b < a)
            out["rate_lowest_after_start"] = min(changes) if changes else None
    out["wall_s"] = time.perf_counter() - started
    usage = _usage()
    out["cpu_s"] = usage["cpu_s"] - cpu0
    out["peak_rss_mb"] = usage["peak_rss_mb"]
    engine.dispose()
    return out


def _opportunity_rows(n: int) -> list[dict[str, Any]]:
    import orjson

    from lever_pipeline.sandbox.config import SandboxConfig
    from lever_pipeline.sandbox.store import Store
    from lever_pipeline.sync.rows import opportunity_row

    store = Store(SandboxConfig(opportunities=n, rate_limit=0, latency_ms=0))
    return [opportunity_row(orjson.loads(store.raw(rec))) for rec in store.opps]


def _upsert(args: argparse.Namespace) -> dict[str, Any]:
    import sqlalchemy as sa

    from lever_pipeline.warehouse.tables import lever_opportunities
    from lever_pipeline.warehouse.upsert import upsert_rows

    rows = _opportunity_rows(args.rows)
    engine = create_warehouse_engine(args.db)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE lever_opportunities"))
    batch = 2000  # the batch sync_stream writes
    cpu0 = _usage()["cpu_s"]
    started = time.perf_counter()
    if args.method == "ours":
        for i in range(0, len(rows), batch):
            with engine.begin() as conn:
                upsert_rows(conn, lever_opportunities, rows[i : i + batch])
        table = "lever_opportunities"
    else:
        import pandas as pd
        from sqlalchemy.dialects.postgresql import JSONB

        # The baseline the issue names: DataFrame.to_sql, same columns, raw JSON as jsonb.
        # to_sql cannot upsert, so it appends into a fresh table (no conflict handling at all).
        frame = pd.DataFrame(rows)
        dtype = {
            "raw": JSONB,
            "tags": sa.ARRAY(sa.Text),
            "sources": sa.ARRAY(sa.Text),
            "posting_ids": sa.ARRAY(sa.Text),
        }
        frame.to_sql(
            "bench_to_sql", engine, if_exists="replace", index=False, chunksize=batch, method="multi", dtype=dtype
        )
        table = "bench_to_sql"
    wall = time.perf_counter() - started
    usage = _usage()
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
    engine.dispose()
    return {
        "method": args.method,
        "rows": len(rows),
        "stored": stored,
        "wall_s": wall,
        "rows_per_s": len(rows) / wall,
        "cpu_s": usage["cpu_s"] - cpu0,
        "peak_rss_mb": usage["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sync")
    s.add_argument("--base-url", required=True)
    s.add_argument("--api-key", required=True)
    s.add_argument("--db", required=True)
    s.add_argument("--streams", default="stages,users,postings,opportunities")
    s.add_argument("--kinds", default="")
    s.add_argument("--incremental", action="store_true")
    s.add_argument("--unbounded", action="store_true")
    s.add_argument("--adaptive", action="store_true")
    s.add_argument("--rate", type=float, default=10.0, help="with --adaptive: the ceiling")
    s.add_argument("--floor", type=float, default=2.5, help="with --adaptive: the least the rate falls to")
    s.add_argument("--start", type=float, default=8.0, help="with --adaptive: where a new bucket's rate starts")
    u = sub.add_parser("upsert")
    u.add_argument("--db", required=True)
    u.add_argument("--rows", type=int, default=100_000)
    u.add_argument("--method", choices=("ours", "to_sql"), default="ours")
    args = parser.parse_args()
    out = asyncio.run(_sync(args)) if args.command == "sync" else _upsert(args)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
