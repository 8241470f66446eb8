"""`lever-pipeline deploy-local`: the production process picture on one machine.

Starts, each in its own process group: the code location as a gRPC code server, the
Dagster webserver and daemon reading it over gRPC, two Celery workers for step
execution, the webhook service, and (with no LEVER_API_KEY) the sandbox. Refuses to start
when a service it needs is unreachable, and stops everything on Ctrl-C.

The Celery workers run `dagster_celery.app` directly, one process each so steps really run
apart. dagster-celery's own `worker start` would write the workers' config module under the
Dagster instance's root (the project folder); `write_worker_config` writes it under
LEVER_PIPELINE_HOME instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from lever_pipeline.cli.errors import CONFIG_ERROR, CommandError
from lever_pipeline.cli.runtime import (
    claim_account,
    dagster_environment,
    ignore_signals,
    interrupt_group,
    lever_endpoint,
    open_engine,
    require_free_port,
    sandbox_for,
    settings_or_exit,
    take_signals,
    wait_group,
)
from lever_pipeline.settings import PROJECT_ROOT

GRPC_PORT = 4266  # deploy/workspace.yaml names this port


def deploy_local(
    ui_port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
    service_port: Annotated[int, typer.Option(help="Port of the webhook service.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=8, help="Celery worker processes.")] = 2,
) -> None:
    """Run the production process picture on this machine.

    Starts a gRPC code server, the Dagster webserver and daemon, Celery workers and the
    webhook service, each in its own process group (and, with no LEVER_API_KEY, the
    sandbox of `demo` and `dev`).

    Needs RabbitMQ (LEVER_CELERY_BROKER_URL, default 127.0.0.1:5672) and Redis
    (LEVER_CELERY_BACKEND_URL, default 127.0.0.1:6379); refuses to start without them.

    Launch the `lever_sync_on_celery` job from the UI to run steps on the workers.
    Ctrl-C or SIGTERM stops everything.
    """
    from lever_pipeline.warehouse.engine import warehouse_url

    take_signals()
    settings = settings_or_exit()
    broker, backend = settings.lever_celery_broker_url, settings.lever_celery_backend_url
    try:
        require_tcp(
            "RabbitMQ (Celery broker)", broker, "Start it (rabbitmq-server -detached) or set LEVER_CELERY_BROKER_URL."
        )
        require_tcp(
            "Redis (Celery results)",
            backend,
            "Start it (redis-server --daemonize yes) or set LEVER_CELERY_BACKEND_URL.",
        )
    except ServiceUnreachable as err:
        raise CommandError(str(err), CONFIG_ERROR) from None
    require_free_port(ui_port, "127.0.0.1", "the Dagster UI", "--ui-port")
    require_free_port(service_port, "127.0.0.1", "the webhook service", "--service-port")
    require_free_port(GRPC_PORT, "127.0.0.1", "the gRPC code server (deploy/workspace.yaml)", "deploy/workspace.yaml")
    hooks = f"http://127.0.0.1:{service_port}/webhooks/lever/{{event}}"
    sandbox = sandbox_for(settings, activity=0.2, webhook_url=hooks)
    claim_account(open_engine(settings), settings, sandbox)
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    config_dir = write_worker_config(settings.lever_pipeline_home, broker, backend)
    with lever_endpoint(settings, sandbox) as endpoint:
        env = {
            **os.environ,
            **dagster_environment(settings, url),
            **endpoint.env,
            # Dagster's Celery executor reads these at launch; the settings' defaults apply when unset.
            "LEVER_CELERY_BROKER_URL": broker,
            "LEVER_CELERY_BACKEND_URL": backend,
            "PYTHONPATH": os.pathsep.join(p for p in (str(config_dir), os.environ.get("PYTHONPATH", "")) if p),
        }
        procs = plan(env, ui_port=ui_port, service_port=service_port, workers=workers)
        try:
            start(procs, typer.echo)
        except (RuntimeError, KeyboardInterrupt) as err:
            stop(procs)
            if isinstance(err, KeyboardInterrupt):
                raise typer.Exit(0) from None
            raise CommandError(f"deploy-local did not start: {err}") from None
        typer.echo(f"Dagster UI on http://127.0.0.1:{ui_port}; run `lever_sync_on_celery` there. Ctrl-C stops all.")
        code = supervise(procs, typer.echo)
    typer.echo("stopped: every process of the deployment" + (" and the sandbox" if sandbox else ""))
    raise typer.Exit(code)


def write_worker_config(home: Path, broker: str, backend: str) -> Path:
    """Write the `dagster_celery_config` module dagster_celery.app imports; return its folder."""
    folder = home / "celery"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster_celery_config.py").write_text(
        f"broker_url = {broker!r}\nresult_backend = {backend!r}\nworker_hijack_root_logger = False\n"
    )
    return folder


def worker_command(name: str, concurrency: int = 1, loglevel: str = "INFO", queue: str = "dagster") -> list[str]:
    """`celery worker` for Dagster's step queue; `name` must be unique per worker."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "dagster_celery.app",
        "worker",
        "--prefetch-multiplier=1",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        "-Q",
        queue,
        "-n",
        f"{name}@%h",
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
    ]


class ServiceUnreachable(RuntimeError):
    """A service the deployment needs does not answer; the message says which and how to start it."""


@dataclass
class Process:
    """One process of the deployment: its command line, where it answers, and its handle once started."""

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


def plan(env: dict[str, str], *, ui_port: int, service_port: int, workers: int) -> list[Process]:
    """The processes of a local deployment, in start order."""
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


def supervise(procs: list[Process], echo: Callable[[str], None]) -> int:
    """Wait until Ctrl-C, SIGTERM or a process dies; then stop them all. Returns an exit code.

    SIGTERM arrives as KeyboardInterrupt (`take_signals`), so a plain `kill` never orphans a worker.
    """
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
    """Interrupt every process group, wait for each group to empty, SIGKILL what is left after `grace` seconds.

    Further signals are ignored meanwhile: a second Ctrl-C or a forwarded SIGTERM must not
    cut the clean-up short and orphan a worker.
    """
    ignore_signals()
    started = [p.popen for p in procs if p.popen is not None]
    for popen in started:
        interrupt_group(popen)
    deadline = time.monotonic() + grace
    for popen in started:
        wait_group(popen, deadline)
