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

Fidelity: each peer then reads the sandbox with every stream it offers selected (tap-lever's
16, Airbyte's 7), and must exit 0 with no error line (a log or trace message at ERROR, or
ERROR/CRITICAL/Traceback on stderr) and, per stream, as many records as the sandbox's
dataset holds for what Lever lists by default: confidential opportunities, postings and
requisitions (and their candidates and sub-resources) only on request, deactivated users
only with `includeDeactivated` (Airbyte asks for them, tap-lever does not). The table of
stream, peer count, sandbox count and the note explaining any difference is printed and kept
in the result's figures.
"""

from __future__ import annotations

import json
import os
import re
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


def _configs(
    peer: Peer,
    bin_dir: Path,
    work: Path,
    api_key: str,
    start: datetime,
    env: dict[str, str],
    every_stream: bool = False,
) -> list[str]:
    """Write the peer's config and catalog (its streams selected, or with `every_stream` all
    it offers); return its read command."""
    exe = str(bin_dir / peer.command)
    config = work / "config.json"
    if peer.command == TAP.command:
        config.write_text(json.dumps({"token": api_key, "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ")}))
        found = subprocess.run([exe, "--config", str(config), "--discover"], env=env, capture_output=True, timeout=120)
        catalog = json.loads(found.stdout)
        for entry in catalog["streams"]:
            chosen = every_stream or entry["tap_stream_id"] in peer.streams
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
            if every_stream or s["name"] in peer.streams
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


#: Per peer stream: where its expected count lives in the sandbox's dataset, and what Lever
#: default explains a difference from the account's total. ("nc", kind) is the count among
#: what a list shows by default (non-confidential); ("all", key) the account's total.
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    TAP.name: {
        "archive_reasons": ("all", "archive_reasons"),
        "candidates": ("nc", "candidates"),
        "candidate_applications": ("nc", "applications"),
        "candidate_offers": ("nc", "offers"),
        "candidate_referrals": ("nc", "referrals"),
        "candidate_resumes": ("nc", "resumes"),
        "opportunities": ("nc", "opportunities"),
        "opportunity_applications": ("nc", "applications"),
        "opportunity_offers": ("nc", "offers"),
        "opportunity_referrals": ("nc", "referrals"),
        "opportunity_resumes": ("nc", "resumes"),
        "postings": ("nc", "postings"),
        "requisitions": ("nc", "requisitions"),
        "sources": ("all", "sources"),
        "stages": ("all", "stages"),
        "users": ("all", "active_users"),
    },
    AIRBYTE.name: {
        "applications": ("nc", "applications"),
        "interviews": ("nc", "interviews"),
        "notes": ("nc", "notes"),
        "offers": ("nc", "offers"),
        "opportunities": ("nc", "opportunities"),
        "referrals": ("nc", "referrals"),
        "users": ("all", "users"),
    },
}
#: The account totals behind a default-filtered count, for the note.
_TOTAL_OF = {"candidates": "opportunities"}
_ERROR_LINE = re.compile(rb"\b(ERROR|CRITICAL|FATAL)\b|Traceback \(most recent call last\)")


def _error_message(msg: dict) -> str | None:
    """The text of an Airbyte LOG or TRACE message at error level, else None."""
    if msg.get("type") == "LOG" and msg.get("log", {}).get("level") in ("ERROR", "FATAL"):
        return str(msg["log"].get("message", ""))[:200]
    if msg.get("type") == "TRACE" and msg.get("trace", {}).get("type") == "ERROR":
        return str(msg["trace"].get("error", {}).get("message", ""))[:200]
    return None


def read_every_stream(peer: Peer, bin_dir: Path, box, start: datetime, cap_s: float) -> dict:
    """Run the peer with every stream it offers on a freshly reset sandbox; count records per
    stream and collect error lines (stdout messages at error level, and stderr)."""
    work = PEERS_DIR / "runs" / f"{peer.name}-every-stream"
    work.mkdir(parents=True, exist_ok=True)
    env = _env(bin_dir, box.base_url)
    cmd = _configs(peer, bin_dir, work, box.api_key, start, env, every_stream=True)
    catalog = json.loads((work / "catalog.json").read_text())["streams"]
    offered = sorted(e.get("tap_stream_id") or e["stream"]["name"] for e in catalog)
    dataset = box.reset()["dataset"]
    records: Counter[str] = Counter()
    errors: list[str] = []
    started = time.perf_counter()
    capped = False
    with (
        open(work / "stderr.log", "wb") as stderr,
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=stderr) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            if not line.startswith(b"{"):
                continue
            msg = json.loads(line)
            if msg.get("type") == "RECORD":
                records[msg["stream"] if "stream" in msg else msg["record"]["stream"]] += 1
            elif (err := _error_message(msg)) is not None:
                errors.append(err)
            if time.perf_counter() - started > cap_s:
                capped = True
                proc.kill()
                break
        proc.wait(timeout=60)
    for raw in (work / "stderr.log").read_bytes().splitlines():
        if _ERROR_LINE.search(raw):
            errors.append(raw.decode(errors="replace")[:200])
    stats = box.stats()
    return {
        "streams_offered": offered,
        "exit_code": proc.returncode,
        "capped_at_s": cap_s if capped else None,
        "wall_s": round(time.perf_counter() - started, 2),
        "requests": stats["requests_total"],
        "rate_limited_429": stats["rate_limited_429"],
        "error_lines": errors[:20],
        "error_line_count": len(errors),
        "table": fidelity_table(peer, offered, records, dataset),
    }


def fidelity_table(peer: Peer, offered: list[str], records: Counter[str], dataset: dict) -> list[dict]:
    """One row per offered stream: the peer's count, the sandbox's, and why they may differ."""
    rows = []
    for stream in offered:
        where, key = EXPECTED.get(peer.name, {}).get(stream, ("", ""))
        if not where:
            rows.append({"stream": stream, "peer": records[stream], "sandbox": None, "note": "no expectation"})
            continue
        expected = dataset["non_confidential"][key] if where == "nc" else dataset[key]
        note = ""
        if where == "nc":
            total = dataset[_TOTAL_OF.get(key, key)]
            if total != expected:
                note = (
                    f"of {total}: Lever lists confidential data only with confidentiality=all|confidential; "
                    f"{total - expected} hidden by default"
                )
        elif key == "active_users" and dataset["users"] != expected:
            note = f"of {dataset['users']}: Lever lists deactivated users only with includeDeactivated=true"
        rows.append({"stream": stream, "peer": records[stream], "sandbox": expected, "note": note})
    return rows


def print_table(peer: Peer, rows: list[dict]) -> None:
    """The fidelity table as a Markdown table on stdout."""
    print(f"\n   {peer.name}, every stream:", flush=True)
    print("   | stream | peer count | sandbox count | note |")
    print("   |---|---|---|---|")
    for r in rows:
        mark = "" if r["peer"] == r["sandbox"] else " (differs)"
        print(f"   | {r['stream']} | {r['peer']} | {r['sandbox']}{mark} | {r['note']} |", flush=True)


def _fidelity_row(result: ScenarioResult, peer: Peer, f: dict) -> None:
    matching = sum(1 for r in f["table"] if r["peer"] == r["sandbox"])
    n = len(f["table"])
    ok = f["exit_code"] == 0 and f["error_line_count"] == 0 and matching == n and f["capped_at_s"] is None
    result.add(
        f"{peer.name}: every stream ({n})",
        f"exit {f['exit_code']}, {f['error_line_count']} error lines, {matching}/{n} streams match",
        "exit 0, no errors, counts = sandbox",
        ok,
        f"{f['requests']} requests in {f['wall_s']} s"
        + (f"; capped at {f['capped_at_s']:.0f} s" if f["capped_at_s"] else "")
        + (f"; first error: {f['error_lines'][0]}" if f["error_lines"] else ""),
    )


def run(quick: bool) -> ScenarioResult:
    n = 50 if quick else 500
    cap_s = 30.0 if quick else 600.0
    every_cap_s = 900.0 if quick else 2400.0
    result = ScenarioResult("peers")
    # Every generated timestamp lies in the two years before 2026-01-01: this start covers them all.
    start = datetime(2023, 12, 1, tzinfo=UTC)
    with sandbox_process(n, rate_limit=10, burst=20, latency_ms=80) as box:
        result.settings = box.settings | {
            "start_date": start.isoformat(),
            "peer_time_cap_s": cap_s,
            "every_stream_time_cap_s": every_cap_s,
        }
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
            fidelity = read_every_stream(peer, bin_dir, box, start, every_cap_s)
            print_table(peer, fidelity["table"])
            _fidelity_row(result, peer, fidelity)
            ours = run_ours(peer, box)
            speedup = theirs["wall_s"] / ours["wall_s"]
            result.figures[peer.name] = {
                "theirs": theirs,
                "ours": ours,
                "speedup": round(speedup, 2),
                "every_stream": fidelity,
            }
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
