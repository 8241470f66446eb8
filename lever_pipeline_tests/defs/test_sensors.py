"""The webhook path end to end and the sensors' contracts: the sandbox posts signed webhooks to the
running service (uvicorn, real socket), the sensor is evaluated through Dagster, the requested
run executes in process, the run-status sensor settles its events, and the row changes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import opportunities
from lever_pipeline.defs.webhooks.jobs import purge_webhook_events_job, refresh_lever_opportunities_job
from lever_pipeline.defs.webhooks.sensors import (
    CLAIM_TIMEOUT_S,
    lever_webhook_events_processed,
    lever_webhook_events_requeued,
    lever_webhook_sensor,
)
from lever_pipeline.lever.webhook_signature import VerifiedDelivery
from lever_pipeline.sandbox.config import DEFAULT_WEBHOOK_TOKEN
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import run_service_in_thread
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events
from lever_pipeline.webhooks.events import store_event
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource
from lever_pipeline_tests.defs.conftest import lever_resource_for
from lever_pipeline_tests.fixtures_sandbox import eventually
from lever_pipeline_tests.service.conftest import service_settings

STAGE_TOKEN = "e2e-stage-change-token"


@contextmanager
def webhooked_sandbox(sandbox_factory: Any, engine: Engine) -> Iterator[RunningSandbox]:
    """The service on the test database, and a sandbox posting its webhooks to it, signed."""
    settings = service_settings(
        lever_webhook_tokens={"candidateStageChange": STAGE_TOKEN}, lever_webhook_secret=DEFAULT_WEBHOOK_TOKEN
    )
    with (
        run_service_in_thread(create_app(settings, engine)) as service,
        sandbox_factory(
            webhook_url=f"{service.url}/webhooks/lever/{{event}}",
            webhook_tokens={"candidateStageChange": STAGE_TOKEN},
            webhook_retry_base_s=0.05,
        ) as sandbox,
    ):
        yield sandbox


def events(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(sa.select(lever_webhook_events).order_by(lever_webhook_events.c.id)).all()


def stage_of(engine: Engine, opportunity_id: str) -> str | None:
    o = lever_opportunities
    with engine.connect() as conn:
        return conn.execute(sa.select(o.c.stage_id).where(o.c.id == opportunity_id)).scalar_one_or_none()


def sync_opportunities(lever: LeverResource, warehouse: WarehouseResource) -> None:
    result = dg.materialize(
        [opportunities],
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={opportunities.op.name: {"config": {"full_refresh": True}}}),
    )
    assert result.success


def refresh_config(request: dg.RunRequest) -> dict[str, Any]:
    return request.run_config["ops"]["refresh_lever_opportunities"]["config"]


def tick(instance: dg.DagsterInstance, warehouse: WarehouseResource, cursor: str | None) -> Any:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    return lever_webhook_sensor(context)


def execute(
    request: dg.RunRequest, instance: dg.DagsterInstance, lever: LeverResource, warehouse: WarehouseResource
) -> dg.ExecuteInProcessResult:
    return refresh_lever_opportunities_job.execute_in_process(
        run_config=request.run_config,
        instance=instance,
        resources={"lever": lever, "warehouse": warehouse},
        tags={**request.tags, "dagster/run_key": request.run_key},
        raise_on_error=False,
    )


def settle(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, warehouse: WarehouseResource) -> None:
    """Evaluate the run-status sensor that matches how the run ended."""
    if result.success:
        sensor, event, name = lever_webhook_events_processed, result.get_run_success_event(), "processed"
    else:
        sensor, event, name = lever_webhook_events_requeued, result.get_run_failure_event(), "requeued"
    context = dg.build_run_status_sensor_context(
        sensor_name=f"lever_webhook_events_{name}",
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"warehouse": warehouse},
    )
    sensor(context if result.success else context.for_run_failure())


def test_stage_change_webhook_reaches_the_warehouse_row(
    sandbox_factory: Any, engine: Engine, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    with webhooked_sandbox(sandbox_factory, engine) as sandbox, dg.instance_for_test() as instance:
        lever = lever_resource_for(sandbox, rate=200.0)
        sync_opportunities(lever, warehouse_resource)
        assert events(clean_engine) == []  # a sync emits no webhooks

        (change,) = sandbox.mutate(1, ["stage"])["mutations"]
        opp, new_stage = change["opportunityId"], change["toStageId"]
        assert stage_of(clean_engine, opp) == change["fromStageId"] != new_stage

        eventually(lambda: events(clean_engine), message="the sandbox's webhook to be stored by the service")
        (event,) = events(clean_engine)
        assert (event.event_type, event.opportunity_id) == ("candidateStageChange", opp)

        result = tick(instance, warehouse_resource, cursor=None)
        assert isinstance(result, dg.SensorResult)
        (request,) = result.run_requests
        config = refresh_config(request)
        assert config["opportunity_ids"] == [opp] and config["event_ids"] == [event.id]

        run = execute(request, instance, lever, warehouse_resource)
        assert run.success
        assert stage_of(clean_engine, opp) == new_stage
        assert events(clean_engine)[0].processed_at is None  # only a settled run marks its events

        settle(run, instance, warehouse_resource)
        (event,) = events(clean_engine)
        assert event.processed_at is not None and event.processed_run_id == run.run_id
        assert isinstance(tick(instance, warehouse_resource, cursor=result.cursor), dg.SkipReason)


def test_sensor_reevaluated_tick_requests_the_same_run_key(
    warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    for i in range(3):
        store(clean_engine, "candidateStageChange", f"opp-{i}")
    with dg.instance_for_test() as instance:
        first = tick(instance, warehouse_resource, cursor=None)
        again = tick(instance, warehouse_resource, cursor=None)
    assert [r.run_key for r in first.run_requests] == [r.run_key for r in again.run_requests]
    assert first.cursor == again.cursor


def store(engine: Engine, event_type: str, opportunity_id: str | None, **data: Any) -> int:
    at = int(datetime.now(UTC).timestamp() * 1000)
    payload = {"event": event_type, "triggeredAt": at, "data": {"opportunityId": opportunity_id, **data}}
    token = f"{event_type}-{opportunity_id}-{len(data)}-{at}-{id(payload)}"
    delivery = VerifiedDelivery(event_type, None, token, at, opportunity_id, payload)
    result = store_event(engine, delivery)
    assert result.id is not None
    return result.id


def test_sensor_coalesces_events_per_opportunity(warehouse_resource: WarehouseResource, clean_engine: Engine) -> None:
    store(clean_engine, "candidateStageChange", "opp-a")
    store(clean_engine, "candidateArchiveChange", "opp-a")
    store(clean_engine, "interviewCreated", "opp-b")
    store(clean_engine, "candidateStageChange", "opp-c")
    store(clean_engine, "candidateDeleted", "opp-c")
    store(clean_engine, "candidateStageChange", None)  # a test delivery: nothing to refresh, still settled
    with dg.instance_for_test() as instance:
        (request,) = tick(instance, warehouse_resource, cursor=None).run_requests
    config = refresh_config(request)
    assert config["opportunity_ids"] == ["opp-a", "opp-b"]
    assert config["deleted_opportunity_ids"] == ["opp-c"]
    assert len(config["event_ids"]) == 6


def test_failed_run_events_are_requeued_and_requested_again(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    opp = sandbox.mutate(1, ["stage"])["mutations"][0]["opportunityId"]
    store(clean_engine, "candidateStageChange", opp)
    with dg.instance_for_test() as instance:
        first = tick(instance, warehouse_resource, cursor=None)
        (request,) = first.run_requests
        bad_key = SandboxLeverResource(
            api_key="revoked-key", base_url=sandbox.base_url, requests_per_second=50, burst=5
        )
        failed = execute(request, instance, bad_key, warehouse_resource)
        assert not failed.success
        settle(failed, instance, warehouse_resource)
        (event,) = events(clean_engine)
        assert event.processed_at is None and event.failed_runs == 1

        retry = tick(instance, warehouse_resource, cursor=first.cursor)
        (again,) = retry.run_requests
        assert again.run_key != request.run_key
        assert refresh_config(again)["opportunity_ids"] == [opp]
        run = execute(again, instance, lever_resource_for(sandbox, rate=200.0), warehouse_resource)
        assert run.success
        settle(run, instance, warehouse_resource)
    assert events(clean_engine)[0].processed_at is not None
    assert stage_of(clean_engine, opp) is not None


def test_sensor_reoffers_events_whose_run_never_settled(
    warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    store(clean_engine, "candidateStageChange", "opp-lost")
    store(clean_engine, "candidateStageChange", "opp-fresh")
    with dg.instance_for_test() as instance:
        first = tick(instance, warehouse_resource, cursor=None)
        (request,) = first.run_requests
        # The run was launched but no run-status sensor ever saw it end. Age one claim past the timeout.
        t = lever_webhook_events
        with clean_engine.begin() as conn:
            conn.execute(
                sa.update(t)
                .where(t.c.opportunity_id == "opp-lost")
                .values(queued_at=sa.func.now() - timedelta(seconds=CLAIM_TIMEOUT_S + 60))
            )
        retry = tick(instance, warehouse_resource, cursor=first.cursor)
        assert isinstance(retry, dg.SensorResult)
        (again,) = retry.run_requests
        assert again.run_key != request.run_key
        assert refresh_config(again)["opportunity_ids"] == ["opp-lost"]  # the fresh claim is left alone
        assert isinstance(tick(instance, warehouse_resource, cursor=retry.cursor), dg.SkipReason)
    lost = next(e for e in events(clean_engine) if e.opportunity_id == "opp-lost")
    assert lost.failed_runs == 1 and lost.processed_at is None


def test_targeted_refresh_marks_deleted_and_gone_opportunities(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    sandbox.reset()
    lever = lever_resource_for(sandbox, rate=200.0)
    sync_opportunities(lever, warehouse_resource)
    deleted = sandbox.mutate(1, ["delete"])["mutations"][0]["opportunityId"]
    with clean_engine.connect() as conn:
        o = lever_opportunities
        live = conn.execute(sa.select(o.c.id).where(o.c.id != deleted).order_by(o.c.id).limit(1)).scalar_one()
    config = {"opportunity_ids": [deleted], "deleted_opportunity_ids": [live], "child_kinds": []}
    result = refresh_lever_opportunities_job.execute_in_process(
        run_config={"ops": {"refresh_lever_opportunities": {"config": config}}},
        resources={"lever": lever, "warehouse": warehouse_resource},
    )
    assert result.success
    with clean_engine.connect() as conn:
        stamped = dict(conn.execute(sa.select(o.c.id, o.c.deleted_at).where(o.c.id.in_([deleted, live]))).all())
    assert stamped[deleted] is not None  # 404 from Lever
    assert stamped[live] is not None  # candidateDeleted: no fetch needed


@pytest.mark.parametrize("days", [30, 7])
def test_retention_job_deletes_only_old_events(
    days: int, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    ids = [store(clean_engine, "candidateStageChange", f"opp-{i}") for i in range(4)]
    t = lever_webhook_events
    with clean_engine.begin() as conn:
        conn.execute(
            sa.update(t).where(t.c.id.in_(ids[:2])).values(received_at=sa.func.now() - timedelta(days=days, hours=1))
        )
        conn.execute(
            sa.update(t).where(t.c.id == ids[2]).values(received_at=sa.func.now() - timedelta(days=days, hours=-1))
        )
    result = purge_webhook_events_job.execute_in_process(
        run_config={"ops": {"purge_webhook_events": {"config": {"retention_days": days}}}},
        resources={"warehouse": warehouse_resource},
    )
    assert result.success
    assert [e.id for e in events(clean_engine)] == ids[2:]
