"""`lever-pipeline migrate` and `lever-pipeline status`: set the warehouse up, and see what it holds."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from lever_pipeline.cli.runtime import open_engine, settings_or_exit

if TYPE_CHECKING:
    from lever_pipeline.sync.status import WarehouseStatus


def migrate() -> None:
    """Bring the warehouse schema up to date (Alembic migrations; safe to repeat)."""
    from lever_pipeline.warehouse import migrate as migrations
    from lever_pipeline.warehouse.engine import create_warehouse_engine, safe_url, warehouse_url

    settings = settings_or_exit()
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    applied = migrations.upgrade(create_warehouse_engine(url))
    typer.echo(f"warehouse {safe_url(url)}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")] = False,
) -> None:
    """Print each warehouse table with its row count, and each stream's last successful sync."""
    from lever_pipeline.sync.status import warehouse_status

    result = warehouse_status(open_engine(settings_or_exit()))
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2))
        return
    typer.echo(render_status(result))


def render_status(result: WarehouseStatus) -> str:
    """The status as an aligned text table."""
    width = max([len(t.table) for t in result.tables] + [5])
    lines = [f"{'table':<{width}}  {'rows':>9}"]
    lines += [f"{t.table:<{width}}  {t.rows:>9,}" for t in result.tables]
    if result.streams:
        lines += ["", f"{'stream':<{width}}  last successful sync (UTC)   high-water mark"]
        for s in result.streams:
            last = s.last_success_at.strftime("%Y-%m-%d %H:%M:%S") if s.last_success_at else "never"
            mark = s.high_water_mark.strftime("%Y-%m-%d %H:%M:%S") if s.high_water_mark else "-"
            lines.append(f"{s.stream:<{width}}  {last:<27}  {mark}")
    else:
        lines += ["", "no stream has synced yet"]
    return "\n".join(lines)
