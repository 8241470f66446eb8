"""Scenario 1: a full sync bound by Lever's rate limit.

The sandbox runs at Lever's limits (10/s, burst 20) with 80 ms latency; the client runs at
its defaults (8/s, burst 2, through the shared PostgreSQL limiter). Two runs, each in a
fresh process and a fresh database: the core streams alone, then core + feedback +
interviews (one request per opportunity and kind). The floor is requests ÷ the client's
configured rate; the target is wall ≤ 1.1 x floor with zero 429s.

Then the adaptive limiter (ceiling 10/s, Lever's limit; starting at 8/s, the fixed default;
floor 2.5/s) on the same core + feedback + interviews sync: its floor is requests ÷ 10/s, the target wall ≤
1.05 x that with at most a handful (5) of 429s, i.e. never slower than a client that does
not throttle. Last, the shared key: another client takes 3/s of the same key for the whole
run (a thread here, fixed 3/s limiter); ours should settle near the 7/s left, and the
key should see no sustained 429s (≤ 5% of our requests).
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from benchmarks.common import SandboxProcess, ScenarioResult, fmt, measure, sandbox_process, scratch_database
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverError
from lever_pipeline.lever.ratelimit import RateLimiter

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
        result.settings = box.settings | {"client": "fixed 8/s, burst 2, shared PostgreSQL limiter"}
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
        _adaptive(result, box)
    result.settings["opportunities"] = n
    return result


@contextmanager
def other_client(base_url: str, api_key: str, rate: float) -> Iterator[dict[str, int]]:
    """Another client on the same key, asking `rate` requests/s until the block ends; yields its counts."""
    counts = {"requests": 0, "rate_limited_429": 0}
    stop = threading.Event()

    async def loop() -> None:
        async with LeverClient(api_key, base_url, limiter=RateLimiter(rate, 1), max_attempts=1) as client:
            while not stop.is_set():
                with suppress(LeverError):  # a 429 for this client too: counted by its stats, not retried
                    await client.get("/stages/lead-new")
                counts["requests"] = client.stats.requests
                counts["rate_limited_429"] = client.stats.rate_limited_429

    thread = threading.Thread(target=lambda: asyncio.run(loop()), daemon=True)
    thread.start()
    try:
        yield counts
    finally:
        stop.set()
        thread.join(timeout=30)


def _adaptive(result: ScenarioResult, box: SandboxProcess) -> None:
    """The adaptive limiter alone on the key, then with another client taking 3/s of it."""
    kinds = "feedback,interviews"
    for label, competitor in (("adaptive", 0.0), ("adaptive, another client at 3/s", 3.0)):
        box.reset()
        with scratch_database() as db, _maybe_other(box, competitor) as other:
            out = measure(
                "sync", "--base-url", box.base_url, "--api-key", box.api_key, "--db", db,
                "--streams", CORE, "--kinds", kinds, "--adaptive", "--rate", "10", "--floor", "2.5", "--start", "8",
            )  # fmt: skip
        stats = box.stats()
        ours = out["client"]["requests"]
        ours_429 = out["client"]["rate_limited_429"]
        achieved = ours / out["wall_s"]
        figures = {
            "wall_s": round(out["wall_s"], 2),
            "requests": ours,
            "floor_s_at_10": round(ours / 10, 2),
            "wall_over_floor_at_10": round(out["wall_s"] / (ours / 10), 3),
            "achieved_rate": round(achieved, 2),
            "rate_limited_429": ours_429,
            "key_rate_limited_429": stats["rate_limited_429"],
            "rate_changes": out.get("rate_changes"),
            "rate_halvings": out.get("rate_halvings"),
            "final_rate": out.get("client_rate"),
            "other_client": dict(other),
            "sandbox_peak_requests_1s": stats["peak_requests_1s"],
            "measure": out,
        }
        result.figures[label] = figures
        if competitor == 0:
            ratio = figures["wall_over_floor_at_10"]
            result.add(
                "adaptive core+feedback+interviews: wall / (requests ÷ 10/s)",
                f"{figures['wall_s']} s / {figures['floor_s_at_10']} s = {ratio}",
                "≤ 1.05, ≤ 5 x 429",
                ratio <= 1.05 and ours_429 <= 5,
                f"{ours} requests at {fmt(achieved, 2)}/s, {ours_429} x 429, {figures['rate_halvings']} halvings, "
                f"final rate {fmt(figures['final_rate'] or 0, 2)}/s",
            )
        else:
            share = 10 - competitor
            result.add(
                f"adaptive with another client at {competitor:g}/s: our rate",
                f"{fmt(achieved, 2)}/s (left: {share:g}/s)",
                f"≥ {0.85 * share:.2f}/s, 429s ≤ 5% of ours",
                achieved >= 0.85 * share and ours_429 <= 0.05 * ours,
                f"{ours} requests, {ours_429} x 429 for us, {other['rate_limited_429']} for the other client "
                f"({other['requests']} requests), {figures['rate_halvings']} halvings, "
                f"final rate {fmt(figures['final_rate'] or 0, 2)}/s",
            )


@contextmanager
def _maybe_other(box: SandboxProcess, rate: float) -> Iterator[dict[str, int]]:
    if rate <= 0:
        yield {}
        return
    with other_client(box.base_url, box.api_key, rate) as counts:
        yield counts
