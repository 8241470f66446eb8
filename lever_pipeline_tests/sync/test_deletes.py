"""Deletes without a full re-read: incremental runs read Lever's deleted lists from their mark.

Real HTTP against the sandbox, real PostgreSQL, Dagster in-process.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dagster as dg
import httpx

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.sync.state import read_state
from lever_pipeline_tests.sync.conftest import count, fast_lever, metadata


def sync(lever: LeverResource, warehouse: WarehouseResource, *, full: bool = False) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        CORE_ASSETS,
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={a.op.name: {"config": {"full_refresh": full}} for a in CORE_ASSETS}),
        raise_on_error=False,
    )


def deleted_list(sandbox: Any, path: str) -> dict[str, int]:
    """Id → deletedAt of every object in a Lever deleted list."""
    response = httpx.get(f"{sandbox.base_url}{path}", params={"limit": 100}, auth=(sandbox.api_key, ""))
    return {o["id"]: o["deletedAt"] for o in response.raise_for_status().json()["data"]}


def stamped(engine: Any, table: str) -> dict[str, int]:
    """Id → deleted_at (as Lever's ms) of the rows marked deleted."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT id, deleted_at FROM {table} WHERE deleted_at IS NOT NULL").all()
    return {r.id: round(r.deleted_at.timestamp() * 1000) for r in rows}


def test_deletes_incremental_runs_stamp_what_lever_lists_as_deleted(sandbox, warehouse_resource, clean_engine):
    sandbox.reset()
    lever = fast_lever(sandbox)
    assert sync(lever, warehouse_resource).success
    deleted_before = set(deleted_list(sandbox, "/postings/deleted"))
    opportunities = {m["opportunityId"] for m in sandbox.mutate(3, kinds=["delete"])["mutations"]}
    postings = {m["postingId"] for m in sandbox.mutate(2, kinds=["delete_posting"])["mutations"]}
    assert len(opportunities) == 3 and len(postings) == 2

    result = sync(lever, warehouse_resource)
    assert result.success
    opp_meta, posting_meta = metadata(result, "opportunities"), metadata(result, "postings")
    assert opp_meta["mode"] == posting_meta["mode"] == "incremental"
    assert opp_meta["deleted_listed"] == 3 and opp_meta["rows_deleted"] == 3
    assert posting_meta["deleted_listed"] == 2 and posting_meta["rows_deleted"] == 2
    # Not a re-read: the changed opportunities' page and the deleted list's page.
    assert opp_meta["rows_seen"] < count(clean_engine, "SELECT count(*) FROM lever_opportunities")
    assert opp_meta["requests"] <= 3

    lever_opportunities = deleted_list(sandbox, "/opportunities/deleted")
    assert stamped(clean_engine, "lever_opportunities") == {i: lever_opportunities[i] for i in opportunities}
    lever_postings = deleted_list(sandbox, "/postings/deleted")
    assert stamped(clean_engine, "lever_postings") == {i: lever_postings[i] for i in postings}
    assert not deleted_before & postings  # the account's earlier deletions were never stored

    state = read_state(clean_engine, "opportunities")
    assert state is not None
    assert state.deleted_mark == datetime.fromtimestamp(max(lever_opportunities.values()) / 1000, tz=UTC)
    assert opp_meta["deleted_mark"] == state.deleted_mark.timestamp()

    again = sync(lever, warehouse_resource)
    assert again.success
    assert metadata(again, "opportunities")["rows_deleted"] == 0  # listed again (overlap), already stamped
    assert metadata(again, "opportunities")["deleted_mark"] == state.deleted_mark.timestamp()  # never moves back
    assert stamped(clean_engine, "lever_opportunities") == {i: lever_opportunities[i] for i in opportunities}


def test_deletes_full_reconciliation_spares_what_a_key_may_not_see(sandbox_factory, warehouse_resource, clean_engine):
    """A full sync with a key refused confidential data does not take unseen confidential rows for deleted."""
    size = {"opportunities": 500}  # the size `make dev` serves: a confidential posting and its candidacies
    with sandbox_factory(**size) as full_access:
        assert sync(fast_lever(full_access), warehouse_resource, full=True).success
    confidential = count(
        clean_engine, "SELECT count(*) FROM lever_opportunities WHERE confidentiality = 'confidential'"
    )
    assert confidential > 0
    with sandbox_factory(**size, confidential_access=False) as limited:
        result = sync(fast_lever(limited), warehouse_resource, full=True)
    assert result.success
    assert metadata(result, "opportunities")["confidentiality"] == "non-confidential"
    assert metadata(result, "opportunities")["rows_deleted"] == 0
    assert metadata(result, "postings")["rows_deleted"] == 0
    assert count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE deleted_at IS NOT NULL") == 0
    assert count(clean_engine, "SELECT count(*) FROM lever_postings WHERE deleted_at IS NOT NULL") == 0


def test_deletes_full_reconciliation_marks_postings_lever_no_longer_returns(sandbox, warehouse_resource, clean_engine):
    sandbox.reset()
    lever = fast_lever(sandbox)
    assert sync(lever, warehouse_resource).success
    postings = {m["postingId"] for m in sandbox.mutate(1, kinds=["delete_posting"])["mutations"]}
    result = sync(lever, warehouse_resource, full=True)
    assert result.success
    assert metadata(result, "postings")["rows_deleted"] == 1
    assert set(stamped(clean_engine, "lever_postings")) == postings
