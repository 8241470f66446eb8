"""The core assets, materialized through Dagster against the sandbox (real HTTP) and a real PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.core_checks import CORE_CHECKS
from lever_pipeline.lever.ratelimit import bucket_name
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource
from lever_pipeline_tests.defs.conftest import lever_resource_for


def materialize(lever: LeverResource, warehouse: WarehouseResource, full: bool = False) -> dg.ExecuteInProcessResult:
    config = {"full_refresh": full}
    return dg.materialize(
        [*CORE_ASSETS, *CORE_CHECKS],
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={a.op.name: {"config": config} for a in CORE_ASSETS}),
        raise_on_error=False,
    )


def metadata(result: dg.ExecuteInProcessResult, name: str) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        if mat.asset_key == dg.AssetKey(["lever", name]):
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of lever/{name}")


def count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def raw_opportunity(sandbox, opportunity_id: str) -> dict:
    response = httpx.get(
        f"{sandbox.base_url}/opportunities/{opportunity_id}",
        params={"expand": "applications"},
        auth=(sandbox.api_key, ""),
    )
    response.raise_for_status()
    return response.json()["data"]


def test_core_assets_row_counts_match_sandbox(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    result = materialize(lever_resource_for(sandbox), warehouse_resource)
    assert result.success
    dataset = sandbox.stats()["dataset"]
    assert count(clean_engine, "SELECT count(*) FROM lever_stages") == dataset["stages"]
    assert count(clean_engine, "SELECT count(*) FROM lever_users") == dataset["users"]
    assert count(clean_engine, "SELECT count(*) FROM lever_postings") == dataset["postings"]
    assert count(clean_engine, "SELECT count(*) FROM lever_archive_reasons") == dataset["archive_reasons"]
    assert count(clean_engine, "SELECT count(*) FROM lever_opportunities") == dataset["opportunities"]
    meta = metadata(result, "opportunities")
    assert meta["rows_inserted"] == dataset["opportunities"]
    assert meta["dagster/row_count"] == dataset["opportunities"]
    assert meta["retries_429"] == 0
    assert "preview" in meta and "@" not in meta["preview"]  # no emails in previews
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)


def test_core_assets_candidate_and_position_mappings(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    assert materialize(lever_resource_for(sandbox), warehouse_resource).success
    with clean_engine.connect() as conn:
        sample = (
            conn.execute(
                sa.text("SELECT * FROM candidates WHERE email IS NOT NULL ORDER BY lever_opportunity_id LIMIT 5")
            )
            .mappings()
            .all()
        )
        assert sample
        for row in sample:
            raw = raw_opportunity(sandbox, row["lever_opportunity_id"])
            assert row["full_name"] == raw["name"]
            assert row["headline"] == raw["headline"]
            assert row["email"] == raw["emails"][0]
            assert row["phone"] == (raw["phones"][0]["value"] if raw["phones"] else None)
            assert row["current_stage_id"] == raw["stage"]
            assert row["source_type"] == raw["origin"]
            assert list(row["tags"]) == raw["tags"]
            assert list(row["sources"]) == raw["sources"]
            assert row["owner_lever_user_id"] == raw["owner"]
            assert int(row["lever_created_at"].timestamp() * 1000) == raw["createdAt"]
            postings = (
                conn.execute(
                    sa.text("SELECT lever_posting_id FROM candidate_postings WHERE lever_opportunity_id = :id"),
                    {"id": row["lever_opportunity_id"]},
                )
                .scalars()
                .all()
            )
            assert sorted(postings) == sorted({a["posting"] for a in raw["applications"] if a.get("posting")})
        position = conn.execute(sa.text("SELECT * FROM positions ORDER BY lever_posting_id LIMIT 1")).mappings().one()
        posting = httpx.get(
            f"{sandbox.base_url}/postings/{position['lever_posting_id']}", auth=(sandbox.api_key, "")
        ).json()["data"]
        assert position["title"] == posting["text"]
        assert position["status"] == posting["state"]
        assert position["team"] == posting["categories"]["team"]
        assert position["description"] == posting["content"]["description"]
        assert position["workplace_type"] == posting["workplaceType"]


def test_core_assets_incremental_refetches_only_changed(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    assert materialize(lever_resource_for(sandbox), warehouse_resource).success
    full = metadata(materialize(lever_resource_for(sandbox), warehouse_resource, full=True), "opportunities")
    changed = sandbox.mutate(10, kinds=["stage", "tags"])
    changed_ids = {m["opportunityId"] for m in changed["mutations"]}
    result = materialize(lever_resource_for(sandbox), warehouse_resource)
    assert result.success
    meta = metadata(result, "opportunities")
    assert meta["mode"] == "incremental"
    assert meta["rows_updated"] == len(changed_ids)
    assert meta["rows_inserted"] == 0
    assert meta["rows_seen"] < full["rows_seen"]
    # One page of changed opportunities, and one of Lever's deleted list (empty here).
    assert meta["deleted_listed"] == 0
    assert meta["requests"] == 2 and full["requests"] == full["pages"]
    with clean_engine.connect() as conn:
        for opportunity_id in changed_ids:
            stored = conn.execute(
                sa.text("SELECT raw FROM lever_opportunities WHERE id = :id"), {"id": opportunity_id}
            ).scalar_one()
            assert stored["updatedAt"] == raw_opportunity(sandbox, opportunity_id)["updatedAt"]


def test_core_assets_full_sync_marks_deleted(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    assert materialize(lever_resource_for(sandbox), warehouse_resource).success
    already_deleted = sandbox.stats()["dataset"]["deleted_opportunities"]  # before our first sync
    sandbox.mutate(3, kinds=["delete"])
    deleted_in_lever = sandbox.stats()["dataset"]["deleted_opportunities"] - already_deleted
    assert deleted_in_lever == 3
    result = materialize(lever_resource_for(sandbox), warehouse_resource, full=True)
    assert result.success
    assert metadata(result, "opportunities")["rows_deleted"] == deleted_in_lever
    assert (
        count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE deleted_at IS NOT NULL") == deleted_in_lever
    )
    assert count(clean_engine, "SELECT count(*) FROM candidates") == sandbox.stats()["dataset"]["opportunities"]


def test_core_assets_bad_key_fails_at_once_with_one_request(sandbox, warehouse_resource) -> None:
    sandbox.reset()
    lever = SandboxLeverResource(api_key="wrong-key-123", base_url=sandbox.base_url, requests_per_second=50, burst=10)
    result = dg.materialize(
        [CORE_ASSETS[0]], resources={"lever": lever, "warehouse": warehouse_resource}, raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message + str(failure.step_failure_data.user_failure_data)
    assert "LEVER_API_KEY" in message and "401" in message
    assert "wrong-key-123" not in message
    stats = sandbox.stats()
    assert stats["requests_total"] == 1


def _fingerprint(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, raw::text FROM lever_opportunities ORDER BY id")).all()
    return hashlib.sha256(json.dumps([list(r) for r in rows]).encode()).hexdigest()


def test_core_assets_survive_faults_with_identical_rows(sandbox_factory, warehouse_resource, clean_engine) -> None:
    with sandbox_factory(seed=11, opportunities=2000) as calm:
        assert materialize(lever_resource_for(calm), warehouse_resource).success
    expected = _fingerprint(clean_engine)
    with clean_engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE lever_opportunities, lever_stages, lever_users, lever_postings, sync_state"))
    with sandbox_factory(seed=11, opportunities=2000, fault_rate=0.05, hang_s=5) as faulty:
        # a hung request must time out and be retried, so the client waits less than the hang
        result = materialize(lever_resource_for(faulty, timeout_s=1.0), warehouse_resource)
        assert result.success
        assert sum(faulty.stats()["faults_injected"].values()) > 0
    assert _fingerprint(clean_engine) == expected


RATE = 8.0  # each process's requests per second: Lever's default pace for one client

SYNC_SCRIPT = """
import asyncio, json, os, sys
from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.sync import streams
from lever_pipeline.sync.stream_sync import sync_stream
base_url, key, db_url, rate = sys.argv[1:5]
# The account, named as a deployment names it; Lever's pace for this client: 8/s, burst 2.
os.environ.update(LEVER_API_KEY=key, LEVER_BASE_URL=base_url, LEVER_RATE_LIMIT_PER_SECOND=rate)
lever = LeverResource()  # read at launch
engine = WarehouseResource(url=db_url).engine()
async def main():
    async with lever.client(engine) as client:
        for spec in (streams.STAGES, streams.USERS, streams.POSTINGS, streams.OPPORTUNITIES):
            await sync_stream(client, engine, spec, full=True)
        return client.stats.as_dict()
print(json.dumps(asyncio.run(main())))
"""


def test_core_assets_two_processes_share_the_rate_limit(sandbox_factory, warehouse_resource, clean_engine) -> None:
    """Two syncs at once, each allowed 8/s, against a sandbox enforcing Lever's 10/s: no 429s, one bucket."""
    with clean_engine.connect() as conn:
        started = conn.execute(sa.select(sa.func.extract("epoch", sa.func.statement_timestamp()))).scalar_one()
    with sandbox_factory(opportunities=1500, rate_limit=10, burst=20, latency_ms=0) as limited:
        args = [limited.base_url, limited.api_key, warehouse_resource.url, str(RATE)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SYNC_SCRIPT, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=240) for p in procs]
        for proc, (_, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err[-2000:]
        stats = limited.stats()
    # Within Lever's limit, in the sandbox's own words and in each client's counters: no 429.
    assert stats["rate_limited_429"] == 0
    assert [json.loads(out.splitlines()[-1])["rate_limited_429"] for out, _ in outputs] == [0, 0]
    # Every request the sandbox saw took a slot from the one bucket both processes share:
    # each slot moves the bucket's arrival time on by 1/RATE s from no earlier than `started`.
    with clean_engine.connect() as conn:
        tat = conn.execute(
            sa.select(rate_limit_buckets.c.tat).where(rate_limit_buckets.c.bucket == bucket_name(limited.api_key))
        ).scalar_one()
    requests = stats["requests_by_key"][limited.api_key]
    assert requests >= 2 * 15
    assert tat - float(started) >= requests / RATE - 1e-6


@pytest.mark.parametrize("opportunity_field", ["aBrandNewField", "futureNested"])
def test_core_rows_ignore_unknown_fields(opportunity_field: str) -> None:
    from lever_pipeline.sync.rows import opportunity_row

    raw = {"id": "x", "createdAt": 1, "updatedAt": 2, opportunity_field: {"anything": [1, 2]}}
    row = opportunity_row(raw)
    assert row["raw"][opportunity_field] == {"anything": [1, 2]}  # kept in raw, nothing breaks
