"""A real run of the Lever assets through the Celery executor on two worker processes.

Needs RabbitMQ and Redis at LEVER_CELERY_BROKER_URL and LEVER_CELERY_BACKEND_URL (by
default on 127.0.0.1, where this machine kind runs both). Elsewhere it skips with the
reason, except under CI=true where it must run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.events import DagsterEventType

from lever_pipeline.cli.deploy import worker_command, write_worker_config
from lever_pipeline.lever.ratelimit import bucket_name
from lever_pipeline.settings import PROJECT_ROOT, load_settings
from lever_pipeline.warehouse.engine import dagster_storage_url
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets
from lever_pipeline_tests.fixtures_sandbox import eventually

pytestmark = pytest.mark.celery


RATE = 8.0  # the client's requests per second, pinned for the workers' settings


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def celery_services() -> tuple[str, str]:
    settings = load_settings()
    broker, backend = settings.lever_celery_broker_url, settings.lever_celery_backend_url
    missing = [name for name, url in (("RabbitMQ", broker), ("Redis", backend)) if not _reachable(url)]
    if missing:
        reason = f"{' and '.join(missing)} not reachable (LEVER_CELERY_BROKER_URL, LEVER_CELERY_BACKEND_URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, but CI=true requires the Celery test to run")
        pytest.skip(reason)
    return broker, backend


def _ping_workers(broker: str, names: set[str]) -> bool:
    from celery import Celery

    replies = Celery(broker=broker).control.ping(timeout=1.0) or []
    seen = {name.split("@")[0] for reply in replies for name in reply}
    return names <= seen


def test_celery_run_executes_every_step_on_workers(
    celery_services, sandbox_factory, test_database_url, clean_engine, tmp_path: Path, monkeypatch
) -> None:
    broker, backend = celery_services
    home = tmp_path / "home"
    config_dir = write_worker_config(home, broker, backend)
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url: "
        + repr(dagster_storage_url(test_database_url))
        + f"\nlocal_artifact_storage:\n  module: dagster._core.storage.root\n  class: LocalArtifactStorage\n"
        f"  config:\n    base_dir: {str(dagster_home / 'storage')!r}\ntelemetry:\n  enabled: false\n"
    )
    run_id = uuid.uuid4().hex[:6]
    names = {f"lever-test-{run_id}-{i}" for i in (1, 2)}
    queue = f"lever-test-{run_id}"  # other workers on this broker (a deploy-local, say) never see our steps

    # A dozen opportunities give every stream below some rows; each request costs 1/RATE s of the run.
    with sandbox_factory(opportunities=12, rate_limit=10, burst=20, latency_ms=20) as sb:
        env = {
            **os.environ,
            "LEVER_API_KEY": sb.api_key,
            "LEVER_BASE_URL": sb.base_url,
            "WAREHOUSE_URL": test_database_url.render_as_string(hide_password=False),
            "LEVER_PIPELINE_HOME": str(home),
            "PYTHONPATH": str(config_dir),
            "LEVER_CELERY_BROKER_URL": broker,
            "LEVER_CELERY_BACKEND_URL": backend,
            "LEVER_RATE_LIMIT_PER_SECOND": str(RATE),
        }
        for key in ("LEVER_API_KEY", "LEVER_BASE_URL", "LEVER_CELERY_BROKER_URL", "LEVER_CELERY_BACKEND_URL"):
            monkeypatch.setenv(key, env[key])
        workers = [
            subprocess.Popen(
                worker_command(name, loglevel="WARNING", queue=queue),
                env=env,
                cwd=PROJECT_ROOT,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name in sorted(names)
        ]
        try:
            eventually(lambda: _ping_workers(broker, names), timeout=60, message="both Celery workers")
            repo = ReconstructableRepository.for_module("lever_pipeline.definitions", "defs", str(PROJECT_ROOT))
            job = repo.get_reconstructable_job("lever_sync_on_celery")
            with clean_engine.connect() as conn:  # the database's clock, which the shared limiter reads
                started = conn.execute(sa.select(sa.func.extract("epoch", sa.func.statement_timestamp()))).scalar_one()
            with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
                result = dg.execute_job(
                    job, instance=instance, run_config={"execution": {"config": {"queue": queue}}}, raise_on_error=False
                )
                assert result.success
                step_pids = {
                    entry.dagster_event.pid
                    for entry in instance.all_logs(result.run_id)
                    if entry.dagster_event and entry.dagster_event.event_type == DagsterEventType.STEP_START
                }
            stats = sb.stats()
        finally:
            for worker in workers:
                os.killpg(worker.pid, signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=30)

    assert step_pids and os.getpid() not in step_pids  # no step ran in the orchestrating process
    assert len(step_pids) >= 2  # steps were spread over more than one worker process
    dataset = stats["dataset"]
    with clean_engine.connect() as conn:
        for table, key in (
            ("lever_opportunities", "opportunities"),
            ("lever_stages", "stages"),
            ("lever_interviews", "interviews"),
            ("lever_feedback", "feedback"),
            ("lever_notes", "notes"),
        ):
            assert dataset[key] > 0, key
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == dataset[key], table
    # Within Lever's limit, in the sandbox's own words: its 10/s bucket (burst 20) answered no 429.
    assert stats["rate_limited_429"] == 0
    # The workers drew on the one bucket in the warehouse, and it scheduled at least the time the
    # sandbox's requests need at RATE: each slot it grants moves its arrival time on by 1/RATE s,
    # from no earlier than `started`.
    with clean_engine.connect() as conn:
        tat = conn.execute(
            sa.select(rate_limit_buckets.c.tat).where(rate_limit_buckets.c.bucket == bucket_name(sb.api_key))
        ).scalar_one()
    requests = stats["requests_by_key"][sb.api_key]
    assert requests > 0
    assert tat - float(started) >= requests / RATE - 1e-3  # float epoch seconds: allow rounding
