"""Scenario 3: our own overhead, with the sandbox limiting nothing.

The sandbox (its own process, via the CLI, so its CPU is not counted as ours) has no rate
limit and no latency; the client gets an in-process limiter far above anything reachable.
Each size is synced in a fresh process and a fresh database: users and postings first (as
in any full sync, so the opportunities phase fetches no reference by id), then
opportunities (fetch, stage the pages' JSON, map and upsert in PostgreSQL). In the same
run, the bulk upsert alone (`measure upsert`, the same number of rows already mapped) gives
the rate the opportunities phase is compared with.

Targets: opportunities phase ≥ 0.8 x the bulk-upsert rate; peak RSS at the large size ≤
1.1 x the small. `BENCH_OVERHEAD_SIZES=10000,100000,1000000` adds the million (the sandbox
then needs about 2.2 GB and a minute of CPU to generate it).
"""

from __future__ import annotations

import os

from benchmarks.common import ScenarioResult, fmt, measure, sandbox_process, scratch_database


def _sizes(quick: bool) -> tuple[int, ...]:
    chosen = os.environ.get("BENCH_OVERHEAD_SIZES")
    if chosen:
        return tuple(int(s) for s in chosen.split(",") if s)
    return (2_000, 10_000) if quick else (10_000, 100_000)


def run(quick: bool) -> ScenarioResult:
    sizes = _sizes(quick)
    result = ScenarioResult("overhead")
    rss: dict[int, float] = {}
    for n in sizes:
        with sandbox_process(n, rate_limit=0, burst=20, latency_ms=0) as box:
            result.settings[str(n)] = box.settings
            with scratch_database() as db:
                out = measure(
                    "sync", "--base-url", box.base_url, "--api-key", box.api_key, "--db", db,
                    "--streams", "users,postings,opportunities", "--unbounded",
                )  # fmt: skip
            stats = box.stats()
        with scratch_database() as db:
            bulk = measure("upsert", "--db", db, "--rows", str(min(n, 100_000)), "--method", "ours")
        phase = out["streams"]["opportunities"]
        rows = phase["rows_seen"]
        rate = rows / phase["duration_s"]
        ratio = rate / bulk["rows_per_s"]
        rss[n] = out["peak_rss_mb"]
        result.figures[str(n)] = {
            "opportunities": rows,
            "opportunities_phase_s": phase["duration_s"],
            "opportunities_per_s": round(rate),
            "bulk_upsert_rows_per_s": round(bulk["rows_per_s"]),
            "over_bulk_upsert": round(ratio, 3),
            "wall_s_all_streams": round(out["wall_s"], 2),
            "cpu_s": round(out["cpu_s"], 2),
            "cpu_ms_per_opportunity": round(1000 * out["cpu_s"] / max(1, rows), 3),
            "peak_rss_mb": round(out["peak_rss_mb"], 1),
            "requests": stats["requests_total"],
            "requests_by_path": stats["requests_by_path"],
            "measure": out,
            "bulk_upsert": bulk,
        }
        result.add(
            f"{n:,}: opportunities/s ÷ bulk upsert rows/s",
            f"{fmt(rate, 0)} / {fmt(bulk['rows_per_s'], 0)} = {ratio:.2f}",
            "≥ 0.8",
            ratio >= 0.8,
            f"opportunities phase {phase['duration_s']:.2f} s; all streams: wall {out['wall_s']:.2f} s, "
            f"CPU {out['cpu_s']:.2f} s, peak RSS {out['peak_rss_mb']:.0f} MiB, {stats['requests_total']} requests",
        )
    small, large = sizes[0], sizes[-1]
    ratio = rss[large] / rss[small]
    result.figures["rss_ratio"] = round(ratio, 3)
    result.add(
        f"peak RSS {large:,} / {small:,}",
        f"{rss[large]:.0f} / {rss[small]:.0f} MiB = {ratio:.2f}",
        "≤ 1.1",
        ratio <= 1.1,
    )
    return result
