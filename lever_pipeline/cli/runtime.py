"""What the `lever-pipeline` commands share: settings that fail in one line, the warehouse,
the Lever account and endpoint (configured, or a sandbox started here), the environment the
top-level `dagster.yaml` reads, and child processes that stop cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from lever_pipeline.account.client import lever_account_of
from lever_pipeline.account.guard import LeverAccount, ensure_account, sandbox_account_name
from lever_pipeline.cli.errors import CONFIG_ERROR, CommandError
from lever_pipeline.settings import PROJECT_ROOT, Settings, SettingsError, get_settings
from lever_pipeline.warehouse.engine import dagster_storage_url

if TYPE_CHECKING:
    from lever_pipeline.sandbox.config import SandboxConfig
    from lever_pipeline.sandbox.server import RunningSandbox

#: Size of the sandbox account `demo` and `dev` both start, so they fill one warehouse with
#: one account in any order. Each opportunity costs about six requests at 8/s (feedback,
#: interviews, notes, resumes, files, offers), about 0.75 s, so 50 keep the first demo,
#: dbt build included, near two minutes on two cores; 500 would take seven.
SANDBOX_OPPORTUNITIES = 50


def settings_or_exit() -> Settings:
    """The settings; a bad variable prints one line and exits with status 2, before anything starts."""
    try:
        return get_settings()
    except SettingsError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(CONFIG_ERROR) from None


def open_engine(settings: Settings) -> Engine:
    """The warehouse, migrated to head (starting the embedded server when WAREHOUSE_URL is unset).

    Raises WarehouseUnavailable (one line, exit 2 through `main`) when it cannot be opened.
    """
    from lever_pipeline.warehouse.connect import open_warehouse

    return open_warehouse(settings.warehouse_url, settings.lever_pipeline_home)


def sandbox_for(settings: Settings, **overrides: object) -> SandboxConfig | None:
    """The sandbox a command starts: with no LEVER_API_KEY, SANDBOX_OPPORTUNITIES from seed 7 unless overridden."""
    if not settings.uses_sandbox:
        return None
    from lever_pipeline.sandbox.config import SandboxConfig

    return SandboxConfig(**{"opportunities": SANDBOX_OPPORTUNITIES, **overrides})  # type: ignore[arg-type]


def run_account(settings: Settings, sandbox: SandboxConfig | None) -> LeverAccount | None:
    """The account a command will sync: the sandbox it starts (by seed and size), else the configured one.

    None when there is no account to speak of (no key for a remote Lever: `lever_account_of`).
    """
    if sandbox is None:
        return lever_account_of(settings)
    return LeverAccount.of(
        "http://127.0.0.1/v1", sandbox.api_key, sandbox_account_name(sandbox.seed, sandbox.opportunities)
    )


def claim_account(engine: Engine, settings: Settings, sandbox: SandboxConfig | None) -> LeverAccount | None:
    """Check, before anything starts, that the warehouse mirrors this command's account (or none yet).

    Raises AccountMismatch (one line, exit 2 through `main`) otherwise.
    """
    account = run_account(settings, sandbox)
    if account is not None:
        ensure_account(engine, account)
    return account


@dataclass
class Endpoint:
    """The Lever API a command talks to: variables naming it ({} for the configured one), and our sandbox if any."""

    env: dict[str, str]
    sandbox: RunningSandbox | None = None


@contextmanager
def lever_endpoint(settings: Settings, sandbox: SandboxConfig | None) -> Iterator[Endpoint]:
    """The configured Lever API, or `sandbox` started here for the length of the block.

    The sandbox's environment names its URL, key and account (LEVER_SANDBOX_ACCOUNT). With a
    `webhook_url`, the sandbox signs its deliveries with its own token and the environment
    tells the service to expect it (LEVER_WEBHOOK_SECRET).
    """
    if sandbox is None:
        yield Endpoint({})
        return
    from lever_pipeline.sandbox.server import run_sandbox_in_thread

    with run_sandbox_in_thread(sandbox) as running:
        typer.echo(f"Lever sandbox at {running.base_url} ({sandbox.opportunities} opportunities, seed {sandbox.seed})")
        env = {
            "LEVER_BASE_URL": running.base_url,
            "LEVER_API_KEY": running.api_key,
            "LEVER_SANDBOX_ACCOUNT": sandbox_account_name(sandbox.seed, sandbox.opportunities),
        }
        if sandbox.webhook_url:
            env["LEVER_WEBHOOK_SECRET"] = sandbox.webhook_token
            typer.echo(f"  signed webhooks -> {sandbox.webhook_url}")
        yield Endpoint(env, running)


def dagster_environment(settings: Settings, warehouse: URL) -> dict[str, str]:
    """Variables for a Dagster process on the project's instance (storage in the warehouse)."""
    home = settings.lever_pipeline_home
    (home / "dagster" / "storage").mkdir(parents=True, exist_ok=True)
    (home / "dagster" / "compute_logs").mkdir(parents=True, exist_ok=True)
    return {
        "DAGSTER_HOME": str(PROJECT_ROOT),
        "DAGSTER_PG_URL": settings.dagster_pg_url or dagster_storage_url(warehouse),
        "DAGSTER_ARTIFACTS_DIR": str(home / "dagster" / "storage"),
        "DAGSTER_COMPUTE_LOGS_DIR": str(home / "dagster" / "compute_logs"),
        "LEVER_PIPELINE_HOME": str(home),
    }


def log_file(settings: Settings, command: str) -> Path:
    """A new log file for one run of `command`: LEVER_PIPELINE_HOME/logs/<command>-<UTC time>.log."""
    folder = settings.lever_pipeline_home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{command}-{datetime.now(UTC):%Y%m%d-%H%M%S}.log"


def require_free_port(port: int, host: str, what: str, option: str) -> None:
    """Raise CommandError (exit 2) when `host:port` already has a listener, naming the option to change."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(1.0)
        in_use = sock.connect_ex((host if host not in ("", "0.0.0.0") else "127.0.0.1", port)) == 0
    if in_use:
        raise CommandError(
            f"port {port} on {host} ({what}) is already in use, perhaps by another `lever-pipeline dev`: "
            f"stop it, or choose another with {option}",
            CONFIG_ERROR,
        )


def _as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def take_signals() -> None:
    """Make Ctrl-C and `kill` (SIGTERM) raise KeyboardInterrupt, so clean-up and `atexit` hooks run.

    A SIGTERM left at its default would end the process at once: no child stopped, and the
    embedded server's `atexit` clean-up never run. A background job of a non-interactive
    shell starts with SIGINT ignored, which Python and every child would inherit; restoring
    the handler here also gives children the default disposition, so the SIGINT sent to
    their process groups reaches them.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _as_interrupt)


def ignore_signals() -> None:
    """Ignore Ctrl-C and SIGTERM from here on: a second one (or one forwarded by `uv run`)
    must not cut a clean-up short and orphan a child."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def stop_group(popen: subprocess.Popen, grace: float = 20.0) -> None:
    """Interrupt `popen`'s process group and wait until every process in it has gone.

    Waiting for the whole group, not just its leader, matters: `dagster dev`'s code server
    and run workers use the embedded server, and this process can only be its last user
    once they have exited. Whatever is left after `grace` seconds is killed.
    """
    interrupt_group(popen)
    wait_group(popen, time.monotonic() + grace)


def interrupt_group(popen: subprocess.Popen) -> None:
    """Send SIGINT (Dagster, uvicorn and Celery all shut down cleanly on it) to `popen`'s process group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGINT)


def wait_group(popen: subprocess.Popen, deadline: float) -> None:
    """Wait until `popen` and every process of its group have exited; SIGKILL the group at `deadline`."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(timeout=max(0.1, deadline - time.monotonic()))
    while _group_alive(popen.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _group_alive(popen.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(popen.pid, signal.SIGKILL)
    popen.wait()


def _group_alive(pgid: int) -> bool:
    """True while a process of group `pgid` runs (zombies waiting for a reaper do not count)."""
    import psutil

    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
    return False


def run_foreground(cmd: list[str], env: dict[str, str]) -> int:
    """Run `cmd` until it exits or we are interrupted, then stop its whole process group.

    Returns its exit status, or 0 when we were interrupted (stopping is the normal end).
    """
    # `dagster dev` ignores SIGTERM in a non-interactive background shell; give it its own
    # process group and stop the whole group, so no webserver or daemon is left behind.
    proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        ignore_signals()
        stop_group(proc)
