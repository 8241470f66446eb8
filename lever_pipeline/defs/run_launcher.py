"""The run launcher of the project's instance: Dagster's default one, plus a health check.

Run monitoring (`run_monitoring` in `dagster.yaml`) can fail a run whose worker died only
if the launcher says so, and Dagster's `DefaultRunLauncher` cannot: a run whose process
was killed together with the code server that started it (a crashed `make dev`, the OOM
killer, a reboot) stays STARTED for ever and holds one of the queued run coordinator's
slots. Every run worker records its pid on its RUN_START event; this launcher answers
"dead" when that process no longer exists, or exists but started after the run did (its
pid was reused). It is for runs on the daemon's machine, as in `make dev` and
`make deploy-local`; a cluster uses a launcher with its own check (K8sRunLauncher).
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import DagsterEventType, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

#: /proc's start times count in clock ticks from a boot time given to the second.
START_TIME_SLACK_S = 2.0


def _proc_state(pid: int) -> tuple[bool, float | None] | None:
    """(alive, start time in epoch seconds) from Linux's /proc; None on a system without it."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return False, None
    # The command name (field 2) is in parentheses and may contain spaces: count from its end.
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # a zombie has exited; only its exit status waits to be read
        return False, None
    boot = next(line for line in (proc / "stat").read_text().splitlines() if line.startswith("btime "))
    return True, int(boot.split()[1]) + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, not_started_after: float) -> bool:
    """Whether process `pid` exists and started no later than `not_started_after` (epoch seconds)."""
    linux = _proc_state(pid)
    if linux is not None:
        alive, started = linux
        return alive and (started is None or started <= not_started_after + START_TIME_SLACK_S)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


class LocalRunLauncher(DefaultRunLauncher):
    """`DefaultRunLauncher` that lets run monitoring see a dead run worker on this machine."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        records = self._instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.RUN_START, limit=1, ascending=False
        ).records
        event = records[0].event_log_entry if records else None
        pid = event.dagster_event.pid if event and event.dagster_event else None
        if event is None or pid is None:
            # STARTED is set by the RUN_START event, so this is a race at most: the run timeout still applies.
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no run worker pid recorded yet")
        if process_alive(pid, not_started_after=event.timestamp):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker pid {pid} is alive")
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker pid {pid} is gone (the process died)")
