"""`lever-pipeline demo`: the whole sync, through Dagster, against the sandbox, then a summary.

Runs on the project's Dagster instance (storage in the warehouse), so `make dev`
afterwards shows the demo's runs, materializations and checks in the UI.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
from sqlalchemy import Engine

from lever_pipeline.settings import Settings


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
    lever_api_key: str,
    lever_base_url: str,
    echo: Callable[[str], None],
) -> DemoResult:
    """Materialize every asset in `definitions.py` in-process and report what happened."""
    from lever_pipeline.analytics.headlines import headline_figures
    from lever_pipeline.cli.runtime import dagster_environment
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
        "lever": LeverResource(api_key=lever_api_key, base_url=lever_base_url),
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
