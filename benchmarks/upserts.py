"""Scenario 5: rows/s of the warehouse bulk upsert versus `pandas.DataFrame.to_sql`.

The same opportunity rows (the sandbox's generated account through `opportunity_row`,
raw JSON as jsonb), the same PostgreSQL, each method in a fresh process, timed around the
write only. Ours upserts in the sync's 2,000-row batches (COPY into staging, then merge
into the indexed table); `to_sql` (default method, chunks of 2,000) only appends into a
new unindexed table. Target: ours ≥ 3 x to_sql.
"""

from __future__ import annotations

from benchmarks.common import ScenarioResult, fmt, measure, scratch_database, server_url


def run(quick: bool) -> ScenarioResult:
    n = 10_000 if quick else 100_000
    result = ScenarioResult("upserts")
    result.settings = {"rows": n, "server": server_url().render_as_string(hide_password=True), "batch": 2000}
    with scratch_database() as db:
        ours = measure("upsert", "--db", db, "--rows", str(n), "--method", "ours")
        again = measure("upsert", "--db", db, "--rows", str(n), "--method", "ours")
        theirs = measure("upsert", "--db", db, "--rows", str(n), "--method", "to_sql")
    ratio = ours["rows_per_s"] / theirs["rows_per_s"]
    result.figures = {"ours": ours, "to_sql": theirs, "ratio": round(ratio, 2), "ours_second_run": again}
    result.add(
        f"upsert {n:,} rows: ours / to_sql",
        f"{fmt(ours['rows_per_s'], 0)} / {fmt(theirs['rows_per_s'], 0)} rows/s = {ratio:.1f}x",
        "≥ 3x",
        ratio >= 3,
        f"ours {ours['wall_s']:.2f} s into an empty table; {fmt(again['rows_per_s'], 0)} rows/s re-upserting "
        f"the same rows; to_sql {theirs['wall_s']:.2f} s (append only)",
    )
    return result
