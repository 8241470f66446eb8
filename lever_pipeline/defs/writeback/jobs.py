"""Write-back ops jobs and the sensors that launch them.

`submit_approved_feedback` sends approved feedback drafts; `submit_lever_writes` sends the
other queued writes (notes, tags, stage changes, archiving, files). Each is one op over
`warehouse.writeback.send_pending`, reporting sent / skipped / failed / retried per kind,
whether the circuit breaker is open, and in a dry run a table of what would be sent (ids
and kinds only). A rejected API key fails the run with retries disabled.

The sensors run by default: they launch a job only when items are due, so an approved
draft is sent within a minute instead of waiting for someone to turn a sensor on.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.settings import get_settings
from lever_pipeline.writeback.outbox import FEEDBACK_KINDS, WRITE_KINDS, due_items
from lever_pipeline.writeback.sender import WritebackOptions, WritebackResult, send_pending

#: A write-back run sends at most `max_items` (100 by default) at Lever's rate, well under a
#: minute; one still running after half an hour is stuck, and run monitoring fails it so
#: it frees its place in the run queue (the outbox resends nothing that landed).
WRITEBACK_RUN_TAGS = {"dagster/max_runtime": "1800"}

PREVIEW_COLUMNS = ("outbox_id", "kind", "opportunity_id", "draft_id", "method", "path", "perform_as_source", "verdict")


class WritebackConfig(dg.Config):
    """Launch config; bad values fail before anything is sent."""

    dry_run: bool = Field(default=False, description="Send nothing; record and show what would be sent.")
    max_items: int = Field(default=100, ge=1, le=1000, description="At most this many items in this run.")


def _preview(rows: Sequence[dict[str, object]]) -> str:
    head = "| " + " | ".join(PREVIEW_COLUMNS) + " |\n|" + "---|" * len(PREVIEW_COLUMNS) + "\n"
    body = "".join("| " + " | ".join(str(r.get(c) or "") for c in PREVIEW_COLUMNS) + " |\n" for r in rows[:50])
    return head + body if rows else "nothing is due"


def writeback_metadata(result: WritebackResult, dry_run: bool) -> dict[str, object]:
    """Run metadata: totals, per-kind counts, the circuit breaker, and the dry-run preview."""
    meta: dict[str, object] = {"dry_run": dry_run, **result.totals()}
    for kind, stats in sorted(result.per_kind.items()):
        meta[f"by_kind/{kind}"] = dg.MetadataValue.json(asdict(stats))
    meta["circuit_open"] = result.circuit_open
    if result.circuit_open_until is not None:
        meta["circuit_open_until"] = dg.MetadataValue.timestamp(result.circuit_open_until)
    if dry_run:
        meta["would_send"] = dg.MetadataValue.md(_preview(result.would_send))
    return meta


def run_writeback(
    context: dg.OpExecutionContext,
    lever: LeverResource,
    warehouse: WarehouseResource,
    config: WritebackConfig,
    kinds: Sequence[str],
) -> WritebackResult:
    settings = get_settings()
    engine = warehouse.engine()
    dry_run = config.dry_run or settings.lever_writeback_dry_run
    options = WritebackOptions(
        service_user_id=settings.lever_service_user_id,
        dry_run=dry_run,
        max_items=config.max_items,
        template_ttl_seconds=settings.lever_template_ttl_seconds,
        run_id=context.run_id,
    )

    result = run_with_client(lever, engine, lambda client: send_pending(client, engine, kinds, options))
    metadata = writeback_metadata(result, dry_run)
    if result.auth_error:
        raise dg.Failure(description=result.auth_error, metadata=metadata, allow_retries=False)
    context.add_output_metadata(metadata)
    return result


@dg.op(out=dg.Out(dg.Nothing))
def submit_feedback_drafts(
    context: dg.OpExecutionContext, lever: LeverResource, warehouse: WarehouseResource, config: WritebackConfig
) -> None:
    """Submit approved feedback drafts to Lever, each attributed to its interviewer."""
    run_writeback(context, lever, warehouse, config, FEEDBACK_KINDS)


@dg.op(out=dg.Out(dg.Nothing))
def send_lever_writes(
    context: dg.OpExecutionContext, lever: LeverResource, warehouse: WarehouseResource, config: WritebackConfig
) -> None:
    """Send queued notes, tag changes, stage changes, archive changes and files to Lever."""
    run_writeback(context, lever, warehouse, config, WRITE_KINDS)


@dg.job(tags={"writeback": "feedback", **WRITEBACK_RUN_TAGS})
def submit_approved_feedback() -> None:
    """Approved feedback drafts -> Lever, exactly once."""
    submit_feedback_drafts()


@dg.job(tags={"writeback": "writes", **WRITEBACK_RUN_TAGS})
def submit_lever_writes() -> None:
    """Queued notes, tags, stage changes, archiving and files -> Lever, exactly once."""
    send_lever_writes()


def ready_run_key(job_name: str, warehouse: WarehouseResource, kinds: Sequence[str]) -> str | None:
    """A run key naming the batch of items due now (ids and attempt counts), or None when nothing is due.

    The same unchanged batch gives the same key, so a tick cannot launch it twice (and items a
    rejected key left untouched do not relaunch the job over and over).
    """
    items = due_items(warehouse.engine(), kinds, datetime.now(UTC), limit=1000)
    if not items:
        return None
    digest = hashlib.sha256(",".join(f"{i.id}:{i.attempts}" for i in items).encode()).hexdigest()[:16]
    return f"{job_name}-{items[0].id}-{items[-1].id}-{digest}"


# The sensors name their job rather than hold it: `Definitions` would otherwise copy each
# sensor to bind the job's resources, and Dagster 1.13's copy passes `owners=[]`, which logs
# a BetaWarning for every sensor in every process that loads the definitions.
@dg.sensor(
    job_name="submit_approved_feedback", minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING
)
def approved_feedback_sensor(warehouse: WarehouseResource) -> dg.RunRequest | dg.SkipReason:
    """Launch `submit_approved_feedback` when approved drafts are due."""
    key = ready_run_key("submit_approved_feedback", warehouse, FEEDBACK_KINDS)
    return dg.RunRequest(run_key=key) if key else dg.SkipReason("no approved feedback is due")


@dg.sensor(job_name="submit_lever_writes", minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def lever_writes_sensor(warehouse: WarehouseResource) -> dg.RunRequest | dg.SkipReason:
    """Launch `submit_lever_writes` when queued writes are due."""
    key = ready_run_key("submit_lever_writes", warehouse, WRITE_KINDS)
    return dg.RunRequest(run_key=key) if key else dg.SkipReason("no queued Lever writes are due")


WRITEBACK_JOBS = [submit_approved_feedback, submit_lever_writes]
WRITEBACK_SENSORS = [approved_feedback_sensor, lever_writes_sensor]
