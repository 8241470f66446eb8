"""Process set-up shared by the CLI commands that start Dagster: the environment the
top-level `dagster.yaml` reads, and the folders under `LEVER_PIPELINE_HOME` it points to."""

from __future__ import annotations

import os

from sqlalchemy.engine import URL

from lever_pipeline.settings import PROJECT_ROOT, Settings
from lever_pipeline.warehouse.engine import dagster_storage_url


def dagster_environment(settings: Settings, warehouse: URL) -> dict[str, str]:
    """Variables for a Dagster process on the project's instance (storage in the warehouse)."""
    home = settings.lever_pipeline_home
    (home / "dagster" / "storage").mkdir(parents=True, exist_ok=True)
    (home / "dagster" / "compute_logs").mkdir(parents=True, exist_ok=True)
    return {
        "DAGSTER_HOME": str(PROJECT_ROOT),
        "DAGSTER_PG_URL": os.environ.get("DAGSTER_PG_URL") or dagster_storage_url(warehouse),
        "DAGSTER_ARTIFACTS_DIR": str(home / "dagster" / "storage"),
        "DAGSTER_COMPUTE_LOGS_DIR": str(home / "dagster" / "compute_logs"),
        "LEVER_PIPELINE_HOME": str(home),
    }
