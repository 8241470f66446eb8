"""Open the warehouse named by the settings, with its schema brought up to date.

A warehouse that cannot be opened (a closed port, a missing database, a rejected
password, an embedded server that does not start) raises `WarehouseUnavailable` with one
line naming WAREHOUSE_URL (never its password) and what to do, so every entry point can
show that line instead of a driver's traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import InterfaceError, OperationalError

from lever_pipeline.warehouse import migrate
from lever_pipeline.warehouse.embedded import EmbeddedServerError
from lever_pipeline.warehouse.engine import create_warehouse_engine, safe_url, warehouse_url

_ENGINES: dict[str, Engine] = {}


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be reached or opened; the message is one line saying which and what to do."""


def open_warehouse(configured_url: str | None, home: Path, *, migrate_schema: bool = True) -> Engine:
    """An engine on the configured (or embedded) warehouse, migrated to head once per process.

    Raises WarehouseUnavailable when the server cannot be reached or the database opened.
    """
    url = resolve_warehouse_url(configured_url, home)
    key = url.render_as_string(hide_password=False)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = create_warehouse_engine(url)
        if migrate_schema:
            migrate_warehouse(engine)
        _ENGINES[key] = engine
    return engine


def resolve_warehouse_url(configured_url: str | None, home: Path) -> URL:
    """`warehouse_url`, with an embedded server that does not start reported as WarehouseUnavailable."""
    try:
        return warehouse_url(configured_url, home)
    except EmbeddedServerError as err:
        raise WarehouseUnavailable(f"{err}. Fix it, or set WAREHOUSE_URL to a PostgreSQL server.") from err


def migrate_warehouse(engine: Engine) -> list[str]:
    """`migrate.upgrade(engine)`, with a server that cannot be reached reported as WarehouseUnavailable."""
    try:
        return migrate.upgrade(engine)
    except (OperationalError, InterfaceError) as err:
        raise unavailable(engine.url, err) from err


def unavailable(url: URL, err: Exception) -> WarehouseUnavailable:
    """The one-line WarehouseUnavailable for a connection error `err` on `url`."""
    reason = _reason(err)
    shown = safe_url(url.set(drivername="postgresql"))  # as the user writes it, password hidden
    missing = re.search(r'database "([^"]+)" does not exist', reason)
    if missing:
        return WarehouseUnavailable(
            f'the warehouse database "{missing.group(1)}" does not exist on {_server(url)} '
            f"(WAREHOUSE_URL={shown}). Create it (createdb {missing.group(1)}) or fix WAREHOUSE_URL."
        )
    if "password authentication failed" in reason or "no password supplied" in reason:
        return WarehouseUnavailable(
            f"the warehouse at {_server(url)} rejected the user or password in WAREHOUSE_URL={shown}. "
            "Fix the credentials in WAREHOUSE_URL."
        )
    return WarehouseUnavailable(
        f"cannot connect to the warehouse at {_server(url)} (WAREHOUSE_URL={shown}): {reason}. "
        "Start PostgreSQL there, fix WAREHOUSE_URL, or unset it to use the embedded server."
    )


def _server(url: URL) -> str:
    socket_dir = url.query.get("host")
    if url.host:
        return f"{url.host}:{url.port or 5432}"
    return f"the socket in {socket_dir}" if socket_dir else "the default socket"


def _reason(err: Exception) -> str:
    """The driver's own words, shortened to the last clause of its first line (no hint lines)."""
    text = str(getattr(err, "orig", None) or err).strip()
    first = text.splitlines()[0] if text else type(err).__name__
    # psycopg: 'connection failed: connection to server at "h" (ip), port 1 failed: Connection refused'
    return re.split(r"failed: ", first)[-1].strip().rstrip(".") or first
