"""Scenario 4: an incremental sync after 1% of the opportunities changed, versus the full sync.

Sandbox at Lever's limits (10/s, burst 20, 80 ms), client at its defaults. Core streams,
full, in a fresh database; then `mutate(1% of n)` on the sandbox (stage changes, new
notes, archives... whatever the seeded mix picks) and an incremental sync into the same
database. Requests come from the sandbox's counters. Target: incremental ≤ 2% of full.
A second pair adds the per-opportunity fan-out (feedback + interviews) with the sandbox
unlimited, since a rate-bound full fan-out of 10,000 would take 40 minutes.
"""

from __future__ import annotations

from benchmarks.common import ScenarioResult, measure, sandbox_process, scratch_database

CORE = "stages,archive_reasons,users,postings,opportunities"


def _pair(box, label: str, kinds: str, unbounded: bool, changed: int, result: ScenarioResult) -> None:
    extra = ["--unbounded"] if unbounded else []
    with scratch_database() as db:
        common = ["--base-url", box.base_url, "--api-key", box.api_key, "--db", db, "--streams", CORE, "--kinds", kinds]
        s0 = box.stats()["requests_total"]
        full = measure("sync", *common, *extra)
        s1 = box.stats()["requests_total"]
        mutation = box.mutate(changed)
        s2 = box.stats()["requests_total"]
        inc = measure("sync", *common, *extra, "--incremental")
        s3 = box.stats()["requests_total"]
    full_req, inc_req = s1 - s0, s3 - s2
    share = inc_req / full_req
    result.figures[label] = {
        "full": {"requests": full_req, "wall_s": round(full["wall_s"], 2)},
        "incremental": {"requests": inc_req, "wall_s": round(inc["wall_s"], 2)},
        "mutated": changed,
        "mutations_by_kind": mutation.get("by_kind"),
        "requests_share": round(share, 4),
        "wall_share": round(inc["wall_s"] / full["wall_s"], 4),
        "incremental_streams": inc["streams"],
        "incremental_kinds": inc["kinds"],
    }
    opp_full = full["streams"]["opportunities"]["requests"]
    opp_inc = inc["streams"]["opportunities"]["requests"]
    result.figures[label]["opportunities_stream"] = {"full_requests": opp_full, "incremental_requests": opp_inc}
    if not kinds:
        # What the 15-minute schedule runs: opportunities only (reference lists are nightly).
        result.add(
            "opportunities: incremental / full requests",
            f"{opp_inc} / {opp_full} = {opp_inc / opp_full:.2%}",
            "≤ 2%",
            opp_inc / opp_full <= 0.02,
            f"{changed} mutations; the 15-minute incremental schedule syncs this stream alone",
        )
    result.add(
        f"{label}: incremental / full requests",
        f"{inc_req} / {full_req} = {share:.2%}",
        "≤ 2%" if kinds else "",
        share <= 0.02 if kinds else None,
        f"wall {inc['wall_s']:.1f} s vs {full['wall_s']:.1f} s full; {changed} mutations"
        + ("" if kinds else "; stages, users and archive reasons have no `updated_at` filter and are re-read whole"),
    )


def run(quick: bool) -> ScenarioResult:
    n = 1_000 if quick else 10_000
    result = ScenarioResult("incremental")
    with sandbox_process(n, rate_limit=10, burst=20, latency_ms=80) as box:
        result.settings["rate_bound"] = box.settings | {"client": "defaults"}
        _pair(box, "core", "", False, n // 100, result)
    if not quick:
        with sandbox_process(n, rate_limit=0, burst=20, latency_ms=0) as box:
            result.settings["fan_out"] = box.settings | {"client": "unbounded"}
            _pair(box, "core+feedback+interviews", "feedback,interviews", True, n // 100, result)
    return result
