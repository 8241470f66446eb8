"""Run monitoring over real processes: a run whose process dies is failed, and its slot frees.

A code server and a `dagster-daemon` run on a temporary instance made from the project's
`dagster.yaml` (its run launcher and run monitoring as shipped; only storage, one run slot
and short polling intervals changed). The daemon launches a run that blocks; a second run
queues behind it. The test then kills the code server's process group with SIGKILL, the
run's process with it (a crashed `make dev`), so nothing but run monitoring can notice.
The blocked run must become FAILURE with run monitoring's message, and the queued run
must then launch and succeed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pytest
import yaml
from dagster._core.storage.dagster_run import FINISHED_STATUSES, DagsterRunStatus, RunsFilter
from sqlalchemy.engine import URL

from lever_pipeline.defs.run_launcher import process_alive
from lever_pipeline.settings import PROJECT_ROOT
from lever_pipeline.warehouse.engine import dagster_storage_url

T = TypeVar("T")
LOCATION = "lever_pipeline_tests.defs.monitored_location"


def _until(check: Callable[[], T], timeout: float, message: str) -> T:
    """Poll `check` (a few times a second: each poll queries the instance) until truthy, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(0.25)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _instance_yaml(storage_url: str, home: Path) -> dict:
    """The project's dagster.yaml with test storage, one run slot and second-scale polling."""
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    config["storage"] = {"postgres": {"postgres_url": storage_url}}
    config["local_artifact_storage"]["config"]["base_dir"] = str(home / "storage")
    config["compute_logs"]["config"]["base_dir"] = str(home / "compute_logs")
    config["run_coordinator"]["config"].update(max_concurrent_runs=1, dequeue_interval_seconds=1)
    config["run_monitoring"]["poll_interval_seconds"] = 1
    return config


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # A process group of its own, stopped as a group: `dagster` processes ignore SIGTERM
    # in the background of a non-interactive shell, and the code server's runs are its children.
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, cwd=PROJECT_ROOT, start_new_session=True, stdout=out, stderr=out)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def monitored_instance(test_database_url: URL, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], int]]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(_instance_yaml(dagster_storage_url(test_database_url), home)))
    port = _free_port()
    (tmp_path / "workspace.yaml").write_text(
        yaml.safe_dump(
            {"load_from": [{"grpc_server": {"host": "127.0.0.1", "port": port, "location_name": "monitored"}}]}
        )
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "LEVER_MONITOR_TEST_TRIGGER": str(tmp_path / "follow_up.trigger"),
    }
    yield tmp_path, env, port


def _code_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "dagster", "api", "grpc", "-m", LOCATION, "-h", "127.0.0.1", "-p", str(port)]
    server = _start([*cmd, "--working-directory", str(PROJECT_ROOT)], env, log)
    _until(lambda: _listening(port) or server.poll() is not None, 60, "the code server to listen")
    assert server.poll() is None, log.read_text()[-2000:]
    return server


def test_run_monitoring_fails_a_dead_run_and_frees_its_slot(monitored_instance) -> None:
    tmp, env, port = monitored_instance
    log = tmp / "processes.log"
    server = _code_server(env, port, log)
    daemon = _start([sys.executable, "-m", "dagster._daemon", "run", "-w", str(tmp / "workspace.yaml")], env, log)
    try:
        with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:

            def run_of(job: str) -> dg.DagsterRun | None:
                runs = instance.get_runs(filters=RunsFilter(job_name=job), limit=1)
                return runs[0] if runs else None

            blocked = _until(
                lambda: (r := run_of("blocking_job")) is not None and r.status == DagsterRunStatus.STARTED and r,
                90,
                "the daemon to launch the blocking run",
            )
            start = instance.get_records_for_run(blocked.run_id, of_type=dg.DagsterEventType.RUN_START).records[0]
            worker_pid = start.event_log_entry.dagster_event.pid
            assert worker_pid not in (None, server.pid, os.getpid())

            Path(env["LEVER_MONITOR_TEST_TRIGGER"]).touch()
            _until(
                lambda: (r := run_of("follow_up_job")) is not None and r.status == DagsterRunStatus.QUEUED,
                60,
                "the follow-up run to queue behind the blocking one",
            )
            assert instance.get_run_by_id(blocked.run_id).status == DagsterRunStatus.STARTED

            # The code server and the run it started die together, as in a crash of `make dev`,
            # and a new code server starts, as `make dev` would on restart. The daemon is
            # paused meanwhile, so it meets a code server that is up, as on a restart.
            os.killpg(daemon.pid, signal.SIGSTOP)
            try:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
                _until(lambda: not process_alive(worker_pid, time.time()), 30, "the run's process to be gone")
                server = _code_server(env, port, log)
            finally:
                os.killpg(daemon.pid, signal.SIGCONT)

            failed = _until(
                lambda: (r := instance.get_run_by_id(blocked.run_id)).status == DagsterRunStatus.FAILURE and r,
                60,
                "run monitoring to fail the dead run",
            )
            failure = instance.get_records_for_run(failed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
            assert f"run worker pid {worker_pid} is gone" in failure[0].event_log_entry.dagster_event.message

            follow_up = _until(
                lambda: (r := run_of("follow_up_job")) is not None and r.status in FINISHED_STATUSES and r,
                90,
                "the queued follow-up run to launch and finish",
            )
            events = instance.all_logs(follow_up.run_id)
            assert follow_up.status == DagsterRunStatus.SUCCESS, [e.message for e in events][-5:]
    finally:
        _stop(daemon)
        _stop(server)
