"""`lever-pipeline demo`: the whole pipeline through Dagster, against the sandbox, then a summary.

Runs the `lever_sync_and_build` job on the project's Dagster instance (storage in the
warehouse), so `make dev` afterwards shows the demo's runs, materializations and checks
in the UI, the Overview timeline included. The terminal gets one line per step and a
summary; Dagster's event log and dbt's output go to a log file under
LEVER_PIPELINE_HOME/logs (without colours), whose path is printed. A failure ends the
output: the failed step, its reason, and no "Next:".
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine

from lever_pipeline.analytics.words import plural
from lever_pipeline.cli.errors import RUN_FAILED
from lever_pipeline.cli.runtime import (
    SANDBOX_OPPORTUNITIES,
    Endpoint,
    claim_account,
    dagster_environment,
    lever_endpoint,
    log_file,
    open_engine,
    sandbox_for,
    settings_or_exit,
    take_signals,
)
from lever_pipeline.cli.setup import warehouse_location
from lever_pipeline.settings import Settings, get_settings

if TYPE_CHECKING:
    from lever_pipeline.cli.demo_run import RunReport


def demo(
    opportunities: Annotated[
        int,
        typer.Option(
            help="Size of the sandbox account (when no LEVER_API_KEY is set). Each opportunity costs about six"
            " requests at 8/s for its feedback, interviews, notes, resumes, files and offers, so the default"
            " keeps the first run near two minutes; `dev` starts the same account."
        ),
    ] = SANDBOX_OPPORTUNITIES,
) -> None:
    """Run the whole sync and the dbt build through Dagster (sandbox + embedded PostgreSQL by default), then a summary.

    One line per step here; the full log goes to a file under LEVER_PIPELINE_HOME/logs.
    Ctrl-C or SIGTERM stops the run (marked canceled) and the sandbox.
    """
    from lever_pipeline.sync.state import read_high_water_mark

    take_signals()
    settings = settings_or_exit()
    sandbox = sandbox_for(settings, opportunities=opportunities)
    engine = open_engine(settings)
    claim_account(engine, settings, sandbox)
    log_path = log_file(settings, "demo")
    incremental = read_high_water_mark(engine, "opportunities") is not None
    typer.echo("Incremental run: only what changed since the last sync." if incremental else "First run: full sync.")
    typer.echo(f"Full log (Dagster events, dbt output): {log_path}")
    started = time.perf_counter()
    peak: int | None = None
    try:
        with lever_endpoint(settings, sandbox) as endpoint:
            report = run_demo(settings, endpoint, log_path, typer.echo)
            if report.interrupted:
                raise KeyboardInterrupt
            if endpoint.sandbox is not None:
                peak = int(endpoint.sandbox.stats()["peak_requests_1s"])
    except KeyboardInterrupt:
        typer.echo(f"demo interrupted: the run was stopped and marked canceled; log: {log_path}", err=True)
        raise typer.Exit(RUN_FAILED) from None
    wall = time.perf_counter() - started
    print_summary(settings, engine, report, incremental=incremental, wall_s=wall, peak=peak, log_path=log_path)
    if not report.success:
        raise typer.Exit(RUN_FAILED)


def run_demo(settings: Settings, endpoint: Endpoint, log_path: Path, echo: Callable[..., None]) -> RunReport:
    """Run `lever_sync_and_build` on the project's instance against `endpoint`; every log line goes to `log_path`.

    The run's resources read the settings, so the endpoint's variables go into this
    process's environment first (as `dev` gives them to its processes).
    """
    import dagster as dg  # here, not at the top: loading Dagster would slow every command's --help

    from lever_pipeline.cli.demo_run import run_pipeline
    from lever_pipeline.warehouse.engine import warehouse_url

    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    os.environ.update(dagster_environment(settings, url))
    os.environ.update(endpoint.env)
    os.environ["DBT_USE_COLORS"] = "false"  # dbt's output goes to the log file
    get_settings.cache_clear()
    terminal = sys.stdout  # step lines go here while stdout and stderr go to the log

    def to_terminal(line: str) -> None:
        echo(line, file=terminal)

    with log_path.open("a", encoding="utf-8") as log, redirect_stdout(log), redirect_stderr(log):
        # Loading the definitions inside the redirect keeps their warnings in the log too;
        # a missing dbt manifest still raises to `main`, which prints it as one line.
        import lever_pipeline.definitions  # noqa: F401

        with dg.DagsterInstance.get() as instance:
            return run_pipeline(instance, to_terminal, {"launched_by": "lever-pipeline demo"})


def print_summary(
    settings: Settings,
    engine: Engine,
    report: RunReport,
    *,
    incremental: bool,
    wall_s: float,
    peak: int | None,
    log_path: Path,
) -> None:
    """The end of the demo: failed checks, headline figures, where the data is; a failure's cause last."""
    from lever_pipeline.analytics.headlines import headline_figures
    from lever_pipeline.sync.status import warehouse_status

    echo = typer.echo
    if report.failed_checks:
        echo("")
        echo(f"{plural(len(report.failed_checks), 'check')} did not pass:")
        for c in report.failed_checks:
            echo(f"  {c.severity:<5} {c.check} on {c.asset}: {c.reason}")
    headlines = headline_figures(engine) if report.success else None  # from the marts the run just built
    if headlines is not None:
        echo("")
        for line in headlines.lines():
            echo(line)
    if report.success:
        from lever_pipeline.automation.sample import automation_line

        echo(automation_line(engine))
    lever_tables = [t for t in warehouse_status(engine).tables if t.table.startswith("lever_")]
    echo("")
    echo(
        f"Warehouse: {plural(sum(t.rows for t in lever_tables), 'row')} in {plural(len(lever_tables), 'Lever table')} "
        "(`lever-pipeline status` lists every table)."
    )
    for line in warehouse_location(settings):
        echo(line)
    sync = "incremental sync" if incremental else "full sync"
    figures = f"{plural(report.requests, 'Lever request')}, {report.rate_limited:,} answered 429" + (
        f" (the sandbox saw at most {plural(peak, 'request')} in one second)" if peak is not None else ""
    )
    echo("")
    if report.success:
        echo(f"{sync} and dbt build succeeded in {wall_s:.1f} s: {figures}.")
        echo(
            "Next: `make dev` opens the Dagster UI on these runs (job lever_sync_and_build); "
            "`make demo` again runs incrementally."
        )
        return
    echo(f"{sync} FAILED after {wall_s:.1f} s: {figures}. Full log: {log_path}", err=True)
    for failure in report.step_failures or []:
        echo(f"  {failure.step}: {failure.reason}", err=True)
    if not report.step_failures:
        echo("  the run failed before any step ran; the full log says why", err=True)
