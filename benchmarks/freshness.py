"""Scenario 7: freshness, how soon a change made in Lever is a row in the warehouse.

Webhook path, as `make dev` runs it: `lever-pipeline dev --activity 5` in its own session,
on free ports, with a scratch warehouse (which also holds the Dagster instance) and a
temporary LEVER_PIPELINE_HOME. Its sandbox runs at Lever's limits (10/s, burst 20, 80 ms)
and makes 5 random opportunity changes a second, each sent as a signed webhook to the
service; the Dagster daemon's `lever_webhook_sensor` launches the targeted refreshes. The
activity is paused until the daemon's first sensor tick (Dagster's start-up is reported,
not measured), then runs for the measured window, then is paused again for a drain.

- **Event sent → row**: from the event's `triggeredAt` (the sandbox stamps it as it
  queues the delivery, right after making the change) to the warehouse row's `synced_at`
  for the first version of that opportunity whose `raw->>'updatedAt'` is at or after the
  change. A poller reads every newly written opportunity version twice a second, so each
  version's `synced_at` is kept even when a later refresh overwrites it. An event whose
  change never reached the warehouse counts as infinitely late.
- **Refresh runs**: launched, and the most queued at once (the Dagster instance's run
  storage polled every second: QUEUED, and in flight = queued, starting or started).
- **Events waiting**: webhook events not yet processed, when the activity stops and after
  the drain.
- **Load**: the machine's 1-minute load average over the window (other work included).

Polling path: 10,000 opportunities (1,000 quick), 1% of them changed through
`/_sandbox/mutate`, and the time each incremental run takes until the changes are in:
ours as the 15-minute `lever_opportunities_sync` runs it (the sync alone, and the whole
Dagster run of that job), and Airbyte's and tap-lever's incremental mode, each with the
state or bookmark from its own first full run. The full runs go to an unlimited copy of the
same account (same seed and size, so the same bytes; LEVER_SANDBOX_ACCOUNT names both),
since a rate-bound full fan-out of 10,000 would take most of an hour; every incremental run
goes to one sandbox at Lever's limits, one after the other, each from the state after the
full run (our warehouse cloned per run). Airbyte's interviews and notes have no incremental
mode: its incremental run re-reads them for every opportunity, so that run is capped and
its finish extrapolated from the requests it still needs.

    uv run python -m benchmarks.run --only freshness [--quick]
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from benchmarks.common import (
    PEERS_DIR,
    SandboxProcess,
    ScenarioResult,
    cloned_database,
    connect,
    free_port,
    measure,
    sandbox_process,
    scratch_database,
    wait_until,
)
from benchmarks.peers import AIRBYTE, TAP, Peer, _configs, _env, install
from lever_pipeline.account.guard import sandbox_account_name
from lever_pipeline.settings import PROJECT_ROOT
from lever_pipeline.warehouse.engine import dagster_storage_url

REFRESH_JOB = "refresh_lever_opportunities_job"
IN_FLIGHT = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")
ACTIVITY = 5.0
#: `triggeredAt` is taken a moment after the change's `updatedAt`; two changes to one
#: opportunity in the same few milliseconds are the only thing this slack could confuse.
STAMP_SLACK_MS = 5
SCHEDULE_INTERVAL_S = 15 * 60
#: Events of a Dagster run that say where its time goes (the first of each kind counts).
RUN_PHASES = (
    "PIPELINE_START", "RUN_START", "STEP_WORKER_STARTING", "STEP_START", "ASSET_MATERIALIZATION", "STEP_SUCCESS",
    "PIPELINE_SUCCESS", "RUN_SUCCESS", "PIPELINE_FAILURE", "RUN_FAILURE",
)  # fmt: skip
SANDBOX_KEY = "sandbox-key"
CORE = "stages,archive_reasons,users,postings,opportunities"
SEED = 7


# --------------------------------------------------------------------------- processes


def _proc_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, session id) for every process on the machine."""
    table: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            table[int(entry.name)] = (int(fields[1]), int(fields[3]))
    return table


def _descendants(root: int) -> set[int]:
    """`root`'s descendants, and every process in a session one of them leads (a run's workers)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    sessions = {table[p][1] for p in found if p in table} - {table.get(root, (0, 0))[1], os.getsid(0)}
    found |= {pid for pid, (_, sid) in table.items() if sid in sessions}
    found.discard(root)
    return found


def _stop_dev(proc: subprocess.Popen) -> None:
    """Stop `lever-pipeline dev` as Ctrl-C would, then kill whatever it started that is left.

    `dev` turns SIGINT into a clean stop of its children's process groups (`dagster dev`
    ignores SIGTERM in the background of a non-interactive shell, so it is never sent
    that). Processes collected before the stop are checked by id afterwards.
    """
    if proc.poll() is not None:
        return
    started = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    for pid in started:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Dev:
    """A running `lever-pipeline dev` and where its parts listen."""

    proc: subprocess.Popen
    log: Path
    sandbox_root: str
    service_url: str
    started: float

    def sandbox(self, method: str, path: str, body: Any = None) -> Any:
        r = httpx.request(method, f"{self.sandbox_root}/_sandbox/{path}", json=body, timeout=30.0)
        r.raise_for_status()
        return r.json()

    def pause_activity(self, paused: bool) -> None:
        self.sandbox("POST", "activity", {"paused": paused})


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This process's environment without any Lever, warehouse or Dagster setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEVER_", "DAGSTER_", "WAREHOUSE_"))}
    return env | extra


@contextmanager
def dev_process(db: str, home: Path, activity: float) -> Iterator[Dev]:
    """`lever-pipeline dev --activity N` on free ports; its activity is paused as soon as it listens."""
    ui, service = free_port(), free_port()
    log = home / "dev.log"
    env = _clean_env({"WAREHOUSE_URL": db, "LEVER_PIPELINE_HOME": str(home)})
    cmd = [
        sys.executable, "-m", "lever_pipeline.cli", "dev", "--port", str(ui), "--service-port", str(service),
        "--activity", str(activity),
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    started = time.monotonic()
    try:
        found: list[str] = []

        def sandbox_listed() -> bool:
            m = re.search(r"Lever sandbox at (http://127\.0\.0\.1:\d+)/v1", log.read_text(errors="replace"))
            if m:
                found.append(m.group(1))
            return bool(m)

        wait_until(sandbox_listed, 300, "lever-pipeline dev: sandbox", proc)
        dev = Dev(proc, log, found[0], f"http://127.0.0.1:{service}", started)
        wait_until(lambda: dev.sandbox("GET", "health")["ok"], 60, "dev sandbox", proc)
        dev.pause_activity(True)
        wait_until(lambda: httpx.get(dev.service_url + "/health", timeout=5).status_code == 200, 300, "service", proc)
        yield dev
    finally:
        _stop_dev(proc)


# --------------------------------------------------------------------------- the poller


@dataclass
class Sample:
    t: float
    queued: int
    in_flight: int
    waiting: int
    load1: float


@dataclass
class Watch:
    """What the poller saw: each opportunity version with its `synced_at`, and the run queue over time."""

    versions: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _waiting(cur: Any) -> int:
    return cur.execute("SELECT count(*) FROM lever_webhook_events WHERE processed_at IS NULL").fetchone()[0]


def _run_counts(cur: Any) -> Counter[str]:
    rows = cur.execute("SELECT status, count(*) FROM runs WHERE pipeline_name = %s GROUP BY status", (REFRESH_JOB,))
    return Counter(dict(rows.fetchall()))


class Poller:
    """Reads new opportunity versions every 0.5 s and the run queue, backlog and load every second."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.watch = Watch()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="freshness-poller", daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        w = self.watch
        since = 0.0
        tick = 0
        with connect(self.db) as conn:
            cur = conn.cursor()
            while not self._stop.is_set():
                now = time.time()
                try:
                    # A transaction's synced_at is its start; one that commits late is still
                    # caught by reading 30 s back.
                    rows = cur.execute(
                        "SELECT id, (raw->>'updatedAt')::bigint, extract(epoch FROM synced_at) "
                        "FROM lever_opportunities WHERE synced_at >= to_timestamp(%s)",
                        (since - 30,),
                    ).fetchall()
                    for oid, updated, synced in rows:
                        w.versions.setdefault((oid, updated), (float(synced), now))
                        since = max(since, float(synced))
                    if tick % 2 == 0:
                        runs = _run_counts(cur)
                        w.samples.append(
                            Sample(
                                now,
                                runs["QUEUED"],
                                sum(runs[s] for s in IN_FLIGHT),
                                _waiting(cur),
                                _load1(),
                            )
                        )
                except psycopg.Error as err:  # a poll lost to a busy database is counted, not fatal
                    w.errors[type(err).__name__] += 1
                    conn.rollback()
                tick += 1
                self._stop.wait(0.5)


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (math.inf counts as the largest value)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _seconds(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.1f} s"


def _latencies(cur: Any, watch: Watch, window: tuple[float, float]) -> dict[str, Any]:
    """Event sent -> row for every event triggered in `window` (epoch seconds)."""
    events = cur.execute(
        "SELECT opportunity_id, event_type, extract(epoch FROM triggered_at), extract(epoch FROM received_at), "
        "extract(epoch FROM processed_at) FROM lever_webhook_events "
        "WHERE triggered_at >= to_timestamp(%s) AND triggered_at < to_timestamp(%s) AND opportunity_id IS NOT NULL",
        window,
    ).fetchall()
    by_opp: dict[str, list[tuple[int, float, float]]] = {}
    for (oid, updated), (synced, seen) in watch.versions.items():
        by_opp.setdefault(oid, []).append((updated, synced, seen))
    to_row: list[float] = []
    to_seen: list[float] = []
    received: list[float] = []
    processed: list[float] = []
    types: Counter[str] = Counter()
    for oid, kind, triggered, got, done in events:
        types[kind] += 1
        t_ms = float(triggered) * 1000
        covering = [(s, seen) for u, s, seen in by_opp.get(oid, []) if u >= t_ms - STAMP_SLACK_MS]
        if covering:
            synced, seen = min(covering)
            to_row.append(max(0.0, synced - float(triggered)))
            to_seen.append(max(0.0, seen - float(triggered)))
        else:
            to_row.append(math.inf)
            to_seen.append(math.inf)
        received.append(float(got) - float(triggered))
        processed.append(math.inf if done is None else float(done) - float(triggered))
    if not events:
        return {"events": 0}
    return {
        "events": len(events),
        "event_types": dict(types),
        "not_in_warehouse": sum(1 for v in to_row if math.isinf(v)),
        "sent_to_row_p50_s": percentile(to_row, 50),
        "sent_to_row_p95_s": percentile(to_row, 95),
        "sent_to_row_max_s": max(to_row),
        "sent_to_poller_saw_row_p50_s": percentile(to_seen, 50),
        "sent_to_poller_saw_row_p95_s": percentile(to_seen, 95),
        "sent_to_received_p50_s": percentile(received, 50),
        "sent_to_received_p95_s": percentile(received, 95),
        "sent_to_processed_p50_s": percentile(processed, 50),
        "sent_to_processed_p95_s": percentile(processed, 95),
    }


def _runs(cur: Any, since: float) -> dict[str, Any]:
    """The refresh runs created since `since`: statuses, queue wait and duration (run storage times)."""
    rows = cur.execute(
        "SELECT status, extract(epoch FROM create_timestamp AT TIME ZONE 'UTC'), start_time, end_time FROM runs "
        "WHERE pipeline_name = %s AND create_timestamp AT TIME ZONE 'UTC' >= to_timestamp(%s) ORDER BY id",
        (REFRESH_JOB, since),
    ).fetchall()
    waits = [float(s) - float(c) for _, c, s, _ in rows if s is not None]
    durations = [float(e) - float(s) for _, _, s, e in rows if s is not None and e is not None]
    return {
        "launched": len(rows),
        "by_status": dict(Counter(r[0] for r in rows)),
        "queue_wait_p50_s": round(statistics.median(waits), 1) if waits else None,
        "duration_p50_s": round(statistics.median(durations), 1) if durations else None,
        "duration_max_s": round(max(durations), 1) if durations else None,
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _breakdown(cur: Any, window: tuple[float, float]) -> dict[str, Any]:
    """Where an event's time goes (medians, seconds): its own timeline, and the refresh runs that settled events."""
    events = cur.execute(
        "SELECT extract(epoch FROM triggered_at), extract(epoch FROM received_at), extract(epoch FROM claimed_at), "
        "extract(epoch FROM processed_at) FROM lever_webhook_events WHERE processed_at IS NOT NULL "
        "AND triggered_at >= to_timestamp(%s) AND triggered_at < to_timestamp(%s)",
        window,
    ).fetchall()
    runs = cur.execute(
        "SELECT extract(epoch FROM r.create_timestamp AT TIME ZONE 'UTC'), r.start_time, r.end_time, "
        "extract(epoch FROM min(e.claimed_at)), extract(epoch FROM max(e.processed_at)), count(*) "
        "FROM lever_webhook_events e JOIN runs r ON r.run_id = e.processed_run_id "
        "WHERE r.start_time IS NOT NULL GROUP BY r.run_id, r.create_timestamp, r.start_time, r.end_time"
    ).fetchall()
    # extract(epoch ...) arrives as Decimal: figures are floats.
    events = [[None if v is None else float(v) for v in row] for row in events]
    floats = [[None if v is None else float(v) for v in row] for row in runs]
    return {
        "event_sent_to_received_s": _median([r - t for t, r, _, _ in events]),
        "event_received_to_claimed_s": _median([c - r for _, r, c, _ in events if c is not None]),
        "event_claimed_to_processed_s": _median([p - c for _, _, c, p in events if c is not None]),
        "run_created_to_started_s": _median([s - c for c, s, *_ in floats]),
        "run_started_to_claim_s": _median([cl - s for _, s, _, cl, _, _ in floats if cl is not None]),
        "run_claim_to_rows_s": _median([p - cl for *_, cl, p, _ in floats if cl is not None and p is not None]),
        "run_rows_to_end_s": _median([e - p for _, _, e, _, p, _ in floats if e is not None and p is not None]),
        "events_per_run": _median([float(n) for *_, n in floats]),
    }


def _failures(cur: Any, since: float) -> list[str]:
    """The first line of each refresh run failure's error since `since` (from the run's event log)."""
    rows = cur.execute(
        "SELECT e.event FROM event_logs e JOIN runs r ON r.run_id = e.run_id "
        "WHERE r.pipeline_name = %s AND e.dagster_event_type IN ('STEP_FAILURE', 'RUN_FAILURE') "
        "AND r.create_timestamp AT TIME ZONE 'UTC' >= to_timestamp(%s) ORDER BY e.id LIMIT 20",
        (REFRESH_JOB, since),
    ).fetchall()
    found: list[str] = []
    for (body,) in rows:
        event = json.loads(body)
        data = (event.get("dagster_event") or {}).get("event_specific_data") or {}
        error = data.get("error") or {}
        text = error.get("message") or event.get("user_message") or ""
        found.append(text.strip().splitlines()[0][:240] if text.strip() else "(no message)")
    return found


def _first_tick(cur: Any) -> bool:
    """Whether the daemon has evaluated a sensor yet (its schedule storage has a tick)."""
    return cur.execute("SELECT EXISTS (SELECT 1 FROM job_ticks)").fetchone()[0]


def webhook_path(result: ScenarioResult, seconds: float, drain_s: float) -> None:
    figures: dict[str, Any] = {"window_s": seconds, "drain_s": drain_s, "activity_per_s": ACTIVITY}
    load_before = _load1()
    home = Path(tempfile.mkdtemp(prefix="lever-bench-freshness-"))
    try:
        with scratch_database() as db, dev_process(db, home, ACTIVITY) as dev, connect(db) as conn:
            cur = conn.cursor()

            def daemon_ticked() -> bool:
                try:
                    return _first_tick(cur)
                except psycopg.errors.UndefinedTable:  # the daemon creates its tables as it starts
                    conn.rollback()
                    return False

            # The warehouse a `make dev` user has: the core streams synced once (the refresh
            # job's blocking check wants every opportunity's stage known).
            box = dev.sandbox("GET", "stats")["config"]
            account = {"LEVER_SANDBOX_ACCOUNT": sandbox_account_name(box["seed"], box["opportunities"])}
            measure("sync", "--base-url", dev.sandbox_root + "/v1", "--api-key", SANDBOX_KEY, "--db", db,
                    "--streams", CORE, env=account)  # fmt: skip
            wait_until(daemon_ticked, 600, "the Dagster daemon's first sensor tick", dev.proc)
            figures["dev_start_to_first_tick_s"] = round(time.monotonic() - dev.started, 1)
            stats0 = dev.sandbox("GET", "stats")
            with Poller(db) as poller:
                t0 = time.time()
                dev.pause_activity(False)
                print(f"   webhook path: activity {ACTIVITY:g}/s for {seconds:.0f} s", flush=True)
                time.sleep(seconds)  # the measured window: the poller thread works meanwhile
                dev.pause_activity(True)
                t1 = time.time()
                at_stop = _waiting(cur)
                stats1 = dev.sandbox("GET", "stats")
                figures["waiting_at_stop"] = at_stop
                figures["sandbox_webhooks_pending_at_stop"] = stats1["webhooks_pending"]
                print(f"   activity stopped; {at_stop} events waiting; draining up to {drain_s:.0f} s", flush=True)
                drained_at = None
                deadline = time.monotonic() + drain_s
                while time.monotonic() < deadline:
                    pending = dev.sandbox("GET", "stats")["webhooks_pending"]
                    if pending == 0 and _waiting(cur) == 0:
                        drained_at = time.time()
                        break
                    time.sleep(0.5)
                if drained_at is None:
                    time.sleep(max(0.0, deadline - time.monotonic()))
                t2 = time.time()
                time.sleep(1.0)  # one more poll of the rows written last
            watch = poller.watch
            stats2 = dev.sandbox("GET", "stats")
            figures["waiting_after_drain"] = _waiting(cur)
            figures["drained_in_s"] = None if drained_at is None else round(drained_at - t1, 1)
            figures["latency"] = _latencies(cur, watch, (t0, t1))
            figures["breakdown"] = _breakdown(cur, (t0, t1))
            figures["runs_in_window"] = _runs(cur, t0 - 1)
            figures["run_failures"] = _failures(cur, t0 - 1)
            figures["all_runs_by_job"] = {
                job: count
                for job, count in cur.execute(
                    "SELECT pipeline_name, count(*) FROM runs WHERE create_timestamp AT TIME ZONE 'UTC' >= "
                    "to_timestamp(%s) GROUP BY pipeline_name",
                    (t0 - 1,),
                ).fetchall()
            }
            window_samples = [s for s in watch.samples if t0 <= s.t <= t1]
            all_samples = [s for s in watch.samples if t0 <= s.t <= t2]
            figures["max_queued"] = max((s.queued for s in all_samples), default=0)
            figures["max_in_flight"] = max((s.in_flight for s in all_samples), default=0)
            figures["max_waiting"] = max((s.waiting for s in all_samples), default=0)
            loads = [s.load1 for s in window_samples]
            figures["load1_before"] = load_before
            figures["load1_mean"] = round(statistics.fmean(loads), 2) if loads else None
            figures["load1_max"] = max(loads, default=None)
            figures["cores"] = os.cpu_count()
            figures["poll_errors"] = dict(watch.errors)
            figures["sandbox"] = {
                "activity_changes": stats1["activity_changes"] - stats0["activity_changes"],
                "webhooks_sent": stats2["webhooks_sent"] - stats0["webhooks_sent"],
                "webhooks_failed": stats2["webhooks_failed"] - stats0["webhooks_failed"],
                "requests": stats2["requests_total"] - stats0["requests_total"],
                "rate_limited_429": stats2["rate_limited_429"] - stats0["rate_limited_429"],
                "requests_by_path": stats2["requests_by_path"],
            }
            figures["samples"] = [
                {"t": round(s.t - t0, 1), "queued": s.queued, "in_flight": s.in_flight, "waiting": s.waiting,
                 "load1": s.load1}
                for s in watch.samples[:: max(1, len(watch.samples) // 120)]
            ]  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result.figures["webhook_path"] = figures
    result.settings["webhook_path"] = {
        "command": f"lever-pipeline dev --activity {ACTIVITY:g} (free ports, scratch warehouse, temporary home)",
        "sandbox": "in dev: 500 opportunities, seed 7, 10/s, burst 20, 80 ms latency",
        "window_s": seconds,
        "drain_s": drain_s,
    }
    _webhook_rows(result, figures)


def _webhook_rows(result: ScenarioResult, f: dict[str, Any]) -> None:
    lat = f["latency"]
    runs = f["runs_in_window"]
    load = f"load average {f['load1_mean']} (max {f['load1_max']}, {f['load1_before']} before) on {f['cores']} cores"
    if not lat.get("events"):
        result.add("webhook: event sent → row", "no events", "p50 ≤ 15 s, p95 ≤ 30 s", False, load)
        return
    missing = lat["not_in_warehouse"]
    note = (
        f"{lat['events']} events in {f['window_s']:.0f} s at {ACTIVITY:g} changes/s; "
        f"{missing} not in the warehouse by the end; delivery p50 {lat['sent_to_received_p50_s'] * 1000:.0f} ms"
    )
    p50, p95 = lat["sent_to_row_p50_s"], lat["sent_to_row_p95_s"]
    result.add("webhook: event sent → row p50", _seconds(p50), "≤ 15 s", p50 <= 15, note)
    result.add(
        "webhook: event sent → row p95", _seconds(p95), "≤ 30 s", p95 <= 30, f"max {_seconds(lat['sent_to_row_max_s'])}"
    )
    result.add(
        "webhook: refresh runs queued at most",
        f"{f['max_queued']} (in flight {f['max_in_flight']})",
        "≤ 2",
        f["max_queued"] <= 2,
        f"{runs['launched']} runs launched {dict(runs['by_status'])}; run p50 {runs['duration_p50_s']} s, "
        f"queue wait p50 {runs['queue_wait_p50_s']} s"
        + (f"; first failure: {f['run_failures'][0]}" if f["run_failures"] else ""),
    )
    b = f["breakdown"]
    result.add(
        "webhook: where an event's time goes (p50)",
        f"wait to be claimed {b['event_received_to_claimed_s']} s, claimed → row {b['event_claimed_to_processed_s']} s",
        "",
        None,
        f"per refresh run (p50): queued and launched {b['run_created_to_started_s']} s, start → claim "
        f"{b['run_started_to_claim_s']} s, claim → rows {b['run_claim_to_rows_s']} s, rows → run end "
        f"{b['run_rows_to_end_s']} s; {b['events_per_run']} events a run",
    )
    drained = "" if f["drained_in_s"] is None else f"; drained in {f['drained_in_s']} s"
    result.add(
        "webhook: events waiting at stop / after drain",
        f"{f['waiting_at_stop']} / {f['waiting_after_drain']}",
        "0 at the end",
        f["waiting_after_drain"] == 0,
        f"drain {f['drain_s']:.0f} s with activity stopped{drained}; most waiting at once {f['max_waiting']}",
    )
    s = f["sandbox"]
    result.add(
        "webhook: machine load during the window",
        f"{f['load1_mean']} (1-min mean)",
        "",
        None,
        f"{load}; runs by job {f['all_runs_by_job']}; sandbox served {s['requests']} requests "
        f"({s['rate_limited_429']} x 429); "
        f"Dagster start-up to first sensor tick {f['dev_start_to_first_tick_s']} s (not measured)",
    )


# --------------------------------------------------------------------------- polling path


@dataclass
class PeerRun:
    wall_s: float
    requests: int
    rate_limited_429: int
    records: dict[str, int]
    changed_seen: int
    capped: bool
    exit_code: int | None
    states: list[dict[str, Any]]
    child_requests: int


#: Per-opportunity paths a peer reads (Airbyte: interviews and notes), as the sandbox counts them.
CHILD_PATHS = ("/v1/opportunities/{id}/interviews", "/v1/opportunities/{id}/notes")


def _run_peer(
    peer: Peer, cmd: list[str], env: dict[str, str], box: SandboxProcess, changed: set[str], cap_s: float, log: Path
) -> PeerRun:
    """Run a peer to the end (or `cap_s`), counting records per stream and the changed opportunities it emitted."""
    before = box.stats()
    records: Counter[str] = Counter()
    seen: set[str] = set()
    states: list[dict[str, Any]] = []
    capped = False
    started = time.perf_counter()
    with log.open("wb") as err, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if b'"RECORD"' in line or b'"STATE"' in line:
                msg = json.loads(line)
                if msg.get("type") == "RECORD":
                    # Singer: {stream, record}; Airbyte: {record: {stream, data}}.
                    stream = msg["stream"] if "stream" in msg else msg["record"]["stream"]
                    data = msg["record"] if "stream" in msg else msg["record"]["data"]
                    records[stream] += 1
                    if stream == "opportunities" and data.get("id") in changed:
                        seen.add(data["id"])
                elif msg.get("type") == "STATE":
                    airbyte = peer.command == AIRBYTE.command
                    states.append(msg.get("state", msg) if airbyte else msg["value"])
            if time.perf_counter() - started > cap_s:
                capped = True
                proc.kill()
                break
        proc.wait(timeout=60)
    wall = time.perf_counter() - started
    after = box.stats()
    return PeerRun(
        round(wall, 2),
        after["requests_total"] - before["requests_total"],
        after["rate_limited_429"] - before["rate_limited_429"],
        dict(records),
        len(seen),
        capped,
        proc.returncode,
        states,
        sum(after["requests_by_path"].get(p, 0) - before["requests_by_path"].get(p, 0) for p in CHILD_PATHS),
    )


def _peer_work(
    peer: Peer, bin_dir: Path, box: SandboxProcess, start: datetime, streams: tuple[str, ...]
) -> tuple[Path, list[str]]:
    """The peer's config and catalog for `streams` (incremental where it can be) in a folder of its own; its command."""
    selected = Peer(peer.name, peer.package, peer.python, peer.command, streams, "", "")
    work = PEERS_DIR / "runs" / f"freshness-{peer.name}-{'-'.join(streams)}"
    work.mkdir(parents=True, exist_ok=True)
    env = _env(bin_dir, box.base_url)
    cmd = _configs(selected, bin_dir, work, box.api_key, start, env)
    if peer.command == AIRBYTE.command:
        _airbyte_incremental_catalog(work / "catalog.json", bin_dir, work, env)
    return work, cmd


def _peer_full(
    peer: Peer, bin_dir: Path, full_box: SandboxProcess, start: datetime, streams: tuple[str, ...]
) -> tuple[Path, PeerRun]:
    """A first full run on `full_box`; returns the state file it leaves (Singer bookmark or Airbyte stream states)."""
    work, cmd = _peer_work(peer, bin_dir, full_box, start, streams)
    full = _run_peer(peer, cmd, _env(bin_dir, full_box.base_url), full_box, set(), 3600, work / "full.log")
    state = work / "state.json"
    if peer.command == AIRBYTE.command:
        # The newest state message per stream, as the Airbyte protocol replays them.
        last: dict[str, dict[str, Any]] = {}
        for msg in full.states:
            last[(msg.get("stream") or {}).get("stream_descriptor", {}).get("name", "")] = msg
        state.write_text(json.dumps(list(last.values())))
    else:
        state.write_text(json.dumps(full.states[-1] if full.states else {}))
    return state, full


def _peer_incremental(peer: Peer, bin_dir: Path, box: SandboxProcess, start: datetime, streams: tuple[str, ...],
                      state: Path, changed: set[str], cap_s: float) -> PeerRun:  # fmt: skip
    """The peer's incremental run on `box` from `state`, to the end or `cap_s`."""
    work, cmd = _peer_work(peer, bin_dir, box, start, streams)
    env = _env(bin_dir, box.base_url)
    return _run_peer(peer, [*cmd, "--state", str(state)], env, box, changed, cap_s, work / "incremental.log")


def _airbyte_incremental_catalog(path: Path, bin_dir: Path, work: Path, env: dict[str, str]) -> None:
    """Switch every stream Airbyte's source can read incrementally to incremental (source-defined cursor)."""
    exe = str(bin_dir / AIRBYTE.command)
    found = subprocess.run([exe, "discover", "--config", str(work / "config.json")], env=env, capture_output=True,
                           timeout=120)  # fmt: skip
    catalog = next(json.loads(ln)["catalog"] for ln in found.stdout.splitlines() if b'"CATALOG"' in ln[:40])
    modes = {s["name"]: s for s in catalog["streams"]}
    configured = json.loads(path.read_text())
    for entry in configured["streams"]:
        stream = modes[entry["stream"]["name"]]
        if "incremental" in stream.get("supported_sync_modes", []):
            entry["sync_mode"] = "incremental"
            entry["destination_sync_mode"] = "append_dedup"
            entry["cursor_field"] = stream.get("default_cursor_field", [])
            entry["primary_key"] = stream.get("source_defined_primary_key", [["id"]])
    path.write_text(json.dumps(configured))


def _ours(box: SandboxProcess, db: str, streams: str, kinds: str, changed: set[str], since_ms: int) -> dict[str, Any]:
    """Our incremental sync in a fresh interpreter on a copy of the synced warehouse; then count the changed rows."""
    env = {"LEVER_SANDBOX_ACCOUNT": sandbox_account_name(SEED, box.settings["opportunities"])}
    with cloned_database(db) as copy:
        before = box.stats()
        out = measure("sync", "--base-url", box.base_url, "--api-key", box.api_key, "--db", copy, "--streams", streams,
                      "--kinds", kinds, "--incremental", env=env)  # fmt: skip
        after = box.stats()
        present = _changed_present(copy, changed, since_ms)
    return {
        "wall_s": round(out["wall_s"], 2),
        "requests": after["requests_total"] - before["requests_total"],
        "rate_limited_429": after["rate_limited_429"] - before["rate_limited_429"],
        "changed_present": present,
        "streams": out["streams"],
        "kinds": out["kinds"],
    }


def _changed_present(db: str, changed: set[str], since_ms: int) -> int:
    with connect(db) as conn:
        return conn.execute(
            "SELECT count(*) FROM lever_opportunities WHERE id = ANY(%s) AND (raw->>'updatedAt')::bigint >= %s",
            (sorted(changed), since_ms),
        ).fetchone()[0]


def _dagster_run(box: SandboxProcess, db: str, changed: set[str], since_ms: int) -> dict[str, Any]:
    """`lever_opportunities_sync` as the schedule launches it: a Dagster run (its own process and step process)."""
    home = Path(tempfile.mkdtemp(prefix="lever-bench-run-"))
    try:
        with cloned_database(db) as copy:
            env = _clean_env({
                "WAREHOUSE_URL": copy,
                "LEVER_API_KEY": box.api_key,
                "LEVER_BASE_URL": box.base_url,
                "LEVER_SANDBOX_ACCOUNT": sandbox_account_name(SEED, box.settings["opportunities"]),
                "LEVER_PIPELINE_HOME": str(home),
                "DAGSTER_HOME": str(PROJECT_ROOT),
                "DAGSTER_PG_URL": dagster_storage_url(make_url(copy)),
                "DAGSTER_ARTIFACTS_DIR": str(home / "storage"),
                "DAGSTER_COMPUTE_LOGS_DIR": str(home / "compute_logs"),
            })  # fmt: skip
            before = box.stats()
            started_at = time.time()
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "dagster", "job", "execute", "-m", "lever_pipeline.definitions",
                 "-j", "lever_opportunities_sync"],
                cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            wall = time.perf_counter() - started
            after = box.stats()
            present = _changed_present(copy, changed, since_ms)
            with connect(copy) as conn:
                # Where the run's time goes, from its own event log (seconds after the process started).
                phases = {
                    kind: round(float(at) - started_at, 1)
                    for kind, at in conn.execute(
                        "SELECT dagster_event_type, extract(epoch FROM min(timestamp) AT TIME ZONE 'UTC') "
                        "FROM event_logs WHERE dagster_event_type = ANY(%s) GROUP BY dagster_event_type",
                        (list(RUN_PHASES),),
                    ).fetchall()
                }
                step_processes = conn.execute(
                    "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_WORKER_STARTING'"
                ).fetchone()[0]
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {
        "wall_s": round(wall, 2),
        "phases_s": phases,
        "step_processes": step_processes,
        "exit_code": proc.returncode,
        "requests": after["requests_total"] - before["requests_total"],
        "changed_present": present,
        "stderr_tail": proc.stderr[-800:] if proc.returncode else "",
    }


def _confidential_changed(box: SandboxProcess, since_ms: int) -> int:
    """How many opportunities changed since `since_ms` are confidential (Lever lists them only when asked)."""
    r = httpx.get(
        box.base_url + "/opportunities",
        params={"confidentiality": "confidential", "updated_at_start": since_ms, "limit": 100},
        auth=(box.api_key, ""),
        timeout=30.0,
    )
    r.raise_for_status()
    return len(r.json()["data"])


def polling_path(result: ScenarioResult, n: int, cap_s: float) -> None:
    changes = n // 100
    start = datetime(2023, 12, 1, tzinfo=UTC)  # before every generated timestamp, as in peers.py
    account = {"LEVER_SANDBOX_ACCOUNT": sandbox_account_name(SEED, n)}
    figures: dict[str, Any] = {"opportunities": n, "changed": changes, "peer_cap_s": cap_s}
    tap_streams = TAP.streams
    airbyte_opps = ("users", "opportunities")
    with (
        sandbox_process(n, rate_limit=0, burst=20, latency_ms=0, seed=SEED) as full_box,
        sandbox_process(n, rate_limit=10, burst=20, latency_ms=80, seed=SEED) as box,
        scratch_database() as db,
    ):
        result.settings["polling_path"] = {
            "incremental_sandbox": box.settings,
            "full_run_sandbox": full_box.settings | {"why": "same account unlimited, for the first full runs"},
            "peer_start_date": start.isoformat(),
            "peer_time_cap_s": cap_s,
        }
        print(f"   polling path: full sync of {n:,} opportunities (ours, on the unlimited copy)", flush=True)
        full = measure(
            "sync", "--base-url", full_box.base_url, "--api-key", full_box.api_key, "--db", db,
            "--streams", CORE, "--kinds", "interviews,notes",
            "--unbounded", env=account,
        )  # fmt: skip
        figures["ours_full_s"] = round(full["wall_s"], 2)
        # Peers' first full runs happen before the change, on the same unlimited copy.
        peers_ready: dict[str, tuple[Path | None, str]] = {}
        for peer in (TAP, AIRBYTE):
            peers_ready[peer.name] = install(peer, timeout_s=600)
        since_ms = int(time.time() * 1000)
        mutation = box.mutate(changes)
        changed = {m["opportunityId"] for m in mutation["mutations"]}
        figures["changed_ids"] = len(changed)
        figures["mutations_by_kind"] = {k: len(v) for k, v in mutation["by_kind"].items()}
        print(f"   {changes} opportunities changed; incremental runs at Lever's limits", flush=True)
        runs: dict[str, Any] = {}
        runs["ours: lever_opportunities_sync (sync)"] = _ours(box, db, "opportunities", "", changed, since_ms)
        runs["ours: lever_opportunities_sync (Dagster run)"] = _dagster_run(box, db, changed, since_ms)
        runs["ours: tap-lever's streams"] = _ours(box, db, ",".join(tap_streams), "", changed, since_ms)
        runs["ours: users, opportunities + interviews, notes"] = _ours(
            box, db, "users,opportunities", "interviews,notes", changed, since_ms
        )
        # Airbyte's interviews and notes are full-refresh streams: its only state is the
        # opportunities cursor, so both its incremental runs start from one full run's state.
        plans = (
            (TAP, tap_streams, tap_streams),
            (AIRBYTE, airbyte_opps, airbyte_opps),
            (AIRBYTE, AIRBYTE.streams, airbyte_opps),
        )
        states: dict[tuple[str, tuple[str, ...]], tuple[Path, PeerRun]] = {}
        for peer, streams, state_streams in plans:
            label = f"{peer.name}: {', '.join(streams)}"
            bin_dir, why = peers_ready[peer.name]
            if bin_dir is None:
                runs[label] = {"skipped": why}
                continue
            print(f"   {label}", flush=True)
            try:
                key = (peer.name, state_streams)
                if key not in states:
                    states[key] = _peer_full(peer, bin_dir, full_box, start, state_streams)
                state, full_run = states[key]
                inc = _peer_incremental(peer, bin_dir, box, start, streams, state, changed, cap_s)
            except (subprocess.SubprocessError, OSError, ValueError, StopIteration, KeyError) as err:
                runs[label] = {"skipped": f"could not run: {type(err).__name__}: {err}"[:300]}
                continue
            runs[label] = {
                "full": vars(full_run) | {"states": len(full_run.states), "streams": state_streams},
                "incremental": vars(inc) | {"states": len(inc.states)},
            }
        figures["runs"] = runs
        figures["changed_confidential"] = _confidential_changed(box, since_ms)
    result.figures["polling_path"] = figures
    _polling_rows(result, figures)


def _polling_rows(result: ScenarioResult, f: dict[str, Any]) -> None:
    changed = f.get("changed_ids", f["changed"])
    hidden = f.get("changed_confidential", 0)
    lines = [
        f"   after {changed} of {f['opportunities']:,} opportunities changed (incremental runs at Lever's limits):"
    ]
    for label, r in f["runs"].items():
        if "skipped" in r:
            result.add(f"polling: {label}", "not run", "", None, r["skipped"])
            lines.append(f"   {label:<55} not run: {r['skipped']}")
            continue
        inc = r.get("incremental", r)
        wall = inc["wall_s"]
        requests = inc["requests"]
        present = inc.get("changed_present", inc.get("changed_seen"))
        value = f"{wall:.1f} s"
        phases = inc.get("phases_s") or {}
        if "ASSET_MATERIALIZATION" in phases:
            # Rows are in when the asset's step reports its materialization; the run goes on with its checks.
            value = f"{phases['ASSET_MATERIALIZATION']:.1f} s to rows, {wall:.1f} s whole run"
        if inc.get("capped"):
            # Interviews and notes are re-read for every opportunity: two requests each.
            needed = 2 * r["full"]["records"].get("opportunities", f["opportunities"])
            done = max(1, inc["child_requests"])
            inc["extrapolated_s"] = round(wall * needed / done, 1)
            value = f"≈ {inc['extrapolated_s']:,.0f} s (capped at {wall:.0f} s, {done:,} of {needed:,} child reads)"
        note = f"{requests} requests, {present}/{changed} changed opportunities seen"
        if present is not None and present < changed and hidden:
            note += f" ({hidden} of the changed are confidential: listed only with confidentiality=all)"
        if "step_processes" in inc:
            note += f"; {inc['step_processes']} step processes (the asset, then each check)"
        if label.startswith("ours: lever_opportunities_sync"):
            note += f"; plus up to {SCHEDULE_INTERVAL_S // 60} min waiting for the schedule"
        if inc.get("exit_code") not in (0, None) and not inc.get("capped"):
            note += f"; exit code {inc['exit_code']}"
        if "full" in r:
            note += f"; state from a full run of {r['full']['wall_s']:.0f} s"
        result.add(f"polling: {label}", value, "", None, note)
        lines.append(f"   {label:<55} {value:>28}  {note}")
    print("\n".join(lines), flush=True)


def run(quick: bool) -> ScenarioResult:
    result = ScenarioResult("freshness")
    # A refresh cycle (queue, start, work) takes up to a minute on a busy 2-core machine:
    # the drain gives the last events two cycles.
    webhook_path(result, seconds=90 if quick else 300, drain_s=120)
    polling_path(result, n=1_000 if quick else 10_000, cap_s=60 if quick else 300)
    return result
