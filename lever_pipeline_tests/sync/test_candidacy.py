"""Applications, panels, referrals and profile forms: rows equal to the sandbox's, with as few requests as can be.

Real HTTP against the sandbox, real PostgreSQL, Dagster in-process.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import httpx

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.candidacy_assets import CANDIDACY_ASSETS
from lever_pipeline.defs.sync.candidacy_checks import CANDIDACY_CHECKS
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.per_opportunity_assets import interviews
from lever_pipeline_tests.sync.conftest import count, fast_lever, metadata

ASSETS = [*CORE_ASSETS, interviews, *CANDIDACY_ASSETS]


def sync(lever: LeverResource, warehouse: WarehouseResource, *, full: bool = False) -> dg.ExecuteInProcessResult:
    """Core assets, interviews (panels follow them), and the four candidacy assets with their checks."""
    return dg.materialize(
        [*ASSETS, *CANDIDACY_CHECKS],
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={a.op.name: {"config": {"full_refresh": full}} for a in ASSETS}),
        raise_on_error=False,
    )


def all_opportunities(sandbox: Any) -> list[dict[str, Any]]:
    """Every opportunity as the sync reads it (applications expanded, confidential included)."""
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"expand": "applications", "confidentiality": "all", "limit": 100}
    with httpx.Client(base_url=sandbox.base_url, auth=(sandbox.api_key, "")) as api:
        while True:
            body = api.get("/opportunities", params=params).json()
            out.extend(body["data"])
            if not body.get("hasNext"):
                return out
            params["offset"] = body["next"]


def referred(opportunity: dict[str, Any]) -> bool:
    return opportunity["origin"] == "referred" or any(a.get("type") == "referral" for a in opportunity["applications"])


def test_candidacy_rows_equal_the_sandbox_and_requests_follow_the_data(sandbox, warehouse_resource, clean_engine):
    sandbox.reset()
    result = sync(fast_lever(sandbox), warehouse_resource)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    dataset = sandbox.stats()["dataset"]
    assert count(clean_engine, "SELECT count(*) FROM lever_applications") == dataset["applications"]
    assert count(clean_engine, "SELECT count(*) FROM lever_panels") == dataset["panels"]
    assert count(clean_engine, "SELECT count(*) FROM lever_referrals") == dataset["referrals"] > 0
    assert count(clean_engine, "SELECT count(*) FROM lever_profile_forms") == dataset["forms"] > 0

    opportunities = all_opportunities(sandbox)
    apps = metadata(result, "applications")
    assert apps["requests"] == 0 and apps["rows_inserted"] == dataset["applications"]
    with_interviews = count(
        clean_engine, "SELECT count(*) FROM child_sync_state WHERE kind = 'interviews' AND items > 0"
    )
    panels = metadata(result, "panels")
    assert panels["requests"] == with_interviews < len(opportunities)
    assert panels["opportunities_known_empty"] == len(opportunities) - with_interviews
    assert panels["opportunities_selected"] == len(opportunities)
    referrals = metadata(result, "referrals")
    assert referrals["requests"] == sum(1 for o in opportunities if referred(o)) < len(opportunities)
    forms = metadata(result, "profile_forms")
    assert forms["requests"] == len(opportunities)
    assert forms["requests_per_opportunity"] == 1.0
    assert "@" not in str(forms["preview"]) and "@" not in str(apps["preview"])


def test_candidacy_typed_columns_match_what_lever_sent(sandbox, warehouse_resource, clean_engine):
    sandbox.reset()
    assert sync(fast_lever(sandbox), warehouse_resource).success
    opportunities = {o["id"]: o for o in all_opportunities(sandbox)}
    referrals = count(
        clean_engine,
        "SELECT count(*) FROM lever_applications a JOIN lever_opportunities o ON o.id = a.opportunity_id"
        " WHERE a.type = 'referral' AND a.user_id IS NOT NULL AND a.posting_id = ANY(o.posting_ids)",
    )
    assert referrals == sum(1 for o in opportunities.values() for a in o["applications"] if a.get("type") == "referral")
    with clean_engine.connect() as conn:
        app = conn.exec_driver_sql("SELECT * FROM lever_applications ORDER BY id LIMIT 1").mappings().one()
        panel = (
            conn.exec_driver_sql(
                "SELECT p.*, (SELECT count(*) FROM lever_interviews i WHERE i.panel_id = p.id) AS synced"
                " FROM lever_panels p ORDER BY id LIMIT 1"
            )
            .mappings()
            .one()
        )
        typed = conn.exec_driver_sql(
            "SELECT count(*) FILTER (WHERE value_text IS NOT NULL), count(*) FILTER (WHERE parse_error IS NOT NULL)"
            " FROM profile_form_field_values"
        ).one()
    sent = next(a for a in opportunities[app["opportunity_id"]]["applications"] if a["id"] == app["id"])
    assert (app["type"], app["posting_id"], app["candidate_id"]) == (sent["type"], sent["posting"], sent["candidateId"])
    assert app["created_at"].timestamp() * 1000 == sent["createdAt"]
    assert panel["interview_count"] == panel["synced"] == len(panel["interview_ids"]) > 0
    assert typed[0] > 0 and typed[1] == 0


def test_candidacy_incremental_reads_only_changed_opportunities(sandbox, warehouse_resource, clean_engine):
    sandbox.reset()
    lever = fast_lever(sandbox)
    assert sync(lever, warehouse_resource).success
    quiet = sync(lever, warehouse_resource)
    assert quiet.success
    for name in ("applications", "panels", "referrals", "profile_forms"):
        assert metadata(quiet, name)["opportunities_selected"] == 0, name
        assert metadata(quiet, name)["requests"] == 0, name

    created = sandbox.mutate(3, kinds=["application"])["mutations"]
    interviewed = sandbox.mutate(2, kinds=["interview"])["mutations"]
    result = sync(lever, warehouse_resource)
    assert result.success
    changed = {m["opportunityId"] for m in created + interviewed}
    assert metadata(result, "applications")["opportunities_selected"] == len(changed)
    assert metadata(result, "profile_forms")["requests"] == len(changed)
    panels = metadata(result, "panels")
    assert panels["opportunities_selected"] == len(changed)
    assert panels["requests"] <= len(changed)
    for mutation in created:
        assert (
            count(
                clean_engine,
                "SELECT count(*) FROM lever_applications WHERE opportunity_id = :id",
                id=mutation["opportunityId"],
            )
            == 1
        )
    for mutation in interviewed:
        assert (
            count(
                clean_engine,
                "SELECT count(*) FROM lever_panels p WHERE :iv = ANY(p.interview_ids)",
                iv=mutation["interviewId"],
            )
            == 1
        )
