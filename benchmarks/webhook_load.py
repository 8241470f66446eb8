"""Webhook receiver load: how many signed deliveries per second does `lever-pipeline serve` store?

Makes a scratch database (on WAREHOUSE_URL's server, or the embedded one), starts the
service in its own process group (`lever-pipeline serve --workers N` on 127.0.0.1, a free
port), then posts `--count` validly signed deliveries from this process over keep-alive
connections (`--concurrency` at once), 5% of them redeliveries of an event already sent.
Prints deliveries/s, p50/p99/max latency, and whether the rows stored equal the distinct
events sent (zero lost, duplicates stored once). Loopback only; bounded by `--count` and
`--max-seconds`; the scratch database is dropped at the end.

    uv run python benchmarks/webhook_load.py [--count 20000] [--concurrency 64] [--workers 2]
                                             [--duplicates 0.05] [--max-seconds 120]

The load generator is a minimal HTTP/1.1 client on asyncio streams, so it is not the
bottleneck it would be with a general-purpose client.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

import httpx
import orjson
import psycopg
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import URL

from lever_pipeline.lever.webhook_signature import sign
from lever_pipeline.settings import PROJECT_ROOT, get_settings
from lever_pipeline.warehouse import migrate
from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url

TOKEN = "benchmark-signature-token"
EVENT = "candidateStageChange"
PATH = f"/webhooks/lever/{EVENT}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin_conninfo(url: URL) -> dict[str, object]:
    info = {
        "dbname": "postgres",
        "user": url.username or "postgres",
        "password": url.password,
        "host": url.query.get("host") or url.host,
        "port": url.port,
    }
    return {k: v for k, v in info.items() if v is not None}


def bodies(count: int, duplicates: float, seed: int = 7) -> tuple[list[bytes], int]:
    """`count` signed deliveries, a `duplicates` share of them resending an earlier event; and the distinct count."""
    rng = random.Random(seed)
    out: list[bytes] = []
    distinct = 0
    now = int(time.time() * 1000)
    for _ in range(count):
        if out and rng.random() < duplicates:
            out.append(out[rng.randrange(len(out))])
            continue
        nonce = secrets.token_hex(24)
        body = {
            "id": str(uuid.uuid4()),
            "triggeredAt": now,
            "event": EVENT,
            "data": {"opportunityId": str(uuid.uuid4()), "toStageId": "offer", "fromStageId": "lead-new"},
            "token": nonce,
            "signature": sign(TOKEN, nonce, now),
        }
        out.append(orjson.dumps(body))
        distinct += 1
    return out, distinct


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    duplicates_answered: int = 0


async def worker(host: str, port: int, queue: asyncio.Queue[bytes], results: Results, deadline: float) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < deadline:
            try:
                body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            request = (
                f"POST {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: Lever-Webhooks\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            length = next(int(x.split(":", 1)[1]) for x in lines[1:] if x.lower().startswith("content-length:"))
            answer = await reader.readexactly(length)
            results.latencies.append(time.perf_counter() - started)
            results.statuses[status] = results.statuses.get(status, 0) + 1
            if b'"duplicate"' in answer:
                results.duplicates_answered += 1
    finally:
        writer.close()


async def load(
    host: str, port: int, payloads: list[bytes], concurrency: int, max_seconds: float
) -> tuple[Results, float]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for p in payloads:
        queue.put_nowait(p)
    results = Results()
    started = time.perf_counter()
    deadline = time.monotonic() + max_seconds
    await asyncio.gather(*(worker(host, port, queue, results, deadline) for _ in range(concurrency)))
    return results, time.perf_counter() - started


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the service exited with {proc.returncode} before it was ready")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the service did not become ready in time")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="deliveries to post (at most 200000)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="service worker processes")
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args()
    count = max(1, min(args.count, 200_000))

    settings = get_settings()
    server = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    name = f"lever_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**admin_conninfo(server), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scratch = server.set(database=name)
    engine = create_warehouse_engine(scratch)
    proc: subprocess.Popen | None = None
    try:
        migrate.upgrade(engine)
        port = free_port()
        env = {
            **os.environ,
            "WAREHOUSE_URL": scratch.render_as_string(hide_password=False),
            "LEVER_WEBHOOK_TOKENS": orjson.dumps({EVENT: TOKEN}).decode(),
            "SERVICE_API_TOKEN": "benchmark",
        }
        cmd = [
            sys.executable,
            "-m",
            "lever_pipeline.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ]
        proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True, stdout=subprocess.DEVNULL)
        wait_ready(f"http://127.0.0.1:{port}", proc)
        payloads, distinct = bodies(count, args.duplicates)
        # Warm every worker's connection pool and code paths outside the measurement.
        asyncio.run(load("127.0.0.1", port, bodies(200, 0.0, seed=1)[0], args.concurrency, 30.0))
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE lever_webhook_events"))
        results, wall = asyncio.run(load("127.0.0.1", port, payloads, args.concurrency, args.max_seconds))
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM lever_webhook_events")).scalar_one()
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        engine.dispose()
        with psycopg.connect(**admin_conninfo(server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    sent = len(results.latencies)
    complete = sent == count
    print(
        f"cores on this machine: {os.cpu_count()} "
        f"(service workers: {args.workers}; PostgreSQL and this generator share them)"
    )
    print(
        f"deliveries sent: {sent:,} of {count:,} in {wall:.2f} s "
        f"({'complete' if complete else 'stopped at the time bound'})"
    )
    print(f"deliveries/s: {sent / wall:,.0f}")
    print(
        f"latency ms: p50 {percentile(results.latencies, 0.50) * 1000:.2f}, "
        f"p99 {percentile(results.latencies, 0.99) * 1000:.2f}, max {max(results.latencies, default=0) * 1000:.2f}"
    )
    print(f"statuses: {dict(sorted(results.statuses.items()))}; answered duplicate: {results.duplicates_answered:,}")
    expected = distinct if complete else None
    verdict = (
        "yes" if expected is not None and stored == expected else ("n/a (incomplete)" if expected is None else "NO")
    )
    print(f"distinct events sent: {distinct:,}; rows stored: {stored:,}; stored == sent: {verdict}")


if __name__ == "__main__":
    main()
