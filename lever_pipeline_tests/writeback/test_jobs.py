"""The write-back ops jobs and sensors, in-process against the sandbox and a real PostgreSQL."""

from __future__ import annotations

import dagster as dg
import pytest

from lever_pipeline.defs.writeback.jobs import (
    approved_feedback_sensor,
    lever_writes_sensor,
    submit_approved_feedback,
    submit_lever_writes,
)
from lever_pipeline.writeback import outbox
from lever_pipeline_tests.writeback.conftest import World, lever_for
from lever_pipeline_tests.writeback.test_send import approved_feedback, queue


def run(job: dg.JobDefinition, world: World, op: str, **config: object) -> dg.ExecuteInProcessResult:
    return job.execute_in_process(
        run_config={"ops": {op: {"config": config}}},
        resources={"lever": lever_for(world.sandbox), "warehouse": world.warehouse},
        raise_on_error=False,
    )


def op_metadata(result: dg.ExecuteInProcessResult, op: str) -> dict[str, object]:
    for event in result.events_for_node(op):
        if event.event_type_value == "STEP_OUTPUT":
            return {k: v.value for k, v in event.step_output_data.metadata.items()}
    raise AssertionError(f"no output from {op}")


def test_submit_lever_writes_job_reports_per_kind(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEVER_SERVICE_USER_ID", world.active_user()["id"])
    from lever_pipeline.settings import get_settings

    get_settings.cache_clear()
    queue(world, "note", {"value": "hello"})
    queue(world, "add_tags", {"tags": ["job"]})
    result = run(submit_lever_writes, world, "send_lever_writes")
    get_settings.cache_clear()
    assert result.success
    meta = op_metadata(result, "send_lever_writes")
    assert meta["sent"] == 2 and meta["failed"] == 0 and meta["circuit_open"] is False
    assert meta["by_kind/note"]["sent"] == 1


def test_dry_run_job_shows_table_and_sends_nothing(world: World) -> None:
    approved_feedback(world, world.active_user()["email"])
    before = dict(world.sandbox.stats()["writes"])
    result = run(submit_approved_feedback, world, "submit_feedback_drafts", dry_run=True)
    assert result.success
    meta = op_metadata(result, "submit_feedback_drafts")
    assert world.sandbox.stats()["writes"] == before
    assert meta["would_send"].startswith("| outbox_id") and "would send" in meta["would_send"]
    assert "@" not in meta["would_send"]  # no emails


def test_auth_failure_fails_the_run_without_retries(world: World) -> None:
    queue(world, "note", {"value": "x"})
    world.sandbox.faults({"next": 1, "status": 401, "method": "POST"})
    result = run(submit_lever_writes, world, "send_lever_writes")
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "401" in failure.step_failure_data.error.message
    assert failure.step_failure_data.user_failure_data.metadata is not None


def test_max_items_bounds_are_checked_before_sending(world: World) -> None:
    item = queue(world, "note", {"value": "x"})
    result = run(submit_lever_writes, world, "send_lever_writes", max_items=0)
    assert not result.success
    assert world.sandbox.stats()["writes"].get("note.create", 0) == 0
    assert outbox.get_item(world.engine, item.id).attempts == 0  # type: ignore[union-attr]


def test_sensors_launch_with_a_run_key_only_when_items_are_due(world: World) -> None:
    ctx = dg.build_sensor_context(resources={"warehouse": world.warehouse})
    assert isinstance(lever_writes_sensor(ctx), dg.SkipReason)
    queue(world, "note", {"value": "x"})
    approved_feedback(world, world.active_user()["email"])
    first = lever_writes_sensor(dg.build_sensor_context(resources={"warehouse": world.warehouse}))
    again = lever_writes_sensor(dg.build_sensor_context(resources={"warehouse": world.warehouse}))
    assert isinstance(first, dg.RunRequest) and first.run_key == again.run_key
    fb = approved_feedback_sensor(dg.build_sensor_context(resources={"warehouse": world.warehouse}))
    assert isinstance(fb, dg.RunRequest) and fb.run_key.startswith("submit_approved_feedback-")
    assert outbox.list_items(world.engine, status="pending")
