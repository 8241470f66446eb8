"""Open the warehouse named by the settings, with its schema brought up to date."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from lever_pipeline.warehouse import migrate
from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url

_ENGINES: dict[str, Engine] = {}


def open_warehouse(configured_url: str | None, home: Path, *, migrate_schema: bool = True) -> Engine:
    """An engine on the configured (or embedded) warehouse, migrated to head once per process."""
    url: URL = warehouse_url(configured_url, home)
    key = url.render_as_string(hide_password=False)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = create_warehouse_engine(url)
        if migrate_schema:
            migrate.upgrade(engine)
        _ENGINES[key] = engine
    return engine
