"""`lever-pipeline dev`: `dagster dev` on the project's instance, with the webhook service beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer

from lever_pipeline.cli.runtime import (
    dagster_environment,
    lever_endpoint,
    open_engine,
    run_foreground,
    settings_or_exit,
    stop_group,
    take_signals,
)
from lever_pipeline.settings import PROJECT_ROOT


def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Interface the UI listens on.")] = "127.0.0.1",
    service_port: Annotated[int, typer.Option(help="Port of the webhook service started alongside.")] = 8000,
    activity: Annotated[
        float, typer.Option(help="Sandbox only: random opportunity changes per second, sent as signed webhooks.")
    ] = 0.5,
) -> None:
    """Start the Dagster UI and daemon on the project's instance, plus the webhook service.

    With no LEVER_API_KEY a sandbox runs too, changing opportunities live and delivering
    signed webhooks to the service, so the sensor's refresh runs show up in the UI.
    """
    from lever_pipeline.warehouse.engine import warehouse_url

    take_signals()
    settings = settings_or_exit()
    open_engine(settings)  # schema up to date, and this process keeps the embedded server up
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    hooks = f"http://127.0.0.1:{service_port}/webhooks/lever/{{event}}"
    with lever_endpoint(settings, activity=activity, webhook_url=hooks) as lever_env:
        env = {**os.environ, **dagster_environment(settings, url), **lever_env}
        service = subprocess.Popen(
            [sys.executable, "-m", "lever_pipeline.cli", "serve", "--port", str(service_port)],
            env=env,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
        cmd = [
            sys.executable,
            "-m",
            "dagster",
            "dev",
            "-w",
            str(PROJECT_ROOT / "workspace.yaml"),
            "-h",
            host,
            "-p",
            str(port),
        ]
        typer.echo(f"Webhook service on http://127.0.0.1:{service_port} (OpenAPI at /docs)")
        typer.echo(f"Dagster UI on http://{host}:{port} (Ctrl-C stops everything)")
        try:
            run_foreground(cmd, env)
        finally:
            stop_group(service)
