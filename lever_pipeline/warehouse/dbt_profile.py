"""The environment `dbt_models/profiles.yml` reads, built from the warehouse URL.

A pure function: no connection is opened and nothing is read from the environment, so
the Dagster layer can build it at run time from the warehouse resource and tests can
build it from their throwaway database. The embedded server is reached through a unix
socket: its directory travels in the URL's `host=` query and goes to dbt as the host
(libpq treats a host starting with `/` as a socket directory).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

#: Where dbt's project (and its profiles.yml) lives.
DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_models"
DEFAULT_PORT = 5432
DEFAULT_USER = "postgres"


def dbt_profile_env(url: URL | str, *, schema: str = "analytics", threads: int = 4) -> dict[str, str]:
    """Environment variables for `profiles.yml`: LEVER_DBT_HOST/PORT/USER/PASSWORD/DBNAME/SCHEMA/THREADS.

    Raises ValueError when the URL names no database or no host (neither `host` nor a
    `host=` socket directory), since dbt could not connect anywhere sensible.
    """
    url = make_url(url)
    query_host = url.query.get("host")
    if isinstance(query_host, tuple):  # a repeated ?host= lists several; libpq takes the first
        query_host = query_host[0]
    host = url.host or query_host
    if not host:
        raise ValueError("the warehouse URL names no host and no host= socket directory")
    if not url.database:
        raise ValueError("the warehouse URL names no database")
    query_port = url.query.get("port")
    port = url.port or (int(query_port) if isinstance(query_port, str) and query_port.isdigit() else DEFAULT_PORT)
    return {
        "LEVER_DBT_HOST": str(host),
        "LEVER_DBT_PORT": str(port),
        "LEVER_DBT_USER": url.username or DEFAULT_USER,
        "LEVER_DBT_PASSWORD": url.password or "",
        "LEVER_DBT_DBNAME": url.database,
        "LEVER_DBT_SCHEMA": schema,
        "LEVER_DBT_THREADS": str(threads),
    }


def dbt_process_env(url: URL | str) -> dict[str, str]:
    """The profile variables plus where dbt keeps its profiles, artifacts and logs (inside the project)."""
    return {
        **dbt_profile_env(url),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_TARGET_PATH": str(DBT_PROJECT_DIR / "target"),
        "DBT_LOG_PATH": str(DBT_PROJECT_DIR / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
