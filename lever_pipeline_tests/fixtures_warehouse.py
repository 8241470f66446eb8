"""Pytest plugin: a real, throwaway PostgreSQL database per test session.

With `WAREHOUSE_URL` set the database is made on that server; otherwise on the embedded
server under LEVER_PIPELINE_HOME (the same one every process shares). Alembic brings it
to head, exactly as production does.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from lever_pipeline.settings import PROJECT_ROOT
from lever_pipeline.warehouse import migrate
from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url
from lever_pipeline.warehouse.tables import metadata


def _admin_conninfo(url: URL) -> dict[str, object]:
    return {
        "dbname": "postgres",
        "user": url.username or "postgres",
        "password": url.password or None,
        "host": url.query.get("host") or url.host,
        "port": url.port,
    }


@pytest.fixture(scope="session")
def pipeline_home() -> Path:
    """LEVER_PIPELINE_HOME for tests: the project's own data folder (never the user's home)."""
    return Path(os.environ.get("LEVER_PIPELINE_HOME") or PROJECT_ROOT / ".lever_pipeline").resolve()


@pytest.fixture(scope="session")
def server_url(pipeline_home: Path) -> URL:
    """A psycopg URL of the PostgreSQL server tests use (configured, or embedded)."""
    return warehouse_url(os.environ.get("WAREHOUSE_URL") or None, pipeline_home)


@pytest.fixture(scope="session")
def test_database_url(server_url: URL) -> Iterator[URL]:
    """A fresh database for this session, dropped afterwards."""
    name = f"lever_test_{uuid.uuid4().hex[:10]}"
    admin = {k: v for k, v in _admin_conninfo(server_url).items() if v is not None}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield server_url.set(database=name)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def engine(test_database_url: URL) -> Iterator[Engine]:
    """An engine on the session database, migrated to head."""
    eng = create_warehouse_engine(test_database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def clean_engine(engine: Engine) -> Engine:
    """The session engine with every warehouse table emptied first."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return engine
