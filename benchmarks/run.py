"""Run the benchmark scenarios, print one table (met / missed per target), write results.

    uv run python -m benchmarks.run [--quick] [--only full_sync,peers,overhead,incremental,upserts,webhooks,freshness]

Each scenario writes `benchmarks/results/<date>-<scenario>[-quick].json` with its figures,
the sandbox settings and the machine. A scenario that fails is reported with its error
and the others still run. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

from benchmarks.common import RESULTS_DIR, Row, ScenarioResult, machine, write_result

SCENARIOS = ("full_sync", "peers", "overhead", "incremental", "upserts", "webhooks", "freshness")


def table(rows: list[Row]) -> str:
    head = ("scenario", "metric", "value", "target", "verdict", "note")
    cells = [head] + [(r.scenario, r.metric, r.value, r.target, r.verdict, r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head) - 1)]
    lines = []
    for i, c in enumerate(cells):
        lines.append("| " + " | ".join(c[j].ljust(widths[j]) for j in range(len(widths))) + f" | {c[-1]} |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|---|")
    return "\n".join(lines)


def latest_rows(quick: bool) -> list[Row]:
    """Every scenario's rows from its newest result file, so a partial rerun keeps the others."""
    suffix = "-quick" if quick else ""
    rows: list[Row] = []
    for name in SCENARIOS:
        files = sorted(RESULTS_DIR.glob(f"????-??-??-{name}{suffix}.json"))
        if files:
            for r in json.loads(files[-1].read_text())["rows"]:
                rows.append(Row(r["scenario"], r["metric"], r["value"], r["target"], r["met"], r["note"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about two minutes")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    args = parser.parse_args()
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")

    rows: list[Row] = []
    started = time.perf_counter()
    for name in chosen:
        t0 = time.perf_counter()
        print(f"== {name} ...", flush=True)
        try:
            result: ScenarioResult = importlib.import_module(f"benchmarks.{name}").run(args.quick)
        except Exception as err:  # one broken scenario must not hide the others' figures
            traceback.print_exc()
            result = ScenarioResult(name, skipped=f"failed: {type(err).__name__}: {err}"[:300])
        if result.skipped and not result.rows:
            result.add("-", "not run", note=result.skipped)
        path = write_result(result, args.quick)
        rows.extend(result.rows)
        print(f"== {name} done in {time.perf_counter() - t0:.0f} s -> {path.relative_to(Path.cwd())}", flush=True)

    m = machine()
    print()
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, "
        f"{m['platform']}; total {time.perf_counter() - started:.0f} s{' (quick)' if args.quick else ''}"
    )
    print(table(rows))
    summary = RESULTS_DIR / ("latest-quick.md" if args.quick else "latest.md")
    summary.write_text(
        f"machine: `{json.dumps({k: m[k] for k in ('cores', 'cpu', 'memory_gb', 'python')})}`\n\n"
        f"{table(latest_rows(args.quick))}\n"
    )
    missed = [r for r in rows if r.met is False]
    print(f"\n{len([r for r in rows if r.met])} targets met, {len(missed)} missed")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
