"""`lever-pipeline sync`: sync Lever into the warehouse from the terminal, with a progress bar per phase.

The same syncs the Dagster assets run, without Dagster: the core streams first (stages,
archive reasons, users, postings, opportunities), so the fan-out only starts once every
opportunity is stored, then feedback templates and each per-opportunity kind (open
opportunities first, newest first), then the applications derived from the stored
opportunities. A first sync of a big account takes days at Lever's 10 requests/s: each
phase shows done / total, requests/s and the time left (rich), and a run stopped by
Ctrl-C or a crash resumes where it stopped (each batch records what it stored).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from lever_pipeline.analytics.words import plural
from lever_pipeline.cli.runtime import (
    SANDBOX_OPPORTUNITIES,
    claim_account,
    lever_endpoint,
    open_engine,
    sandbox_for,
    settings_or_exit,
    take_signals,
)
from lever_pipeline.settings import Settings, load_settings
from lever_pipeline.sync import progress as sync_progress

CORE = ("stages", "archive_reasons", "users", "postings", "opportunities")


def _kinds(value: str) -> list[str]:
    """The per-opportunity kinds named by `--kinds` (`all`, `none`, or a comma-separated list)."""
    from lever_pipeline.sync.per_opportunity_kinds import KINDS

    if value.strip() == "all":
        return list(KINDS)
    if value.strip() in ("", "none"):
        return []
    names = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in names if k not in KINDS]
    if unknown:
        raise typer.BadParameter(f"unknown kind(s) {', '.join(unknown)}; choose from all, none, {', '.join(KINDS)}")
    return [k for k in KINDS if k in names]  # in dependency order (interviews before panels)


def sync_command(
    full: Annotated[bool, typer.Option("--full", help="Re-read everything, not only what changed.")] = False,
    kinds: Annotated[
        str,
        typer.Option(help="Per-opportunity kinds to fan out over: all, none, or a comma-separated list."),
    ] = "all",
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress bars (one line per phase without them).")
    ] = True,
    opportunities: Annotated[
        int, typer.Option(help="Size of the sandbox account started when no LEVER_API_KEY is set.")
    ] = SANDBOX_OPPORTUNITIES,
) -> None:
    """Sync Lever into the warehouse here, without Dagster: core streams, then each opportunity's data.

    Shows a progress bar per phase (done / total, requests/s, time left). Stopped with
    Ctrl-C, it resumes where it stopped on the next run.
    """
    chosen = _kinds(kinds)
    settings = settings_or_exit()
    engine = open_engine(settings)
    sandbox = sandbox_for(settings, opportunities=opportunities)
    claim_account(engine, settings, sandbox)
    take_signals()
    with lever_endpoint(settings, sandbox) as endpoint:
        overrides = {k.lower(): v for k, v in endpoint.env.items()}
        run_settings = load_settings(**overrides) if overrides else settings
        console = Console(stderr=True)
        show = progress and console.is_terminal
        try:
            asyncio.run(_sync(run_settings, engine, full=full, kinds=chosen, console=console, bars=show))
        except KeyboardInterrupt:
            typer.echo("Stopped; the next `lever-pipeline sync` resumes where this one stopped.", err=True)
            raise typer.Exit(130) from None


async def _sync(
    settings: Settings, engine: Engine, *, full: bool, kinds: list[str], console: Console, bars: bool
) -> None:
    from lever_pipeline.account.client import open_lever_client
    from lever_pipeline.sync import streams
    from lever_pipeline.sync.per_opportunity import derive_children, sync_children
    from lever_pipeline.sync.per_opportunity_kinds import APPLICATIONS
    from lever_pipeline.sync.stream_sync import sync_stream
    from lever_pipeline.sync.template_store import sync_feedback_templates

    specs = {s.name: s for s in (streams.STAGES, streams.ARCHIVE_REASONS, streams.USERS, streams.POSTINGS)}
    specs["opportunities"] = streams.OPPORTUNITIES
    with _display(console, bars) as show:
        async with open_lever_client(settings, engine) as client:
            for name in CORE:
                stats = await sync_stream(client, engine, specs[name], full=full, on_progress=show)
                _done(console, f"{name}: {plural(stats.rows_seen, 'row')} read, {plural(stats.requests, 'request')}")
            if "feedback" in kinds:
                await sync_feedback_templates(client, engine)
            for kind in kinds:
                cs = await sync_children(client, engine, kind, full=full, on_progress=show)
                done = cs.opportunities.done if cs.opportunities is not None else 0
                counts = [plural(done, "opportunity", "opportunities"), plural(cs.rows_seen, "item")]
                _done(console, f"{kind}: {', '.join(counts)}, {plural(cs.requests, 'request')}")
        applications = await asyncio.to_thread(derive_children, engine, APPLICATIONS, full=full)
        _done(
            console, f"applications: {plural(applications.rows_seen, 'item')} from the stored opportunities, no request"
        )


def _done(console: Console, line: str) -> None:
    """One summary line per finished phase, on stdout (the bars draw on stderr, above which it lands)."""
    typer.echo(line)


@contextmanager
def _display(console: Console, bars: bool) -> Iterator[sync_progress.ProgressCallback]:
    """A callback drawing each phase as a rich progress bar (or nothing: the summary lines still print)."""
    if not bars:
        yield lambda reading: None
        return
    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=console, transient=False) as bar:

        def show(reading: sync_progress.Progress) -> None:
            if reading.name not in tasks:
                tasks[reading.name] = bar.add_task(reading.name, total=reading.total, rate="")
            task = tasks[reading.name]
            total = reading.done if reading.finished and reading.total is None else reading.total
            bar.update(task, completed=reading.done, total=total, rate=f"{reading.requests_per_s:.1f} req/s")

        yield show
