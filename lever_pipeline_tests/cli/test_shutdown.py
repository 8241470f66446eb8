"""SIGTERM stops what a command started, the embedded PostgreSQL included when it was its last user.

Each test runs real `lever-pipeline` processes on an embedded server of its own
(LEVER_PIPELINE_HOME in tmp_path), so the suite's own server is never touched.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from lever_pipeline.warehouse.embedded import embedded_server_pid, embedded_users
from lever_pipeline_tests.cli.support import answers, cli_env, free_port, listening, start_cli, stop_with, wait_for

#: A second user of the embedded server: joins it, says so, and holds it until told to go.
HOLDER = """
import sys
from pathlib import Path
from lever_pipeline.warehouse.embedded import embedded_server_url
embedded_server_url(Path(sys.argv[1]))
print("joined", flush=True)
sys.stdin.readline()
"""


def _server_gone(home: Path, pid: int) -> bool:
    return embedded_server_pid(home) is None and not psutil.pid_exists(pid)


def _serve(home: Path, port: int) -> subprocess.Popen[str]:
    proc = start_cli("serve", "--port", str(port), env=cli_env(LEVER_PIPELINE_HOME=str(home)), log=home / "serve.log")
    wait_for(lambda: answers(f"http://127.0.0.1:{port}/health"), 120, "the service's /health", proc)
    return proc


def test_serve_sigterm_stops_the_embedded_server_it_was_the_last_user_of(tmp_path: Path) -> None:
    port = free_port()
    serve = _serve(tmp_path, port)
    server = embedded_server_pid(tmp_path)
    assert server is not None and serve.pid in embedded_users(tmp_path)
    assert stop_with(serve, signal.SIGTERM) == 0
    assert "lever-pipeline service stopped" in (tmp_path / "serve.log").read_text()
    wait_for(lambda: _server_gone(tmp_path, server), 30, "the embedded server to stop")
    assert embedded_users(tmp_path) == [] and not listening(port)


def test_serve_sigterm_leaves_the_embedded_server_to_a_user_still_attached(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "joined"
        server = embedded_server_pid(tmp_path)
        serve = _serve(tmp_path, free_port())
        assert stop_with(serve, signal.SIGTERM) == 0
        assert psutil.pid_exists(server) and embedded_server_pid(tmp_path) == server  # still in use
        assert embedded_users(tmp_path) == [holder.pid]
    finally:
        holder.communicate("\n", timeout=60)
    wait_for(lambda: _server_gone(tmp_path, server), 30, "the embedded server to stop after its last user")


def test_embedded_server_outlives_no_one_when_a_user_was_killed(tmp_path: Path) -> None:
    killed = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert killed.stdout is not None and killed.stdout.readline().strip() == "joined"
    killed.kill()  # SIGKILL: no clean-up runs, its pid stays on the wheel's list
    killed.wait()
    server = embedded_server_pid(tmp_path)
    assert killed.pid in embedded_users(tmp_path)
    serve = _serve(tmp_path, free_port())
    assert killed.pid not in embedded_users(tmp_path)  # forgotten when the next user joined
    assert stop_with(serve, signal.SIGTERM) == 0
    wait_for(lambda: _server_gone(tmp_path, server), 30, "the embedded server to stop")


def test_sandbox_sigterm_stops_it_and_frees_its_port(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "sandbox.log"
    sandbox = start_cli("sandbox", "--port", str(port), "--opportunities", "5", env=cli_env(), log=log)
    wait_for(lambda: answers(f"http://127.0.0.1:{port}/_sandbox/health"), 120, "the sandbox", sandbox)
    assert stop_with(sandbox, signal.SIGTERM) == 0
    assert "Lever sandbox stopped" in log.read_text() and not listening(port)


def test_demo_sigterm_cancels_the_run_and_stops_the_sandbox_and_the_embedded_server(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    demo = start_cli("demo", "--opportunities", "20", env=cli_env(LEVER_PIPELINE_HOME=str(tmp_path)), log=log)
    wait_for(lambda: re.search(r"^  lever/\w+ +ok", log.read_text(), re.M), 300, "the demo's first step", demo)
    server = embedded_server_pid(tmp_path)
    sandbox_port = int(re.search(r"Lever sandbox at http://127\.0\.0\.1:(\d+)/v1", log.read_text()).group(1))  # type: ignore[union-attr]
    assert stop_with(demo, signal.SIGTERM) == 1
    output = log.read_text()
    # A signal that lands inside a step's Lever calls can end that step first: the demo then
    # reports that step's failure in its one line, with no "Next:".
    interrupted = "demo interrupted: the run was stopped and marked canceled" in output
    assert interrupted or re.search(r"^  lever__\w+: \S", output, re.M), output
    assert "Next:" not in output
    assert "Traceback" not in output and not listening(sandbox_port)
    wait_for(lambda: _server_gone(tmp_path, server), 30, "the embedded server to stop")
    statuses = subprocess.run(
        [sys.executable, "-c", RUN_STATUSES, str(tmp_path)], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert statuses in (["CANCELED"], ["FAILURE"])  # never left "started" in the UI


#: The statuses of the Dagster runs stored in the embedded warehouse under argv[1].
RUN_STATUSES = """
import sys
from pathlib import Path
from sqlalchemy import text
from lever_pipeline.warehouse.engine import create_warehouse_engine, warehouse_url
with create_warehouse_engine(warehouse_url(None, Path(sys.argv[1]))).connect() as conn:
    print(" ".join(r[0] for r in conn.execute(text("SELECT status FROM runs"))))
"""


def _processes_of(home: Path) -> list[psutil.Process]:
    """Live processes whose environment names `home` (every process a command started inherits it)."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and proc.environ().get("LEVER_PIPELINE_HOME") == str(home):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def test_dev_sigterm_stops_dagster_the_service_the_sandbox_and_the_embedded_server(tmp_path: Path) -> None:
    ui, service = free_port(), free_port()
    log = tmp_path / "dev.log"
    env = cli_env(LEVER_PIPELINE_HOME=str(tmp_path))
    dev = start_cli("dev", "--port", str(ui), "--service-port", str(service), env=env, log=log)
    wait_for(lambda: answers(f"http://127.0.0.1:{service}/health"), 180, "the webhook service", dev)
    # Dagster's own processes join the embedded server too (the code server evaluates the sensors):
    # stopping must wait for them, or the server would outlive its last user.
    wait_for(lambda: len(embedded_users(tmp_path)) >= 3, 300, "a Dagster process to use the embedded server", dev)
    server = embedded_server_pid(tmp_path)
    sandbox_port = int(re.search(r"Lever sandbox at http://127\.0\.0\.1:(\d+)/v1", log.read_text()).group(1))  # type: ignore[union-attr]
    assert stop_with(dev, signal.SIGTERM, timeout=120) == 0
    assert "stopped: Dagster, the webhook service and the sandbox" in log.read_text()
    assert not listening(ui) and not listening(service) and not listening(sandbox_port)
    wait_for(lambda: _server_gone(tmp_path, server), 30, "the embedded server to stop")
    assert _processes_of(tmp_path) == [] and embedded_users(tmp_path) == []
