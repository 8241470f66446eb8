"""`lever-pipeline dev`: `dagster dev` on the project's instance, with the webhook service beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer

from lever_pipeline.cli.runtime import (
    SANDBOX_OPPORTUNITIES,
    claim_account,
    dagster_environment,
    lever_endpoint,
    open_engine,
    require_free_port,
    run_foreground,
    sandbox_for,
    settings_or_exit,
    stop_group,
    take_signals,
)
from lever_pipeline.settings import PROJECT_ROOT


def dev(
    port: Annotated[int, typer.Option(help="Port of the Dagster UI (make dev PORT=...).")] = 3000,
    host: Annotated[str, typer.Option(help="Interface the UI listens on.")] = "127.0.0.1",
    service_port: Annotated[
        int, typer.Option(help="Port of the webhook service started alongside (make dev SERVICE_PORT=...).")
    ] = 8000,
    activity: Annotated[
        float, typer.Option(help="Sandbox only: random opportunity changes per second, sent as signed webhooks.")
    ] = 0.5,
    opportunities: Annotated[
        int, typer.Option(help="Sandbox only: size of the account; the demo's size, so both fill one warehouse.")
    ] = SANDBOX_OPPORTUNITIES,
) -> None:
    """Start the Dagster UI and daemon on the project's instance, plus the webhook service.

    With no LEVER_API_KEY a sandbox runs too (the same account as `demo`), changing
    opportunities live and sending signed webhooks to the service, so the sensor's
    refresh runs show up in the UI.

    Ctrl-C or SIGTERM stops everything it started, the embedded PostgreSQL included when
    no other process uses it.
    """
    from lever_pipeline.warehouse.engine import warehouse_url

    take_signals()
    settings = settings_or_exit()
    require_free_port(port, host, "the Dagster UI", "--port (make dev PORT=...)")
    require_free_port(service_port, "127.0.0.1", "the webhook service", "--service-port (make dev SERVICE_PORT=...)")
    hooks = f"http://127.0.0.1:{service_port}/webhooks/lever/{{event}}"
    sandbox = sandbox_for(settings, opportunities=opportunities, activity=activity, webhook_url=hooks)
    engine = open_engine(settings)  # schema up to date, and this process keeps the embedded server up
    claim_account(engine, settings, sandbox)
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    with lever_endpoint(settings, sandbox) as endpoint:
        env = {**os.environ, **dagster_environment(settings, url), **endpoint.env}
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
            code = run_foreground(cmd, env)
        finally:
            stop_group(service)
    typer.echo("stopped: Dagster, the webhook service" + (" and the sandbox" if sandbox else ""))
    raise typer.Exit(code)
