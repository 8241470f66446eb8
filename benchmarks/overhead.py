"""Scenario 3: our own overhead, with the sandbox limiting nothing.

The sandbox (its own process, via the CLI, so its CPU is not counted as ours) has no rate
limit and no latency; the client gets an in-process limiter far above anything reachable.
Each size is synced (opportunities: fetch, parse, upsert into PostgreSQL) in a fresh
process and a fresh database, so CPU seconds and peak RSS are that run's alone.
Targets: ≥ 20,000 opportunities/s on 2 cores; peak RSS at the large size ≤ 1.2 x the small.
"""

from __future__ import annotations

from benchmarks.common import ScenarioResult, fmt, measure, sandbox_process, scratch_database


def run(quick: bool) -> ScenarioResult:
    sizes = (2_000, 10_000) if quick else (10_000, 100_000)
    result = ScenarioResult("overhead")
    rss: dict[int, float] = {}
    for n in sizes:
        with sandbox_process(n, rate_limit=0, burst=20, latency_ms=0) as box:
            result.settings[str(n)] = box.settings
            with scratch_database() as db:
                out = measure(
                    "sync", "--base-url", box.base_url, "--api-key", box.api_key, "--db", db,
                    "--streams", "opportunities", "--unbounded",
                )  # fmt: skip
            stats = box.stats()
        rows = out["streams"]["opportunities"]["rows_seen"]
        rate = rows / out["wall_s"]
        rss[n] = out["peak_rss_mb"]
        result.figures[str(n)] = {
            "opportunities": rows,
            "wall_s": round(out["wall_s"], 2),
            "opportunities_per_s": round(rate),
            "cpu_s": round(out["cpu_s"], 2),
            "cpu_share_of_wall": round(out["cpu_s"] / out["wall_s"], 2),
            "peak_rss_mb": round(out["peak_rss_mb"], 1),
            "requests": stats["requests_total"],
            "measure": out,
        }
        result.add(
            f"{n:,} opportunities/s",
            fmt(rate, 0),
            "≥ 20,000/s",
            rate >= 20_000,
            f"wall {out['wall_s']:.2f} s, CPU {out['cpu_s']:.2f} s, peak RSS {out['peak_rss_mb']:.0f} MiB, "
            f"{stats['requests_total']} requests",
        )
    small, large = sizes
    ratio = rss[large] / rss[small]
    result.figures["rss_ratio"] = round(ratio, 3)
    result.add(
        f"peak RSS {large:,} / {small:,}",
        f"{rss[large]:.0f} / {rss[small]:.0f} MiB = {ratio:.2f}",
        "≤ 1.2",
        ratio <= 1.2,
    )
    return result
