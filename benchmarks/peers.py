"""Scenario 2: the existing Lever connectors on the same sandbox and the same data.

Each peer is installed by this benchmark into its own virtualenv under `benchmarks/.peers/`
(git-ignored) with `uv venv` + `uv pip install`, then run as its users run it, with stdout
(its Singer / Airbyte messages) counted line by line. Neither accepts a base URL, so a
`sitecustomize.py` put on its PYTHONPATH patches `requests`' HTTPAdapter.send to rewrite
`https://api.lever.co/v1` and `https://api.sandbox.lever.co/v1` to the sandbox: their code
is not edited. The sandbox is reset before each run and its counters give the requests.

Like with like: tap-lever reads stages, users, postings, opportunities; ours syncs the same
four streams. Airbyte's source has no stages or postings: it reads users, opportunities and
per-opportunity interviews and notes; ours syncs users, opportunities and the interviews and
notes fan-out. Ours also writes everything to PostgreSQL; theirs only print to stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import PEERS_DIR, ScenarioResult, measure, sandbox_process, scratch_database

SITECUSTOMIZE = '''"""Benchmark shim: send the peer's requests for Lever to the local sandbox."""
import os

import requests.adapters

_TARGET = os.environ["LEVER_BENCH_TARGET"].rstrip("/")
_PREFIXES = ("https://api.lever.co/v1", "https://api.sandbox.lever.co/v1")
_send = requests.adapters.HTTPAdapter.send


def _redirected(self, request, *args, **kwargs):
    for prefix in _PREFIXES:
        if request.url.startswith(prefix):
            request.url = _TARGET + request.url[len(prefix):]
            kwargs["proxies"] = {}
            break
    return _send(self, request, *args, **kwargs)


requests.adapters.HTTPAdapter.send = _redirected
'''

PY311 = shutil.which("python3.11") or "/root/.pyenv/versions/3.11.7/bin/python"
PY310 = "/root/.pyenv/versions/3.10.13/bin/python"


@dataclass(frozen=True)
class Peer:
    name: str
    package: str
    python: str
    command: str
    streams: tuple[str, ...]
    ours_streams: str
    ours_kinds: str


TAP = Peer(
    "tap-lever", "tap-lever==1.1.0", PY311, "tap-lever", ("stages", "users", "postings", "opportunities"),
    "stages,users,postings,opportunities", "",
)  # fmt: skip
AIRBYTE = Peer(
    "airbyte-source-lever-hiring", "airbyte-source-lever-hiring==0.3.1", PY310, "source-lever-hiring",
    ("users", "opportunities", "interviews", "notes"), "users,opportunities", "interviews,notes",
)  # fmt: skip


def install(peer: Peer, timeout_s: float) -> tuple[Path | None, str]:
    """The peer's bin directory, or None and the reason it cannot run here."""
    if not Path(peer.python).exists():
        return None, f"needs {peer.python} (Airbyte's CDK breaks on 3.11), not on this machine"
    venv = PEERS_DIR / peer.name
    exe = venv / "bin" / peer.command
    if exe.exists():
        return venv / "bin", ""
    uv = shutil.which("uv")
    if uv is None:
        return None, "uv not on PATH"
    try:
        subprocess.run([uv, "venv", "-q", "-p", peer.python, str(venv)], check=True, timeout=60, capture_output=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), peer.package],
            check=True,
            timeout=timeout_s,
            capture_output=True,
            text=True,
        )
    except subprocess.TimeoutExpired:
        return None, f"install of {peer.package} took over {timeout_s:.0f} s"
    except subprocess.CalledProcessError as err:
        return None, f"install of {peer.package} failed: {(err.stderr or '').strip()[-300:]}"
    return venv / "bin", ""


def _env(bin_dir: Path, target: str) -> dict[str, str]:
    shim = PEERS_DIR / "redirect"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return env | {"PYTHONPATH": str(shim), "LEVER_BENCH_TARGET": target, "PATH": f"{bin_dir}:{env.get('PATH', '')}"}


def _configs(peer: Peer, bin_dir: Path, work: Path, api_key: str, start: datetime, env: dict[str, str]) -> list[str]:
    """Write the peer's config and catalog (its streams selected); return its read command."""
    exe = str(bin_dir / peer.command)
    config = work / "config.json"
    if peer.command == TAP.command:
        config.write_text(json.dumps({"token": api_key, "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ")}))
        found = subprocess.run([exe, "--config", str(config), "--discover"], env=env, capture_output=True, timeout=120)
        catalog = json.loads(found.stdout)
        for entry in catalog["streams"]:
            chosen = entry["tap_stream_id"] in peer.streams
            for md in entry.get("metadata", []):
                if md.get("breadcrumb") == []:
                    md["metadata"]["selected"] = chosen
        (work / "catalog.json").write_text(json.dumps(catalog))
        return [exe, "--config", str(config), "--catalog", str(work / "catalog.json")]
    config.write_text(
        json.dumps(
            {
                "credentials": {"auth_type": "Api Key", "api_key": api_key},
                "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "environment": "Production",
            }
        )
    )
    found = subprocess.run([exe, "discover", "--config", str(config)], env=env, capture_output=True, timeout=120)
    catalog = next(
        json.loads(line)["catalog"]
        for line in found.stdout.splitlines()
        if line.startswith(b'{"type": "CATALOG"') or b'"CATALOG"' in line[:40]
    )
    configured = {
        "streams": [
            {"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
            for s in catalog["streams"]
            if s["name"] in peer.streams
        ]
    }
    (work / "catalog.json").write_text(json.dumps(configured))
    return [exe, "read", "--config", str(config), "--catalog", str(work / "catalog.json")]


def run_peer(peer: Peer, bin_dir: Path, box, start: datetime, cap_s: float) -> dict:
    work = PEERS_DIR / "runs" / peer.name
    work.mkdir(parents=True, exist_ok=True)
    env = _env(bin_dir, box.base_url)
    cmd = _configs(peer, bin_dir, work, box.api_key, start, env)
    box.reset()
    records: Counter[str] = Counter()
    started = time.perf_counter()
    capped = False
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=open(work / "stderr.log", "wb")) as proc:
        for line in proc.stdout:
            if b'"RECORD"' not in line[:40] and b'"RECORD"' not in line:
                continue
            msg = json.loads(line)
            if msg.get("type") != "RECORD":
                continue
            stream = msg["stream"] if "stream" in msg else msg["record"]["stream"]
            records[stream] += 1
            if time.perf_counter() - started > cap_s:
                capped = True
                proc.kill()
                break
        proc.wait(timeout=60)
    wall = time.perf_counter() - started
    stats = box.stats()
    tail = (work / "stderr.log").read_text(errors="replace")[-600:]
    return {
        "wall_s": round(wall, 2),
        "exit_code": proc.returncode,
        "capped_at_s": cap_s if capped else None,
        "requests": stats["requests_total"],
        "rate_limited_429": stats["rate_limited_429"],
        "records": dict(records),
        "records_total": sum(records.values()),
        "stderr_tail": tail if proc.returncode not in (0, None) and not capped else "",
    }


def run_ours(peer: Peer, box) -> dict:
    box.reset()
    with scratch_database() as db:
        out = measure(
            "sync", "--base-url", box.base_url, "--api-key", box.api_key, "--db", db,
            "--streams", peer.ours_streams, "--kinds", peer.ours_kinds,
        )  # fmt: skip
    stats = box.stats()
    records = {k: v["rows_seen"] for k, v in out["streams"].items()} | {k: v["items"] for k, v in out["kinds"].items()}
    return {
        "wall_s": round(out["wall_s"], 2),
        "requests": stats["requests_total"],
        "rate_limited_429": stats["rate_limited_429"],
        "records": records,
        "records_total": sum(records.values()),
        "peak_rss_mb": round(out["peak_rss_mb"], 1),
    }


def run(quick: bool) -> ScenarioResult:
    n = 50 if quick else 500
    cap_s = 30.0 if quick else 600.0
    result = ScenarioResult("peers")
    # Every generated timestamp lies in the two years before 2026-01-01: this start covers them all.
    start = datetime(2023, 12, 1, tzinfo=UTC)
    with sandbox_process(n, rate_limit=10, burst=20, latency_ms=80) as box:
        result.settings = box.settings | {"start_date": start.isoformat(), "peer_time_cap_s": cap_s}
        for peer in (TAP, AIRBYTE):
            bin_dir, why = install(peer, timeout_s=90 if quick else 600)
            if bin_dir is None:
                print(f"   {peer.name}: skipped: {why}", flush=True)
                result.figures[peer.name] = {"skipped": why}
                result.add(f"{peer.name}: ours faster by", "not run", "≥ 3x", None, why)
                continue
            try:
                theirs = run_peer(peer, bin_dir, box, start, cap_s)
            except (subprocess.SubprocessError, OSError, ValueError, StopIteration) as err:
                why = f"could not run: {type(err).__name__}: {err}"[:300]
                print(f"   {peer.name}: {why}", flush=True)
                result.figures[peer.name] = {"skipped": why}
                result.add(f"{peer.name}: ours faster by", "not run", "≥ 3x", None, why)
                continue
            ours = run_ours(peer, box)
            speedup = theirs["wall_s"] / ours["wall_s"]
            result.figures[peer.name] = {"theirs": theirs, "ours": ours, "speedup": round(speedup, 2)}
            counts_match = all(theirs["records"].get(s, 0) == ours["records"].get(s, 0) for s in peer.streams)
            capped = theirs["capped_at_s"] is not None
            result.add(
                f"{peer.name}: wall theirs / ours",
                f"{theirs['wall_s']} s / {ours['wall_s']} s = {speedup:.1f}x" + (" (theirs capped)" if capped else ""),
                "≥ 3x",
                speedup >= 3 if not capped or speedup >= 3 else None,
                f"requests {theirs['requests']} vs {ours['requests']}; 429s {theirs['rate_limited_429']} vs "
                f"{ours['rate_limited_429']}; records {theirs['records']} vs ours {ours['records']} "
                f"({'match' if counts_match else 'differ'}); ours writes to PostgreSQL, theirs only to stdout",
            )
    return result
