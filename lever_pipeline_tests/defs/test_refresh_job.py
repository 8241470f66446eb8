"""`refresh_lever_opportunities_job` through Dagster: a targeted refresh is a materialization of
`lever/opportunities`, `lever/feedback` and `lever/interviews` whose checks evaluate in the same
run; the run claims every waiting event, settles them with its rows, and a burst costs one run.
Real PostgreSQL, the sandbox over HTTP, Dagster in process on a test instance."""

from __future__ import annotations

from typing import Any

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.sync.core_assets import opportunities
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.warehouse.tables import lever_opportunities, lever_stages
from lever_pipeline.warehouse.tables.feedback import lever_feedback, lever_interviews
from lever_pipeline_tests.defs.conftest import lever_resource_for
from lever_pipeline_tests.defs.refresh_runs import (
    TARGETED,
    check_results,
    launch,
    materializations,
    refresh_job,
    sync_baseline,
    tick,
)
from lever_pipeline_tests.webhooks.stored import events, store

pytestmark = pytest.mark.usefixtures("runs_only")

#: The webhook Lever sends for each kind of sandbox change (feedback arrives with its interview's update).
EVENT_FOR = {"stage": "candidateStageChange", "interview": "interviewCreated", "feedback": "interviewUpdated"}


def lever_get(sandbox: RunningSandbox, path: str) -> Any:
    response = httpx.get(f"{sandbox.base_url}{path}", auth=(sandbox.api_key, ""), params={"limit": 100})
    response.raise_for_status()
    return response.json()["data"]


def ids_in(engine: Engine, table: sa.Table, opportunity_id: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(table.c.id).where(table.c.opportunity_id == opportunity_id)).scalars())


def test_refresh_job_materializes_the_targeted_assets_and_runs_their_checks(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    sandbox.reset()
    lever = lever_resource_for(sandbox, rate=400.0)
    sync_baseline(lever, warehouse_resource)
    changes = sandbox.mutate(12, ["stage", "interview", "feedback"])["mutations"]
    for change in changes:
        store(clean_engine, EVENT_FOR[change["kind"]], change["opportunityId"])
    changed = sorted({c["opportunityId"] for c in changes})

    with dg.instance_for_test() as instance:
        request = tick(instance, warehouse_resource)
        run = launch(request, instance, lever, warehouse_resource)
        assert run.success
        assert run.dagster_run.tags["sync"] == "targeted"

        meta = materializations(run)
        assert sorted(meta) == sorted(TARGETED)
        assert all(m["mode"] == "targeted" for m in meta.values())
        opp = meta["opportunities"]
        assert (opp["webhook_events"], opp["events_settled"]) == (len(changes), len(changes))
        assert (opp["opportunities_selected"], opp["opportunities_fetched"]) == (len(changed), len(changed))
        assert opp["dagster/row_count"] == sandbox.stats()["dataset"]["opportunities"]
        # Children only where the events name them: interviews for interview events, feedback
        # for the events that follow it (stage changes, interview updates).
        named = {
            "interviews": {c["opportunityId"] for c in changes if c["kind"] in ("interview", "feedback")},
            "feedback": {c["opportunityId"] for c in changes if c["kind"] in ("stage", "feedback")},
        }
        for kind, opps in named.items():
            assert meta[kind]["opportunities_selected"] == len(opps)
            assert meta[kind]["webhook_events"] == len(changes)
            assert meta[kind]["refreshed_in"] == "run"

        checks = check_results(run)
        assert {
            "opportunities:fresh",
            "opportunities:ids_unique_and_present",
            "opportunities:opportunities_have_known_stage",
            "opportunities:opportunities_have_known_owner",
            "opportunities:opportunities_have_known_postings",
            "feedback:feedback_has_known_template",
            "feedback:feedback_field_values_valid",
            "interviews:interviews_have_known_opportunity",
        } <= set(checks)
        assert all(checks.values()), checks

        latest = instance.get_latest_materialization_event(dg.AssetKey(["lever", "opportunities"]))
        assert latest is not None and latest.run_id == run.run_id
        assert latest.asset_materialization is not None
        assert latest.asset_materialization.metadata["mode"].value == "targeted"

    assert {(e.processed_run_id, e.claimed_by_run) for e in events(clean_engine)} == {(run.run_id, run.run_id)}
    for change in changes:
        opp_id = change["opportunityId"]
        if change["kind"] == "stage":
            with clean_engine.connect() as conn:
                stage = conn.execute(
                    sa.select(lever_opportunities.c.stage_id).where(lever_opportunities.c.id == opp_id)
                ).scalar_one()
            assert stage == lever_get(sandbox, f"/opportunities/{opp_id}")["stage"]
        if change["kind"] == "feedback":
            assert change["feedbackId"] in ids_in(clean_engine, lever_feedback, opp_id)
        if change["kind"] == "interview":
            assert change["interviewId"] in ids_in(clean_engine, lever_interviews, opp_id)


def test_refresh_job_marks_deleted_and_gone_opportunities(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    sandbox.reset()
    lever = lever_resource_for(sandbox, rate=400.0)
    sync_baseline(lever, warehouse_resource)
    gone = sandbox.mutate(1, ["delete"])["mutations"][0]["opportunityId"]  # Lever answers 404 now
    o = lever_opportunities
    with clean_engine.connect() as conn:
        live = conn.execute(sa.select(o.c.id).where(o.c.id != gone).order_by(o.c.id).limit(1)).scalar_one()
    store(clean_engine, "candidateStageChange", gone)
    store(clean_engine, "candidateDeleted", live)  # no fetch needed
    with dg.instance_for_test() as instance:
        run = launch(tick(instance, warehouse_resource), instance, lever, warehouse_resource)
    assert run.success
    meta = materializations(run)
    assert (meta["opportunities"]["opportunities_gone"], meta["opportunities"]["rows_deleted"]) == (1, 2)
    assert meta["opportunities"]["opportunities_deleted_by_event"] == 1
    assert meta["feedback"]["opportunities_selected"] == 0  # neither is live any more
    with clean_engine.connect() as conn:
        stamped = dict(conn.execute(sa.select(o.c.id, o.c.deleted_at).where(o.c.id.in_([gone, live]))).all())
    assert stamped[gone] is not None and stamped[live] is not None


def test_refresh_job_takes_a_burst_of_1000_events_in_one_run(
    sandbox_factory: Any, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    with sandbox_factory(opportunities=300) as sandbox:
        lever = lever_resource_for(sandbox, rate=1000.0)
        sync_baseline(lever, warehouse_resource)
        with clean_engine.connect() as conn:
            ids = list(conn.execute(sa.select(lever_opportunities.c.id).order_by(lever_opportunities.c.id)).scalars())
        assert len(ids) == 300
        kinds = ["candidateStageChange", "interviewCreated", "candidateArchiveChange"]
        for i in range(1000):
            store(clean_engine, kinds[i % 3], ids[(i * 7) % len(ids)])
        with dg.instance_for_test() as instance:
            request = tick(instance, warehouse_resource)
            assert isinstance(request, dg.RunRequest)
            assert request.tags["lever/webhook_events_waiting"] == "1000"
            run = launch(request, instance, lever, warehouse_resource)
            assert run.success
            assert tick(instance, warehouse_resource) == dg.SkipReason("No webhook events are waiting.")
            assert instance.get_runs_count() == 1
    meta = materializations(run)["opportunities"]
    assert (meta["webhook_events"], meta["events_settled"], meta["opportunities_fetched"]) == (1000, 1000, 300)
    assert {e.processed_run_id for e in events(clean_engine)} == {run.run_id}


def test_refresh_job_settles_with_its_rows_even_when_a_blocking_check_fails(
    sandbox: RunningSandbox, warehouse_resource: WarehouseResource, clean_engine: Engine
) -> None:
    """Re-reading cannot fix a stage the warehouse does not know yet: no release, no run after run."""
    sandbox.reset()
    lever = lever_resource_for(sandbox, rate=400.0)
    sync_baseline(lever, warehouse_resource)
    change = sandbox.mutate(1, ["stage"])["mutations"][0]
    with clean_engine.begin() as conn:  # as if Lever had a stage the daily stages sync has not seen
        conn.execute(sa.delete(lever_stages).where(lever_stages.c.id == change["toStageId"]))
    store(clean_engine, "candidateStageChange", change["opportunityId"])
    with dg.instance_for_test() as instance:
        run = launch(tick(instance, warehouse_resource), instance, lever, warehouse_resource)
        assert not run.success
        assert check_results(run)["opportunities:opportunities_have_known_stage"] is False
        assert sorted(materializations(run)) == ["opportunities"]  # feedback and interviews were blocked
        (event,) = events(clean_engine)
        assert (event.processed_run_id, event.failed_runs) == (run.run_id, 0)
        assert tick(instance, warehouse_resource) == dg.SkipReason("No webhook events are waiting.")


def test_refresh_config_refuses_targeted_and_full_refresh_together(
    warehouse_resource: WarehouseResource, sandbox: RunningSandbox
) -> None:
    job = refresh_job(lever_resource_for(sandbox), warehouse_resource)
    config = {"ops": {opportunities.op.name: {"config": {"targeted": True, "full_refresh": True}}}}
    result = job.execute_in_process(run_config=config, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_failure_data.user_failure_data.description == (
        "full_refresh and targeted exclude each other: set one of them to false."
    )
