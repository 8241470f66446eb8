"""What every scenario shares: the sandbox in its own process, a scratch database,
measurements in fresh subprocesses, the machine description and the result files.

Nothing here talks to anything but 127.0.0.1, and every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from lever_pipeline.settings import PROJECT_ROOT, get_settings
from lever_pipeline.warehouse import migrate
from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PEERS_DIR = BENCH_DIR / ".peers"
PACKAGES = ("lever-pipeline", "dagster", "sqlalchemy", "psycopg", "httpx", "orjson", "pandas", "uvicorn")


@dataclass
class Row:
    """One line of the printed table: a figure and, where the issue sets one, its target."""

    scenario: str
    metric: str
    value: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "MISSED")


@dataclass
class ScenarioResult:
    name: str
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""

    def add(self, metric: str, value: str, target: str = "", met: bool | None = None, note: str = "") -> None:
        self.rows.append(Row(self.name, metric, value, target, met, note))


def machine() -> dict[str, Any]:
    """Cores, memory, Python and package versions of this machine."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    cpu_model = ""
    with suppress(OSError):
        cpu_model = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if "model name" in ln
            ),
            "",
        )
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def write_result(result: ScenarioResult, quick: bool) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    suffix = "-quick" if quick else ""
    path = RESULTS_DIR / f"{stamp}-{result.name}{suffix}.json"
    body = {
        "scenario": result.name,
        "quick": quick,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "skipped": result.skipped or None,
        "rows": [asdict(r) | {"verdict": r.verdict} for r in result.rows],
        "figures": result.figures,
        "sandbox_and_settings": result.settings,
        "machine": machine(),
    }
    path.write_text(json.dumps(body, indent=2, default=str) + "\n")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout_s: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready within {timeout_s:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@dataclass
class SandboxProcess:
    """A sandbox started with `lever-pipeline sandbox` in its own process (its CPU is not ours)."""

    root_url: str
    api_key: str
    settings: dict[str, Any]

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        r = httpx.request(method, f"{self.root_url}/_sandbox/{path}", json=body, timeout=300.0)
        r.raise_for_status()
        return r.json()

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "stats")

    def mutate(self, n: int, kinds: list[str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"count": n}
        if kinds:
            body["kinds"] = kinds
        return self._control("POST", "mutate", body)

    def reset(self) -> dict[str, Any]:
        return self._control("POST", "reset")


@contextmanager
def sandbox_process(
    opportunities: int, *, rate_limit: float, burst: int, latency_ms: float, seed: int = 7
) -> Iterator[SandboxProcess]:
    port = free_port()
    settings = {
        "opportunities": opportunities,
        "rate_limit": rate_limit,
        "burst": burst,
        "latency_ms": latency_ms,
        "seed": seed,
        "process": "separate (lever-pipeline sandbox)",
    }
    cmd = [
        sys.executable, "-m", "lever_pipeline.cli", "sandbox", "--port", str(port), "--seed", str(seed),
        "--opportunities", str(opportunities), "--rate-limit", str(rate_limit), "--burst", str(burst),
        "--latency-ms", str(latency_ms),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    box = SandboxProcess(f"http://127.0.0.1:{port}", "sandbox-key", settings)
    try:
        wait_until(lambda: box.stats() is not None, 600, "sandbox", proc)
        yield box
    finally:
        stop(proc)


def server_url() -> URL:
    """The PostgreSQL server benchmarks use: BENCH_DATABASE_URL, else the warehouse's (embedded by default)."""
    configured = os.environ.get("BENCH_DATABASE_URL")
    settings = get_settings()
    return warehouse_url(configured or settings.warehouse_url, settings.lever_pipeline_home)


def _conninfo(url: URL) -> dict[str, Any]:
    info = {
        "dbname": url.database or "postgres",
        "user": url.username,
        "password": url.password,
        "host": url.host,
        "port": url.port,
    }
    info.update(url.query)  # the embedded server is reached through a socket directory (?host=...)
    return {k: v for k, v in info.items() if v}


@contextmanager
def scratch_database() -> Iterator[str]:
    """A throwaway database migrated to head; yields its URL (password included) and drops it after."""
    server = server_url()
    name = f"lever_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_conninfo(server), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = server.set(database=name)
    try:
        engine = create_warehouse_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**_conninfo(server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def cloned_database(url: str) -> Iterator[str]:
    """A copy of the database at `url` (PostgreSQL's `CREATE DATABASE … TEMPLATE`), dropped after.

    Nothing may be connected to `url` while it is copied. Lets several runs start from
    the same synced state without syncing it again.
    """
    original = make_url(url)
    name = f"lever_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_conninfo(original.set(database="postgres")), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(original.database))
        )
    try:
        yield original.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**_conninfo(original.set(database="postgres")), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def connect(url: str) -> psycopg.Connection:
    """An autocommit psycopg connection to a database URL as `scratch_database` yields it."""
    return psycopg.connect(**_conninfo(make_url(url)), autocommit=True)


def measure(*args: str, timeout_s: float = 1500, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `benchmarks.measure` in a fresh interpreter (so peak RSS and CPU are this run's) and return its JSON."""
    cmd = [sys.executable, "-m", "benchmarks.measure", *args]
    proc = subprocess.run(
        cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout_s, env={**os.environ, **(env or {})}
    )
    if proc.returncode != 0:
        raise RuntimeError(f"measurement {' '.join(args[:1])} failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"
