"""Running `lever-pipeline` as a real process: its environment, free ports, and waiting on it with a deadline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from lever_pipeline.settings import PROJECT_ROOT

T = TypeVar("T")

#: Variables a developer's shell (or CI) may set that would point a test process elsewhere.
_CLEARED = (
    "WAREHOUSE_URL",
    "DAGSTER_PG_URL",
    "DAGSTER_HOME",
    "LEVER_API_KEY",
    "LEVER_BASE_URL",
    "LEVER_SANDBOX_ACCOUNT",
    "LEVER_PIPELINE_HOME",
    "COLUMNS",
)


def cli_env(**overrides: str) -> dict[str, str]:
    """The environment of a test's `lever-pipeline` process: this one's, minus where it points, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    # The venv's binaries (dbt) next to the interpreter, as an activated venv would have them.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update(overrides)
    return env


def cli_command(*args: str) -> list[str]:
    """`python -m lever_pipeline.cli ARGS` with this interpreter: the same entry point as the console script."""
    return [sys.executable, "-m", "lever_pipeline.cli", *args]


def run_cli(*args: str, env: Mapping[str, str], timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; its output as text."""
    return subprocess.run(
        cli_command(*args), env=dict(env), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout
    )


def start_cli(*args: str, env: Mapping[str, str], log: Path) -> subprocess.Popen[str]:
    """Start a long-running command in its own session, stdout and stderr to `log`."""
    handle = log.open("w")
    return subprocess.Popen(
        cli_command(*args),
        env=dict(env),
        cwd=PROJECT_ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(check: Callable[[], T], timeout: float, what: str, proc: subprocess.Popen | None = None) -> T:
    """Poll `check` until truthy; fail after `timeout` s, or at once if `proc` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the process exited with {proc.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def stop_with(proc: subprocess.Popen, signum: int, timeout: float = 90.0) -> int:
    """Send `signum` to `proc` (as `kill` does) and wait for it to exit; its exit status."""
    proc.send_signal(signum)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        pytest.fail(f"the process did not exit within {timeout:.0f} s of signal {signum}")
