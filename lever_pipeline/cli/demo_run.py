"""Running the `lever_sync_and_build` job in this process, as a run the UI lists with the code location's.

`dg.materialize` and `execute_in_process` make runs with no code-location origin, which
the Overview timeline leaves out. Here the run is created with the origin `dagster dev`
gives its own runs (location `lever_pipeline` of `workspace.yaml`, module
`lever_pipeline.definitions`), then executed in this process with the in-process executor,
as the demo always ran. A listener sees every event as it is stored, to print one line
per finished step and to collect what the summary needs.

Dagster has no public call for "create a run with this origin, run it here", so this
module uses `dagster._core` names; they are pinned by uv.lock, and the demo test runs this
path end to end.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.definitions.repository_definition import SINGLETON_REPOSITORY_NAME
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.execution.api import create_execution_plan, execute_run
from dagster._core.remote_origin import ManagedGrpcPythonEnvCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

from lever_pipeline.settings import PROJECT_ROOT

JOB = "lever_sync_and_build"
MODULE = "lever_pipeline.definitions"
LOCATION = "lever_pipeline"  # workspace.yaml's location_name
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}
DBT_STEP = "lever_dbt_models"
_UNFINISHED = (DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED)


@dataclass
class FailedCheck:
    """An asset check that did not pass: which, on what, how bad, and a short reason (counts and ids only)."""

    asset: str
    check: str
    severity: str
    reason: str


@dataclass
class StepFailure:
    step: str
    reason: str


@dataclass
class RunReport:
    """What the run did, as the demo's summary tells it."""

    run_id: str
    success: bool = False
    materializations: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_checks: list[FailedCheck] = field(default_factory=list)
    step_failures: list[StepFailure] = field(default_factory=list)
    checks_passed: int = 0
    #: Ctrl-C or SIGTERM reached a step: Dagster ends the step and the run, and execution returns.
    interrupted: bool = False

    @property
    def requests(self) -> int:
        return sum(int(m.get("requests", 0)) for m in self.materializations.values())

    @property
    def rate_limited(self) -> int:
        return sum(int(m.get("retries_429", 0)) for m in self.materializations.values())


class StepPrinter:
    """Event listener: one line per finished step that materialized something or failed."""

    def __init__(self, report: RunReport, echo: Callable[[str], None]) -> None:
        self.report = report
        self.echo = echo
        self._started: dict[str, float] = {}
        self._assets: dict[str, list[str]] = {}
        self._checks: dict[str, list[bool]] = {}
        self._failed_checks: dict[str, list[FailedCheck]] = {}

    def __call__(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        step = event.step_key
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self._started[step] = entry.timestamp
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.step_materialization_data.materialization
            key = mat.asset_key.to_user_string()
            self.report.materializations[key] = {k: v.value for k, v in mat.metadata.items()}
            self._assets.setdefault(step, []).append(key)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            self._record_check(step, event.asset_check_evaluation_data)
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            seconds = entry.timestamp - self._started.get(step, entry.timestamp)
            failed = kind == DagsterEventType.STEP_FAILURE
            if failed:
                error = event.step_failure_data.error
                if error is not None and error.cls_name == "DagsterExecutionInterruptedError":
                    self.report.interrupted = True
                reason = self._failure_reason(step, error.message if error else "")
                self.report.step_failures.append(StepFailure(step, reason))
            if failed or step in self._assets:
                self.echo(self._line(step, seconds, failed))

    def _record_check(self, step: str, evaluation: Any) -> None:
        self._checks.setdefault(step, []).append(bool(evaluation.passed))
        if evaluation.passed:
            self.report.checks_passed += 1
            return
        failed = FailedCheck(
            asset=evaluation.asset_key.to_user_string(),
            check=evaluation.check_name,
            severity=evaluation.severity.value,
            reason=short_reason(evaluation.description, {k: v.value for k, v in evaluation.metadata.items()}),
        )
        self.report.failed_checks.append(failed)
        self._failed_checks.setdefault(step, []).append(failed)

    def _failure_reason(self, step: str, message: str) -> str:
        """Why a step failed: the error-severity checks it failed (dbt's tests), else its error in one line."""
        errors = [c for c in self._failed_checks.get(step, []) if c.severity == "ERROR"]
        if errors:
            named = "; ".join(f"{c.check} on {c.asset} ({c.reason})" for c in errors[:3])
            more = f"; and {len(errors) - 3:,} more" if len(errors) > 3 else ""
            return f"{len(errors):,} failing test{'s' if len(errors) != 1 else ''}: {named}{more}"
        text = " ".join(message.split()).removeprefix("dagster._core.definitions.events.Failure: ")
        return (text[:300] + "...") if len(text) > 300 else text or "failed (the log says why)"

    def _line(self, step: str, seconds: float, failed: bool) -> str:
        status = "FAILED" if failed else "ok"
        assets = self._assets.get(step, [])
        if step == DBT_STEP or len(assets) > 1:
            checks = self._checks.get(step, [])
            detail = f"{len(assets):,} tables, {len(checks):,} tests"
            if checks and not all(checks):
                detail += f" ({sum(1 for c in checks if not c):,} not passed)"
            name = "dbt build"
        elif assets:
            name = assets[0]
            meta = self.report.materializations[name]
            detail = (
                f"{meta.get('mode', ''):<11} seen {int(meta.get('rows_seen', 0)):>6,}  "
                f"new {int(meta.get('rows_inserted', 0)):>6,}  changed {int(meta.get('rows_updated', 0)):>5,}  "
                f"requests {int(meta.get('requests', 0)):>5,}"
                if "requests" in meta
                else ""
            )
        else:
            name, detail = step.replace("__", "/"), ""
        return f"  {name:<26} {status:<6} {seconds:6.1f} s  {detail}".rstrip()


def short_reason(description: str | None, metadata: dict[str, Any]) -> str:
    """A check's reason in a few words: its description, else its failing-row count or first figures."""
    if description:
        return _first_line(description)
    failing = metadata.get("dagster_dbt/failed_row_count")
    if failing is not None:
        return f"{int(failing):,} failing rows"
    figures = [f"{k}={v}" for k, v in metadata.items() if isinstance(v, int | float | str) and len(str(v)) <= 80]
    return ", ".join(figures[:3]) or "did not pass"


def run_pipeline(
    instance: dg.DagsterInstance, echo: Callable[[str], None], tags: dict[str, str], job: str = JOB
) -> RunReport:
    """Run `job` (the demo's, by default) here, on `instance`, as a run of the code location; report what it did.

    An interrupt (Ctrl-C, SIGTERM) marks the run canceled, so the UI never shows it running
    on; Dagster turns one that reaches a step into a failed step and returns (`interrupted`),
    one between steps propagates.
    """
    recon_job = ReconstructableRepository.for_module(
        MODULE, "defs", working_directory=str(PROJECT_ROOT)
    ).get_reconstructable_job(job)
    ref = instance.get_ref() if instance.is_persistent else None
    plan = create_execution_plan(recon_job, run_config=IN_PROCESS, instance_ref=ref)
    run = instance.create_run_for_job(
        job_def=recon_job.get_definition(),
        execution_plan=plan,
        run_config=IN_PROCESS,
        tags=tags,
        remote_job_origin=remote_origin(job),
        job_code_origin=recon_job.get_python_origin(),
    )
    report = RunReport(run.run_id)
    instance.add_event_listener(run.run_id, StepPrinter(report, echo))
    interrupted = True
    try:
        report.success = execute_run(recon_job, run, instance).success
        interrupted = report.interrupted
    finally:
        stored = instance.get_run_by_id(run.run_id)
        if stored is not None and (stored.status in _UNFINISHED or (interrupted and not report.success)):
            instance.report_run_canceled(stored, message="lever-pipeline demo was interrupted (Ctrl-C or SIGTERM)")
    return report


def remote_origin(job: str = JOB) -> RemoteJobOrigin:
    """The origin `dagster dev` gives runs of `job` (workspace.yaml: module lever_pipeline.definitions)."""
    target = LoadableTargetOrigin(
        executable_path=sys.executable, module_name=MODULE, working_directory=str(PROJECT_ROOT)
    )
    location = ManagedGrpcPythonEnvCodeLocationOrigin(loadable_target_origin=target, location_name=LOCATION)
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME), job)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
