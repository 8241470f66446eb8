"""A tiny code location for the run-monitoring test: a run that blocks, and one that follows.

`blocking_sensor` requests `blocking_job` once; its op waits until the test kills the run's
process. `follow_up_sensor` requests `follow_up_job` once the file named by
LEVER_MONITOR_TEST_TRIGGER exists, so the test decides when the second run is queued.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import dagster as dg

#: Upper bound on the blocking op, so a failed test never leaves a run behind for long.
BLOCK_AT_MOST_S = 300


@dg.op
def wait_until_killed() -> None:
    """Block until the process is killed (or BLOCK_AT_MOST_S passes)."""
    threading.Event().wait(BLOCK_AT_MOST_S)


@dg.op
def say_done() -> None:
    """Nothing to do: the run only has to start and finish."""


@dg.job(executor_def=dg.in_process_executor)
def blocking_job() -> None:
    wait_until_killed()


@dg.job(executor_def=dg.in_process_executor)
def follow_up_job() -> None:
    say_done()


@dg.sensor(job=blocking_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def blocking_sensor() -> dg.RunRequest:
    return dg.RunRequest(run_key="blocking")


@dg.sensor(job=follow_up_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def follow_up_sensor() -> dg.RunRequest | dg.SkipReason:
    if Path(os.environ["LEVER_MONITOR_TEST_TRIGGER"]).exists():
        return dg.RunRequest(run_key="follow-up")
    return dg.SkipReason("the test has not asked for the follow-up run yet")


defs = dg.Definitions(jobs=[blocking_job, follow_up_job], sensors=[blocking_sensor, follow_up_sensor])
