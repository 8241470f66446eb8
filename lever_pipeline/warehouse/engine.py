"""Where the warehouse is and how to connect to it.

`WAREHOUSE_URL` names a PostgreSQL server; unset, the embedded server is used. The
project's own code speaks psycopg 3; Dagster's instance storage is handed the same
database with the psycopg2 driver, which dagster-postgres needs under SQLAlchemy 2.1.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from lever_pipeline.warehouse.embedded import embedded_server_url


def warehouse_url(configured: str | None, home: Path) -> URL:
    """The psycopg URL of the warehouse: the configured server, or the embedded one."""
    if configured:
        url = make_url(configured)
        return url.set(drivername="postgresql+psycopg")
    return embedded_server_url(home)


def create_warehouse_engine(url: URL | str, *, pool_size: int = 5) -> Engine:
    """A pooled engine; connections are checked before use so a restarted server is survived."""
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True, future=True)


def dagster_storage_url(url: URL) -> str:
    """The same database as a `postgresql+psycopg2://` URL for dagster-postgres."""
    return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def safe_url(url: URL | str) -> str:
    """The URL fit for logs and status output: password hidden."""
    return make_url(url).render_as_string(hide_password=True)
