"""`lever-pipeline demo`: the whole sync, through Dagster, against the sandbox, then a summary.

Runs on the project's Dagster instance (storage in the warehouse), so `make dev`
afterwards shows the demo's runs, materializations and checks in the UI.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import typer
from sqlalchemy import Engine

from lever_pipeline.cli.runtime import dagster_environment, lever_endpoint, open_engine, settings_or_exit
from lever_pipeline.cli.setup import render_status
from lever_pipeline.settings import Settings


def demo(
    opportunities: Annotated[
        int,
        typer.Option(
            help="Size of the sandbox account (when no LEVER_API_KEY is set). Each opportunity costs about six"
            " requests at 8/s for its feedback, interviews, notes, resumes, files and offers, so the default"
            " keeps the first run within two minutes."
        ),
    ] = 50,
) -> None:
    """Run the whole sync through Dagster (sandbox + embedded PostgreSQL by default), then print a summary."""
    from lever_pipeline.sync.status import warehouse_status

    settings = settings_or_exit()
    engine = open_engine(settings)
    with lever_endpoint(settings, opportunities=opportunities) as lever_env:
        # The sandbox started here (if any) takes its public key from the settings, as without LEVER_API_KEY.
        result = run_demo(settings, engine, lever_env.get("LEVER_BASE_URL", ""), typer.echo)
    sandbox_stats = lever_env.get("stats")  # filled in as the sandbox stops
    typer.echo("")
    typer.echo("\n".join(result.summaries))
    typer.echo("")
    typer.echo(render_status(warehouse_status(engine)))
    typer.echo("")
    typer.echo(
        f"{'incremental' if result.incremental else 'full'} sync {'succeeded' if result.success else 'FAILED'} "
        f"in {result.wall_s:.1f} s: {result.requests:,} Lever requests, {result.rate_limited_429} answered 429"
        + (f" (sandbox saw peak {sandbox_stats['peak_requests_1s']} requests in one second)" if sandbox_stats else "")
    )
    typer.echo("Next: `make dev` opens the Dagster UI on these runs; `make demo` again runs incrementally.")
    if not result.success:
        raise typer.Exit(1)


@dataclass
class DemoResult:
    wall_s: float
    success: bool
    incremental: bool
    requests: int
    rate_limited_429: int
    summaries: list[str]


def run_demo(
    settings: Settings,
    engine: Engine,
    lever_base_url: str,
    echo: Callable[[str], None],
) -> DemoResult:
    """Materialize every asset in `definitions.py` in-process and report what happened.

    `lever_base_url` is a sandbox started for the demo; empty, the configured account.
    """
    import dagster as dg  # here, not at the top: loading Dagster would slow every command's --help

    from lever_pipeline.analytics.headlines import headline_figures
    from lever_pipeline.definitions import defs
    from lever_pipeline.defs.resources import LeverResource, WarehouseResource
    from lever_pipeline.sync.state import read_high_water_mark
    from lever_pipeline.warehouse.engine import warehouse_url

    os.environ.update(
        dagster_environment(settings, warehouse_url(settings.warehouse_url, settings.lever_pipeline_home))
    )
    incremental = read_high_water_mark(engine, "opportunities") is not None
    echo(
        "Incremental run: only what changed since the last sync is fetched." if incremental else "First run: full sync."
    )

    resources = {
        "lever": LeverResource(base_url=lever_base_url),
        "warehouse": WarehouseResource(url=settings.warehouse_url or "", home=str(settings.lever_pipeline_home)),
        "dbt": defs.resources["dbt"],  # the dbt build runs after the sync, in the same run
    }
    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(
            [*defs.assets, *defs.asset_checks],  # type: ignore[list-item]
            resources=resources,
            instance=instance,
            raise_on_error=False,
            tags={"launched_by": "lever-pipeline demo"},
        )
    wall = time.perf_counter() - started

    summaries: list[str] = []
    requests = throttled = 0
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        meta = {k: v.value for k, v in mat.metadata.items()}
        if "requests" in meta:
            requests += int(meta["requests"])
            throttled += int(meta.get("retries_429", 0))
            summaries.append(
                f"{mat.asset_key.to_user_string():<28} {meta.get('mode', ''):<12} "
                f"seen {int(meta.get('rows_seen', 0)):>6,}  new {int(meta.get('rows_inserted', 0)):>6,}  "
                f"changed {int(meta.get('rows_updated', 0)):>5,}  requests {int(meta['requests']):>5,}"
            )
    headlines = headline_figures(engine)  # from the dbt marts the run just built
    if headlines is not None:
        echo("")
        for line in headlines.lines():
            echo(line)
    return DemoResult(wall, result.success, incremental, requests, throttled, summaries)
