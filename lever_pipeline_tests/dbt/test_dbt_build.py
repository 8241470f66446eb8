"""dbt build over a warehouse the real sync filled from the sandbox; mart figures recomputed
independently here, in Python over the raw tables' JSON, and compared."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime

import dagster as dg
import pytest
import sqlalchemy as sa

from lever_pipeline.defs.dbt import build_dbt_assets
from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt

DAY_MS = 86_400_000


def _opportunities(wh: BuiltWarehouse) -> list[dict]:
    """Raw opportunities (not deleted) with their archive reason's type."""
    rows = wh.rows(
        "SELECT o.raw, ar.type AS reason_type FROM lever_opportunities o "
        "LEFT JOIN lever_archive_reasons ar ON ar.id = o.raw->'archived'->>'reason' WHERE o.deleted_at IS NULL"
    )
    return [{**r.raw, "_reason_type": r.reason_type} for r in rows]


def _is_hired(opp: dict) -> bool:
    return bool(opp.get("archived")) and opp["_reason_type"] == "hired"


def _days_to_hire(opp: dict) -> float:
    return (opp["archived"]["archivedAt"] - opp["createdAt"]) / DAY_MS


def _posting_ids(opp: dict) -> list[str]:
    return [a["posting"] if isinstance(a["posting"], str) else a["posting"]["id"] for a in opp["applications"]]


def test_dbt_build_succeeds_with_row_counts_and_passing_tests(built_warehouse: BuiltWarehouse) -> None:
    result = built_warehouse.result
    assert result.success
    counts = {}
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        counts[mat.asset_key.to_user_string()] = mat.metadata.get("dagster/row_count")
    expected = built_warehouse.scalar("SELECT count(*) FROM lever_opportunities WHERE deleted_at IS NULL")
    assert counts["marts/opportunity_enhanced"] == dg.IntMetadataValue(expected)
    assert counts["staging/stg_lever__stages"] == dg.IntMetadataValue(
        built_warehouse.scalar("SELECT count(*) FROM lever_stages")
    )
    checks = result.get_asset_check_evaluations()
    assert len(checks) > 100
    assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]


def test_dbt_opportunity_enhanced_matches_raw(built_warehouse: BuiltWarehouse) -> None:
    stages = {r.id: r.text for r in built_warehouse.rows("SELECT id, text FROM lever_stages")}
    interviews: dict[str, int] = defaultdict(int)
    for r in built_warehouse.rows("SELECT opportunity_id FROM lever_interviews WHERE canceled_at IS NULL"):
        interviews[r.opportunity_id] += 1
    feedback: dict[str, int] = defaultdict(int)
    for r in built_warehouse.rows(
        "SELECT raw FROM lever_feedback WHERE raw->>'deletedAt' IS NULL AND raw->>'completedAt' IS NOT NULL"
    ):
        feedback[r.raw.get("opportunityId") or ""] += 1
    feedback_by_opp: dict[str, int] = defaultdict(int)
    for r in built_warehouse.rows(
        "SELECT opportunity_id FROM lever_feedback WHERE raw->>'deletedAt' IS NULL AND raw->>'completedAt' IS NOT NULL"
    ):
        feedback_by_opp[r.opportunity_id] += 1
    mart = {
        r.opportunity_id: r
        for r in built_warehouse.rows(
            "SELECT opportunity_id, stage_name, is_hired, interviews, feedback_forms_completed, sources, tags "
            "FROM analytics.opportunity_enhanced"
        )
    }
    opportunities = _opportunities(built_warehouse)
    assert set(mart) == {o["id"] for o in opportunities}
    for opp in opportunities:
        row = mart[opp["id"]]
        assert row.stage_name == stages[opp["stage"]]
        assert row.is_hired == _is_hired(opp)
        assert row.interviews == interviews[opp["id"]]
        assert row.feedback_forms_completed == feedback_by_opp[opp["id"]]
        assert row.sources == opp["sources"] and row.tags == opp["tags"]
    assert any(r.interviews for r in mart.values()) and any(r.is_hired for r in mart.values())


def test_dbt_time_to_hire_per_posting_matches_python(built_warehouse: BuiltWarehouse) -> None:
    days: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for opp in _opportunities(built_warehouse):
        for posting_id in _posting_ids(opp):
            totals[posting_id] += 1
            if _is_hired(opp):
                days[posting_id].append(_days_to_hire(opp))
    mart = {
        r.posting_id: r
        for r in built_warehouse.rows(
            "SELECT posting_id, opportunities, hires, median_days_to_hire FROM analytics.time_to_hire"
        )
    }
    assert sum(len(v) for v in days.values()) > 0
    for posting_id, row in mart.items():
        assert row.opportunities == totals[posting_id]
        assert row.hires == len(days[posting_id])
        if days[posting_id]:
            assert float(row.median_days_to_hire) == pytest.approx(statistics.median(days[posting_id]), abs=0.006)
        else:
            assert row.median_days_to_hire is None


def test_dbt_posting_funnel_matches_python(built_warehouse: BuiltWarehouse) -> None:
    position = {r.id: r.position for r in built_warehouse.rows("SELECT id, position FROM lever_stages")}
    reached: dict[tuple[str, int], int] = defaultdict(int)
    for opp in _opportunities(built_warehouse):
        if not opp["stageChanges"]:
            continue
        furthest = max(position[c["toStageId"]] for c in opp["stageChanges"])
        for posting_id in _posting_ids(opp):
            for p in range(furthest + 1):
                reached[(posting_id, p)] += 1
    rows = built_warehouse.rows(
        "SELECT posting_id, stage_position, candidates_reached, conversion_rate_to_next FROM analytics.posting_funnel"
    )
    live_postings = built_warehouse.scalar("SELECT count(*) FROM lever_postings WHERE deleted_at IS NULL")
    assert len(rows) == live_postings * len(position)
    for r in rows:
        assert r.candidates_reached == reached[(r.posting_id, r.stage_position)], (r.posting_id, r.stage_position)
        this, nxt = reached[(r.posting_id, r.stage_position)], reached.get((r.posting_id, r.stage_position + 1), 0)
        if this and r.stage_position + 1 < len(position):
            assert float(r.conversion_rate_to_next) == pytest.approx(nxt / this, abs=0.00005)


def _referred(wh: BuiltWarehouse) -> set[str]:
    """Ids of the candidacies Lever marks as referred anywhere: origin, a referral application or a referral form."""
    with_forms = {r.opportunity_id for r in wh.rows("SELECT opportunity_id FROM lever_referrals")}
    return {
        opp["id"]
        for opp in _opportunities(wh)
        if opp["origin"] == "referred"
        or any(isinstance(a, dict) and a.get("type") == "referral" for a in opp["applications"])
        or opp["id"] in with_forms
    }


def test_dbt_source_effectiveness_matches_python(built_warehouse: BuiltWarehouse) -> None:
    opportunities: dict[str, int] = defaultdict(int)
    hires: dict[str, int] = defaultdict(int)
    referrals: dict[str, int] = defaultdict(int)
    referral_hires: dict[str, int] = defaultdict(int)
    referred = _referred(built_warehouse)
    for opp in _opportunities(built_warehouse):
        for source in opp["sources"] or ["(none)"]:
            opportunities[source] += 1
            hires[source] += _is_hired(opp)
            referrals[source] += opp["id"] in referred
            referral_hires[source] += opp["id"] in referred and _is_hired(opp)
    mart = {
        r.source: r
        for r in built_warehouse.rows(
            "SELECT source, opportunities, hires, hire_rate, referrals, referral_hires, referral_share, "
            "referral_hire_rate FROM analytics.source_effectiveness"
        )
    }
    assert set(mart) == set(opportunities)
    assert sum(referrals.values()) > 0 and sum(referral_hires.values()) > 0  # the sandbox refers and hires some
    for source, row in mart.items():
        assert (row.opportunities, row.hires) == (opportunities[source], hires[source])
        assert float(row.hire_rate) == pytest.approx(hires[source] / opportunities[source], abs=0.00005)
        assert (row.referrals, row.referral_hires) == (referrals[source], referral_hires[source]), source
        assert float(row.referral_share) == pytest.approx(referrals[source] / opportunities[source], abs=0.00005)
        if referrals[source]:
            assert float(row.referral_hire_rate) == pytest.approx(
                referral_hires[source] / referrals[source], abs=0.00005
            )
        else:
            assert row.referral_hire_rate is None


def test_dbt_opportunity_enhanced_flags_every_referral(built_warehouse: BuiltWarehouse) -> None:
    """Referred by origin, by a referral application or by a form, and the referrer named where Lever names one."""
    referred = _referred(built_warehouse)
    mart = {
        r.opportunity_id: r
        for r in built_warehouse.rows(
            "SELECT opportunity_id, is_referred, referrer_id FROM analytics.opportunity_enhanced"
        )
    }
    assert referred and {k for k, r in mart.items() if r.is_referred} == referred
    referrers = {
        r.opportunity_id: r.user_id
        for r in built_warehouse.rows(
            "SELECT DISTINCT ON (opportunity_id) opportunity_id, user_id FROM lever_applications "
            "WHERE type = 'referral' ORDER BY opportunity_id, created_at, id"
        )
    }
    for r in built_warehouse.rows(
        "SELECT DISTINCT ON (opportunity_id) opportunity_id, referrer_id FROM lever_referrals "
        "WHERE referrer_id IS NOT NULL ORDER BY opportunity_id, created_at, id"
    ):
        if not referrers.get(r.opportunity_id):
            referrers[r.opportunity_id] = r.referrer_id
    assert {k: r.referrer_id for k, r in mart.items() if r.referrer_id} == {
        k: v for k, v in referrers.items() if k in mart and v
    }


def test_dbt_stage_history_days_match_python_for_archived(built_warehouse: BuiltWarehouse) -> None:
    mart: dict[tuple[str, int], float] = {
        (r.opportunity_id, r.change_index): float(r.days_in_stage)
        for r in built_warehouse.rows("SELECT opportunity_id, change_index, days_in_stage FROM analytics.stage_history")
    }
    checked = 0
    for opp in _opportunities(built_warehouse):
        changes = opp["stageChanges"]
        if not opp.get("archived") or not changes:
            continue
        ends = [c["updatedAt"] for c in changes[1:]] + [max(opp["archived"]["archivedAt"], changes[-1]["updatedAt"])]
        for i, (change, end) in enumerate(zip(changes, ends, strict=True)):
            assert mart[(opp["id"], i)] == pytest.approx((end - change["updatedAt"]) / DAY_MS, abs=1e-6)
            checked += 1
    assert checked > 0


def test_dbt_interviewer_scorecard_overall_scores_match_python(built_warehouse: BuiltWarehouse) -> None:
    scores: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in built_warehouse.rows(
        "SELECT user_id, raw FROM lever_feedback WHERE deleted_at IS NULL AND completed_at IS NOT NULL"
    ):
        for field in r.raw["fields"]:
            if field["type"] == "score-system" and field.get("value"):
                scores[(r.user_id, field["id"])].append(int(str(field["value"]).split(" ", 1)[0]))
    mart = {
        (r.interviewer_user_id, r.field_id): r
        for r in built_warehouse.rows(
            "SELECT interviewer_user_id, field_id, scores_given, avg_score, score_1, score_2, score_3, score_4 "
            "FROM analytics.interviewer_scorecard WHERE field_type = 'score-system'"
        )
    }
    assert scores and set(mart) == set(scores)
    for key, values in scores.items():
        row = mart[key]
        assert row.scores_given == len(values)
        assert float(row.avg_score) == pytest.approx(statistics.mean(values), abs=0.0005)
        assert [row.score_1, row.score_2, row.score_3, row.score_4] == [values.count(k) for k in (1, 2, 3, 4)]


def test_dbt_pipeline_daily_today_counts_open_opportunities(built_warehouse: BuiltWarehouse) -> None:
    today = datetime.now(UTC).date()
    expected: dict[str, int] = defaultdict(int)
    for opp in _opportunities(built_warehouse):
        if not opp.get("archived") and opp["stageChanges"]:
            expected[opp["stageChanges"][-1]["toStageId"]] += 1
    rows = built_warehouse.rows(
        "SELECT stage_id, open_opportunities FROM analytics.pipeline_daily WHERE snapshot_date = :d", d=today
    )
    assert rows and {r.stage_id: r.open_opportunities for r in rows if r.open_opportunities} == dict(expected)


def test_dbt_models_record_their_column_types(built_warehouse: BuiltWarehouse) -> None:
    schemas = {}
    for event in built_warehouse.result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        if mat.asset_key.path[0] != "lever":
            schemas[mat.asset_key.to_user_string()] = {
                c.name: c.type for c in mat.metadata["dagster/column_schema"].value.columns
            }
    assert set(schemas) == {k.to_user_string() for k in build_dbt_assets().keys}  # every model, no other asset
    assert all(types and "?" not in types.values() for types in schemas.values())
    mart = schemas["marts/opportunity_enhanced"]
    assert (mart["opportunity_id"], mart["is_hired"], mart["days_to_hire"]) == ("text", "boolean", "numeric")
    assert mart["interviews"] in ("bigint", "integer")


def test_a_late_interviewer_is_a_warning_that_names_the_missing_ids(
    built_warehouse: BuiltWarehouse, capfd: pytest.CaptureFixture[str]
) -> None:
    """A new interviewer scheduled before the next users sync: the build succeeds, the check warns with the ids."""
    model = dg.AssetKey(["staging", "stg_lever__interview_interviewers"])
    row = built_warehouse.rows("SELECT interview_id, opportunity_id FROM interview_interviewers LIMIT 1")[0]
    late = ["usr-arrives-later-1", "usr-arrives-later-2"]
    with built_warehouse.engine.begin() as conn:
        for position, user_id in enumerate(late, start=90):
            conn.execute(
                sa.text(
                    "INSERT INTO interview_interviewers (interview_id, user_id, opportunity_id, position, raw) "
                    "VALUES (:i, :u, :o, :p, '{}')"
                ),
                {"i": row.interview_id, "u": user_id, "o": row.opportunity_id, "p": position},
            )
    try:
        capfd.readouterr()
        result = built_warehouse.run_dbt([model], raise_on_error=False)
        output = capfd.readouterr().out
        assert result.success
        [check] = [
            c
            for c in result.get_asset_check_evaluations()
            if c.check_name.startswith("relationships_stg_lever__interview_interviewers_interviewer_user_id")
        ]
        assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
        assert check.metadata["dagster_dbt/failed_row_count"] == dg.IntMetadataValue(2)
        assert (
            "interview_interviewers.interviewer_user_id: 2 value(s) not in stg_lever__users.user_id "
            "(usr-arrives-later-1, usr-arrives-later-2)" in output
        )
    finally:  # the other tests share this warehouse: take the rows out of the raw and the staging table
        with built_warehouse.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM interview_interviewers WHERE user_id LIKE 'usr-arrives-later-%'"))
            conn.execute(
                sa.text(
                    "DELETE FROM analytics_staging.stg_lever__interview_interviewers "
                    "WHERE interviewer_user_id LIKE 'usr-arrives-later-%'"
                )
            )
