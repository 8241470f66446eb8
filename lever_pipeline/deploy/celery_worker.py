"""Celery workers for Dagster steps: their configuration module and their command line.

dagster-celery's own `worker start` writes its config under the Dagster instance's root
(the project folder); this writes it under LEVER_PIPELINE_HOME instead and runs Celery
directly, with one process per worker so steps really run apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT_BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
DEFAULT_BACKEND = "redis://127.0.0.1:6379/0"


def write_worker_config(home: Path, broker: str, backend: str) -> Path:
    """Write the `dagster_celery_config` module dagster_celery.app imports; return its folder."""
    folder = home / "celery"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster_celery_config.py").write_text(
        f"broker_url = {broker!r}\nresult_backend = {backend!r}\nworker_hijack_root_logger = False\n"
    )
    return folder


def worker_command(name: str, concurrency: int = 1, loglevel: str = "INFO", queue: str = "dagster") -> list[str]:
    """`celery worker` for Dagster's step queue; `name` must be unique per worker."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "dagster_celery.app",
        "worker",
        "--prefetch-multiplier=1",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        "-Q",
        queue,
        "-n",
        f"{name}@%h",
        "--loglevel",
        loglevel,
        "--without-gossip",
        "--without-mingle",
    ]
