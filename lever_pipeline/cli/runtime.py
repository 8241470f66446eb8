"""What the `lever-pipeline` commands share: settings that fail in one line, the warehouse,
the Lever endpoint (configured, or a sandbox started here), the environment the top-level
`dagster.yaml` reads, and running child processes that stop cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from lever_pipeline.settings import PROJECT_ROOT, Settings, SettingsError, get_settings
from lever_pipeline.warehouse.engine import dagster_storage_url


def settings_or_exit() -> Settings:
    """The settings; a bad variable prints one line and exits with status 2, before anything starts."""
    try:
        return get_settings()
    except SettingsError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None


def open_engine(settings: Settings) -> Engine:
    """The warehouse, migrated to head (starting the embedded server when WAREHOUSE_URL is unset)."""
    from lever_pipeline.warehouse.connect import open_warehouse

    return open_warehouse(settings.warehouse_url, settings.lever_pipeline_home)


@contextmanager
def lever_endpoint(settings: Settings, **sandbox_overrides: object) -> Iterator[dict[str, str]]:
    """Environment naming the Lever API to use: the configured one, or a sandbox started here.

    With a `webhook_url`, the sandbox signs its deliveries with its own token and the
    environment tells the service to expect it (LEVER_WEBHOOK_SECRET).
    """
    if not settings.uses_sandbox:
        yield {}
        return
    from lever_pipeline.sandbox.config import SandboxConfig
    from lever_pipeline.sandbox.server import run_sandbox_in_thread

    config = SandboxConfig(**sandbox_overrides)  # type: ignore[arg-type]
    with run_sandbox_in_thread(config) as sandbox:
        typer.echo(f"Lever sandbox at {sandbox.base_url} ({config.opportunities} opportunities, seed {config.seed})")
        env = {"LEVER_BASE_URL": sandbox.base_url, "LEVER_API_KEY": sandbox.api_key}
        if config.webhook_url:
            env["LEVER_WEBHOOK_SECRET"] = config.webhook_token
            typer.echo(f"  signed webhooks -> {config.webhook_url}")
        yield env
        env["stats"] = sandbox.stats()  # type: ignore[assignment]


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


def _as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def take_signals() -> None:
    """Make Ctrl-C and `kill` stop this process (and so its children) cleanly.

    A background job of a non-interactive shell starts with SIGINT ignored, which Python
    and every child would inherit; restoring the handler here also gives children the
    default disposition, so the SIGINT sent to their process groups reaches them.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _as_interrupt)


def ignore_signals() -> None:
    """Ignore Ctrl-C and SIGTERM from here on: a second one (or one forwarded by `uv run`)
    must not cut a clean-up short and orphan a child."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def stop_group(popen: subprocess.Popen, grace: float = 20.0) -> None:
    """Interrupt `popen`'s process group; SIGKILL it if it has not exited after `grace` seconds."""
    if popen.poll() is not None:
        return
    os.killpg(popen.pid, signal.SIGINT)
    try:
        popen.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()


def run_foreground(cmd: list[str], env: dict[str, str]) -> None:
    """Run `cmd` until it exits or we are interrupted, then stop its whole process group."""
    # `dagster dev` ignores SIGTERM in a non-interactive background shell; give it its own
    # process group and stop the whole group, so no webserver or daemon is left behind.
    proc = subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True)
    try:
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        ignore_signals()
        stop_group(proc)
