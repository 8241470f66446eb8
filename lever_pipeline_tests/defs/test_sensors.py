"""The webhook path end to end and the sensors' contracts: the sandbox posts signed webhooks to the
running service (uvicorn, real socket), the sensor is evaluated through Dagster against a test
instance, and the row changes. A few events are refreshed in the tick itself and reported as
materializations with their checks; a larger backlog goes to a run (executed in process here), at
most one queued or running; the events of a refresh that ends without settling them go to the next."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.webhooks.jobs import purge_webhook_events_job
from lever_pipeline.defs.webhooks.sensors import lever_webhook_events_released, lever_webhook_events_released_on_cancel
from lever_pipeline.defs.webhooks.tick_refresh import TICK_CLAIM_PREFIX, TickRefresh
from lever_pipeline.sandbox.config import DEFAULT_WEBHOOK_TOKEN
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import run_service_in_thread
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events
from lever_pipeline.webhooks.claims import claim_events
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource, sandbox_settings
from lever_pipeline_tests.defs.conftest import lever_resource_for, tick_refresh_limit
from lever_pipeline_tests.defs.refresh_runs import launch, materializations, recorded_run, sync_baseline, tick
from lever_pipeline_tests.fixtures_sandbox import eventually
from lever_pipeline_tests.service.conftest import service_settings
from lever_pipeline_tests.webhooks.stored import events, store

STAGE_TOKEN = "e2e-stage-change-token"
Status = dg.DagsterRunStatus


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def webhooked_sandbox(sandbox_factory: Any, engine: Engine) -> Iterator[RunningSandbox]:
    """A sandbox posting signed webhooks to the service, and the service (on the same Lever account)."""
    port = free_port()  # the sandbox must know where to post before the service knows the sandbox
    with sandbox_factory(
        webhook_url=f"http://127.0.0.1:{port}/webhooks/lever/{{event}}",
        webhook_tokens={"candidateStageChange": STAGE_TOKEN},
        webhook_retry_base_s=0.05,
    ) as sandbox:
        settings = service_settings(
            lever_webhook_tokens={"candidateStageChange": STAGE_TOKEN},
            lever_webhook_secret=DEFAULT_WEBHOOK_TOKEN,
            lever_api_key=sandbox.api_key,
            lever_base_url=sandbox.base_url,
            lever_sandbox_account=sandbox_settings(sandbox).lever_sandbox_account,
        )
        with run_service_in_thread(create_app(settings, engine), port=port):
            yield sandbox


def stage_of(engine: Engine, opportunity_id: str) -> str | None:
    o = lever_opportunities
    with engine.connect() as conn:
        return conn.execute(sa.select(o.c.stage_id).where(o.c.id == opportunity_id)).scalar_one_or_none()


@pytest.mark.usefixtures("runs_only")
def test_stage_change_webhook_reaches_the_warehouse_row(
    sandbox_factory: Any, engine: Engine, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    with webhooked_sandbox(sandbox_factory, engine) as sandbox, dg.instance_for_test() as instance:
        lever = lever_resource_for(sandbox, rate=200.0)
        sync_baseline(lever, warehouse_resource)
        assert events(clean_engine) == []  # a sync emits no webhooks

        (change,) = sandbox.mutate(1, ["stage"])["mutations"]
        opp, new_stage = change["opportunityId"], change["toStageId"]
        assert stage_of(clean_engine, opp) == change["fromStageId"] != new_stage

        eventually(lambda: events(clean_engine), message="the sandbox's webhook to be stored by the service")
        (event,) = events(clean_engine)
        assert (event.event_type, event.opportunity_id) == ("candidateStageChange", opp)

        request = tick(instance, warehouse_resource)
        assert isinstance(request, dg.RunRequest)
        assert request.run_key == f"webhooks-through-{event.id}-after-none"
        run = launch(request, instance, lever, warehouse_resource)
        assert run.success
        assert stage_of(clean_engine, opp) == new_stage
        (event,) = events(clean_engine)
        assert event.processed_at is not None and event.processed_run_id == run.run_id
        assert materializations(run)["opportunities"]["mode"] == "targeted"
        assert tick(instance, warehouse_resource) == dg.SkipReason("No webhook events are waiting.")


@pytest.mark.usefixtures("runs_only")
def test_sensor_waits_for_the_queued_refresh_then_requests_one_run_for_the_burst(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    sandbox.reset()
    lever = lever_resource_for(sandbox, rate=400.0)
    sync_baseline(lever, warehouse_resource)
    with clean_engine.connect() as conn:
        ids = list(conn.execute(sa.select(lever_opportunities.c.id).order_by(lever_opportunities.c.id)).scalars())
    with dg.instance_for_test() as instance:
        queued = recorded_run(instance, Status.QUEUED)
        burst = [store(clean_engine, "candidateStageChange", ids[i % 40]) for i in range(120)]
        for _ in range(3):  # however many ticks pass while it waits in the queue
            skip = tick(instance, warehouse_resource)
            assert isinstance(skip, dg.SkipReason)
            assert f"120 webhook events wait while refresh run {queued.run_id} is queued" in (skip.skip_message or "")
        assert instance.get_runs_count() == 1

        instance.report_run_canceled(queued)  # it ends without having claimed anything
        request = tick(instance, warehouse_resource)
        assert isinstance(request, dg.RunRequest)
        assert request.run_key == f"webhooks-through-{burst[-1]}-after-{queued.run_id}"
        assert tick(instance, warehouse_resource) == request  # a re-evaluated tick asks for the same run key

        run = launch(request, instance, lever, warehouse_resource)
        assert run.success
        meta = materializations(run)["opportunities"]
        assert (meta["webhook_events"], meta["events_settled"], meta["opportunities_fetched"]) == (120, 120, 40)
        assert {e.processed_run_id for e in events(clean_engine)} == {run.run_id}
        assert isinstance(tick(instance, warehouse_resource), dg.SkipReason)


@pytest.mark.usefixtures("runs_only")
def test_sensor_requests_nothing_while_a_refresh_runs_and_leaves_its_claims(
    warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    store(clean_engine, "candidateStageChange", "opp-1")
    with dg.instance_for_test() as instance:
        running = recorded_run(instance, Status.STARTED)
        claim_events(clean_engine, running.run_id)
        late = store(clean_engine, "candidateStageChange", "opp-2")
        skip = tick(instance, warehouse_resource)
        assert isinstance(skip, dg.SkipReason) and "is started" in (skip.skip_message or "")
        claimed = {e.opportunity_id: e.claimed_by_run for e in events(clean_engine)}
        assert claimed == {"opp-1": running.run_id, "opp-2": None}
        instance.report_run_failed(running)  # e.g. run monitoring found its process gone
        request = tick(instance, warehouse_resource)
        assert isinstance(request, dg.RunRequest)
        assert request.run_key == f"webhooks-through-{late}-after-{running.run_id}"
    assert [(e.claimed_by_run, e.failed_runs) for e in events(clean_engine)] == [(None, 1), (None, 0)]


@pytest.mark.usefixtures("runs_only")
@pytest.mark.parametrize("status", [Status.FAILURE, Status.CANCELED, Status.SUCCESS, "deleted", "dead tick"])
def test_sensor_releases_claims_whose_run_ended_or_vanished(
    status: Status | str, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    store(clean_engine, "candidateStageChange", "opp-1")
    with dg.instance_for_test() as instance:
        if isinstance(status, Status):
            run_id = recorded_run(instance, status).run_id
        else:  # a run deleted from storage, or a tick that died between its claim and its rows
            run_id = "deleted-run" if status == "deleted" else f"{TICK_CLAIM_PREFIX}0f5e"
        claim_events(clean_engine, run_id)
        request = tick(instance, warehouse_resource)
        assert isinstance(request, dg.RunRequest)
    (event,) = events(clean_engine)
    assert (event.claimed_by_run, event.failed_runs, event.processed_at) == (None, 1, None)


@pytest.mark.usefixtures("runs_only")
def test_failed_refresh_releases_its_events_for_the_next_run(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    sandbox.reset()
    lever = lever_resource_for(sandbox, rate=400.0)
    sync_baseline(lever, warehouse_resource)
    opp = sandbox.mutate(1, ["stage"])["mutations"][0]["opportunityId"]
    store(clean_engine, "candidateStageChange", opp)
    with dg.instance_for_test() as instance:
        first = tick(instance, warehouse_resource)
        bad_key = SandboxLeverResource(
            api_key="revoked-key", base_url=sandbox.base_url, requests_per_second=50, burst=5
        )
        failed = launch(first, instance, bad_key, warehouse_resource)
        assert not failed.success
        (event,) = events(clean_engine)
        assert (event.claimed_by_run, event.processed_at) == (failed.run_id, None)

        context = dg.build_run_status_sensor_context(
            sensor_name="lever_webhook_events_released",
            dagster_event=failed.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=failed.dagster_run,
            resources={"warehouse": warehouse_resource},
        )
        lever_webhook_events_released(context.for_run_failure())
        (event,) = events(clean_engine)
        assert (event.claimed_by_run, event.failed_runs) == (None, 1)

        again = tick(instance, warehouse_resource)
        assert isinstance(again, dg.RunRequest) and again.run_key != first.run_key
        run = launch(again, instance, lever, warehouse_resource)
        assert run.success
    (event,) = events(clean_engine)
    assert event.processed_run_id == run.run_id
    assert stage_of(clean_engine, opp) == sandbox_stage(sandbox, opp)


def test_a_few_events_are_refreshed_in_the_tick_as_materializations_with_their_checks(
    sandbox_factory: Any, engine: Engine, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    with webhooked_sandbox(sandbox_factory, engine) as sandbox, dg.instance_for_test() as instance:
        lever = lever_resource_for(sandbox, rate=200.0)
        sync_baseline(lever, warehouse_resource)
        changes = sandbox.mutate(4, ["stage"])["mutations"] + sandbox.mutate(2, ["interview"])["mutations"]
        eventually(lambda: len(events(clean_engine)) == 6, message="the sandbox's six webhooks to be stored")

        skip = tick(instance, warehouse_resource, lever)
        assert isinstance(skip, dg.SkipReason)
        opportunities = len({c["opportunityId"] for c in changes})
        assert (skip.skip_message or "").startswith(
            f"Refreshed in this tick from 6 webhook events: {opportunities} opportunities, interviews of "
        )
        assert instance.get_runs_count() == 0  # no run: the tick did the work

        for opp in {c["opportunityId"] for c in changes if c["kind"] == "stage"}:
            assert stage_of(clean_engine, opp) == sandbox_stage(sandbox, opp)
        stored = events(clean_engine)
        assert all(e.processed_at is not None for e in stored)
        assert len({e.processed_run_id for e in stored}) == 1
        assert stored[0].processed_run_id.startswith(TICK_CLAIM_PREFIX)

        key = dg.AssetKey(["lever", "opportunities"])
        latest = instance.get_latest_materialization_event(key)
        assert latest is not None and latest.asset_materialization is not None
        meta = {k: v.value for k, v in latest.asset_materialization.metadata.items()}
        assert (meta["mode"], meta["refreshed_in"], meta["webhook_events"], meta["events_settled"]) == (
            "targeted",
            "sensor tick",
            6,
            6,
        )
        assert meta["opportunities_fetched"] == opportunities
        interviews = instance.get_latest_materialization_event(dg.AssetKey(["lever", "interviews"]))
        assert interviews is not None and interviews.asset_materialization is not None
        assert interviews.asset_materialization.metadata["refreshed_in"].value == "sensor tick"

        record = instance.fetch_materializations(key, limit=1).records[0]
        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(key, n) for n in ("ids_unique_and_present", "opportunities_have_known_stage")]
        )
        assert len(checks) == 2
        for execution in checks.values():
            assert execution.event is not None and execution.event.asset_check_evaluation is not None
            evaluation = execution.event.asset_check_evaluation
            assert evaluation.passed
            assert evaluation.target_materialization_data is not None
            assert evaluation.target_materialization_data.storage_id == record.storage_id

        assert tick(instance, warehouse_resource, lever) == dg.SkipReason("No webhook events are waiting.")


def test_a_backlog_over_the_tick_limit_goes_to_one_run(
    monkeypatch: pytest.MonkeyPatch, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    tick_refresh_limit(monkeypatch, 3)
    newest = [store(clean_engine, "candidateStageChange", f"opp-{i}") for i in range(4)][-1]
    with dg.instance_for_test() as instance:
        request = tick(instance, warehouse_resource)  # NO_LEVER: the tick must not call Lever
        assert isinstance(request, dg.RunRequest)
        assert request.run_key == f"webhooks-through-{newest}-after-none"
    assert all(e.claimed_by_run is None for e in events(clean_engine))


def sandbox_stage(sandbox: RunningSandbox, opportunity_id: str) -> str:
    response = httpx.get(f"{sandbox.base_url}/opportunities/{opportunity_id}", auth=(sandbox.api_key, ""))
    response.raise_for_status()
    return response.json()["data"]["stage"]


def test_cancel_sensor_releases_a_canceled_runs_events(
    warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    store(clean_engine, "candidateStageChange", "opp-1")
    with dg.instance_for_test() as instance:
        run = recorded_run(instance, Status.STARTED)
        claim_events(clean_engine, run.run_id)
        instance.report_run_canceled(run)
        canceled = instance.get_run_by_id(run.run_id)
        assert canceled is not None
        context = dg.build_run_status_sensor_context(
            sensor_name="lever_webhook_events_released_on_cancel",
            dagster_event=next(
                e.dagster_event
                for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_CANCELED)
                if e.dagster_event
            ),
            dagster_instance=instance,
            dagster_run=canceled,
            resources={"warehouse": warehouse_resource},
        )
        lever_webhook_events_released_on_cancel(context)
    (event,) = events(clean_engine)
    assert (event.claimed_by_run, event.failed_runs) == (None, 1)


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


def test_a_ticks_summary_counts_in_words() -> None:
    one = TickRefresh(1, {"opportunities": 1, "feedback": 1})
    assert one.summary() == "Refreshed in this tick from 1 webhook event: 1 opportunity, feedback of 1."
    many = TickRefresh(7, {"opportunities": 5, "interviews": 2})
    assert many.summary() == "Refreshed in this tick from 7 webhook events: 5 opportunities, interviews of 2."
