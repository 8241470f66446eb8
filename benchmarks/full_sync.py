"""Scenario 1: a full sync bound by Lever's rate limit.

The sandbox runs at Lever's limits (10/s, burst 20) with 80 ms latency; the client runs at
its defaults (8/s, burst 2, through the shared PostgreSQL limiter). Two runs, each in a
fresh process and a fresh database: the core streams alone, then core + feedback +
interviews (one request per opportunity and kind). The floor is requests ÷ the client's
configured rate; the target is wall ≤ 1.1 x floor with zero 429s.
"""

from __future__ import annotations

import math

from benchmarks.common import ScenarioResult, fmt, measure, sandbox_process, scratch_database

CORE = "stages,archive_reasons,users,postings,opportunities"
PAGE = 100


def minimum_requests(dataset: dict[str, int], kinds: list[str]) -> int:
    """Pages at 100 a page per core stream, plus one request per live opportunity per fanned-out kind."""
    core = sum(
        max(1, math.ceil(dataset[name] / PAGE))
        for name in ("stages", "archive_reasons", "users", "postings", "opportunities")
    )
    return core + len(kinds) * dataset["opportunities"]


def run(quick: bool) -> ScenarioResult:
    n = 50 if quick else 2000
    result = ScenarioResult("full_sync")
    with sandbox_process(n, rate_limit=10, burst=20, latency_ms=80) as box:
        result.settings = box.settings | {"client": "defaults (8/s, burst 2, shared PostgreSQL limiter)"}
        dataset = box.stats()["dataset"]
        for label, kinds in (("core", []), ("core+feedback+interviews", ["feedback", "interviews"])):
            box.reset()
            with scratch_database() as db:
                out = measure(
                    "sync", "--base-url", box.base_url, "--api-key", box.api_key, "--db", db,
                    "--streams", CORE, "--kinds", ",".join(kinds),
                )  # fmt: skip
            stats = box.stats()
            requests = stats["requests_total"]
            rate = out["client_rate"] or 8.0
            floor = requests / rate
            ratio = out["wall_s"] / floor
            r429 = stats["rate_limited_429"]
            result.figures[label] = {
                "wall_s": round(out["wall_s"], 2),
                "requests": requests,
                "minimum_requests": minimum_requests(dataset, kinds),
                "client_rate": rate,
                "floor_s": round(floor, 2),
                "wall_over_floor": round(ratio, 3),
                "achieved_rate": round(requests / out["wall_s"], 2),
                "achieved_over_configured": round(requests / out["wall_s"] / rate, 3),
                "achieved_over_lever_limit_10": round(requests / out["wall_s"] / 10, 3),
                "rate_limited_429": r429,
                "sandbox_peak_requests_1s": stats["peak_requests_1s"],
                "peak_rss_mb": round(out["peak_rss_mb"], 1),
                "cpu_s": round(out["cpu_s"], 2),
                "requests_by_path": stats["requests_by_path"],
                "measure": out,
            }
            f = result.figures[label]
            result.add(
                f"{label}: wall / floor",
                f"{f['wall_s']} s / {f['floor_s']} s = {f['wall_over_floor']}",
                "≤ 1.1, 0 x 429",
                ratio <= 1.1 and r429 == 0,
                f"{requests} requests (min {f['minimum_requests']}), {fmt(f['achieved_rate'], 2)}/s = "
                f"{f['achieved_over_configured']} x configured, {r429} x 429, peak RSS {f['peak_rss_mb']} MiB",
            )
    result.settings["opportunities"] = n
    return result
