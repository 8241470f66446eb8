"""`lever-pipeline deploy-local`: the production process picture on one machine.

Starts, each in its own process group: the code location as a gRPC code server, the
Dagster webserver and daemon reading it over gRPC, two Celery workers for step
execution, the webhook service, and (with no LEVER_API_KEY) the sandbox. Refuses to start
when a service it needs is unreachable, and stops everything on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lever_pipeline.settings import PROJECT_ROOT


class ServiceUnreachable(RuntimeError):
    """A service the deployment needs does not answer; the message says which and how to start it."""


@dataclass
class Process:
    name: str
    command: list[str]
    address: str
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen | None = None


def require_tcp(name: str, url: str, hint: str, timeout: float = 2.0) -> None:
    """Raise `ServiceUnreachable` unless `url`'s host:port accepts a TCP connection."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as err:
        raise ServiceUnreachable(f"{name} is not reachable at {host}:{port} ({err.strerror or err}). {hint}") from None


GRPC_PORT = 4266  # deploy/workspace.yaml names this port


def plan(env: dict[str, str], *, ui_port: int, service_port: int, workers: int, service: bool) -> list[Process]:
    """The processes of a local deployment, in start order."""
    from lever_pipeline.deploy.celery_worker import worker_command

    py = sys.executable
    grpc_port = GRPC_PORT
    workspace = str(PROJECT_ROOT / "deploy" / "workspace.yaml")
    procs = [
        Process(
            "code-server",
            [
                py,
                "-m",
                "dagster",
                "code-server",
                "start",
                "-m",
                "lever_pipeline.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(grpc_port),
                "--location-name",
                "lever_pipeline",
            ],
            f"grpc://127.0.0.1:{grpc_port}",
        ),
        Process(
            "webserver",
            [py, "-m", "dagster_webserver", "-w", workspace, "-h", "127.0.0.1", "-p", str(ui_port)],
            f"http://127.0.0.1:{ui_port}",
        ),
        Process("daemon", [str(Path(py).parent / "dagster-daemon"), "run", "-w", workspace], "-"),
    ]
    procs += [
        Process(f"celery-worker-{i}", worker_command(f"lever-worker-{i}"), "queue dagster")
        for i in range(1, workers + 1)
    ]
    if service:
        procs.append(
            Process(
                "webhook-service",
                [py, "-m", "lever_pipeline.cli", "serve", "--port", str(service_port)],
                f"http://127.0.0.1:{service_port}",
            )
        )
    for proc in procs:
        proc.env = dict(env)
    return procs


def wait_for_port(port: int, proc: Process, timeout: float = 180.0) -> None:
    """Block until `port` on 127.0.0.1 accepts connections; fail if `proc` dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen is not None and proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{proc.name} did not listen on port {port} within {timeout:.0f} s")


def start(procs: list[Process], echo: Callable[[str], None]) -> None:
    """Start every process; the code server first, as the webserver and daemon load it over gRPC."""
    for proc in procs:
        proc.popen = subprocess.Popen(proc.command, env=proc.env, cwd=PROJECT_ROOT, start_new_session=True)
        if proc.name == "code-server":
            echo("loading the code location in the gRPC code server...")
            wait_for_port(GRPC_PORT, proc)
    echo(f"{'process':<18} {'pid':>7}  address")
    for proc in procs:
        echo(f"{proc.name:<18} {proc.popen.pid:>7}  {proc.address}")  # type: ignore[union-attr]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def supervise(procs: list[Process], echo: Callable[[str], None]) -> int:
    """Wait until Ctrl-C, SIGTERM or a process dies; then stop them all. Returns an exit code."""
    signal.signal(signal.SIGTERM, _interrupt)  # a plain `kill` must not orphan the workers
    try:
        while True:
            for proc in procs:
                if proc.popen is not None and proc.popen.poll() is not None:
                    echo(f"{proc.name} exited with {proc.popen.returncode}; stopping the rest")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        echo("stopping...")
        return 0
    finally:
        stop(procs)


def stop(procs: list[Process], grace: float = 10.0) -> None:
    """Interrupt every process group, then SIGKILL what is still there after `grace` seconds.

    Further signals are ignored meanwhile: a second Ctrl-C or a forwarded SIGTERM must not
    cut the clean-up short and orphan a worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    live = [p.popen for p in procs if p.popen is not None and p.popen.poll() is None]
    for popen in live:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGINT)  # Dagster and Celery both shut down cleanly on it
    deadline = time.monotonic() + grace
    for popen in live:
        try:
            popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
