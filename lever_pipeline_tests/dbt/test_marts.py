"""Mart numbers against the same figures computed here, in pandas, from the raw synced rows.

Nothing is copied from a dbt run: each expectation is derived from `lever_opportunities`
(its `raw` stageChanges), `lever_archive_reasons`, the interviews and the feedback tables.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pandas as pd
import pytest

from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt

DAY_S = 86400.0


def _live_opportunities(built: BuiltWarehouse) -> pd.DataFrame:
    opps = built.raw["lever_opportunities"]
    return opps[opps["deleted_at"].isna()].copy()


def _hired_reason_ids(built: BuiltWarehouse) -> set[str]:
    reasons = built.raw["lever_archive_reasons"]
    return set(reasons.loc[reasons["type"] == "hired", "id"])


def _hires(built: BuiltWarehouse) -> pd.DataFrame:
    opps = _live_opportunities(built)
    hired = opps[opps["is_archived"] & opps["archived_reason_id"].isin(_hired_reason_ids(built))].copy()
    hired["days_to_hire"] = (hired["archived_at"] - hired["created_at"]).dt.total_seconds() / DAY_S
    return hired


def _ms(value: int | float) -> datetime:
    return datetime.fromtimestamp(value / 1000.0, tz=UTC)


def test_sync_and_dbt_build_produced_every_mart(built_warehouse: BuiltWarehouse) -> None:
    keys = {
        e.step_materialization_data.materialization.asset_key.to_user_string()
        for e in built_warehouse.result.get_asset_materialization_events()
    }
    marts = {
        "marts/opportunity_enhanced",
        "marts/stage_history",
        "marts/time_in_stage",
        "marts/posting_funnel",
        "marts/interviews_enhanced",
        "marts/interviewer_scorecard",
        "marts/time_to_hire",
        "marts/source_effectiveness",
        "marts/pipeline_daily",
        "marts/requisition_enhanced",
    }
    assert marts <= keys
    assert {"lever/opportunities", "lever/feedback", "lever/requisitions", "lever/referrals"} <= keys
    assert len(built_warehouse.raw["lever_opportunities"]) > 0
    checks = built_warehouse.result.get_asset_check_evaluations()
    assert checks, "dbt tests should arrive as asset checks"
    assert [c.check_name for c in checks if not c.passed] == []


def test_candidates_per_stage(built_warehouse: BuiltWarehouse) -> None:
    expected = _live_opportunities(built_warehouse).groupby("stage_id").size().sort_index()
    mart = (
        built_warehouse.query("select stage_id, count(*) as n from analytics.opportunity_enhanced group by stage_id")
        .set_index("stage_id")["n"]
        .sort_index()
    )
    assert mart.to_dict() == expected.to_dict()


def test_opportunity_counts_of_interviews_and_feedback(built_warehouse: BuiltWarehouse) -> None:
    interviews = built_warehouse.raw["lever_interviews"]
    expected_interviews = interviews[interviews["canceled_at"].isna()].groupby("opportunity_id").size()
    feedback = built_warehouse.raw["lever_feedback"]
    done = feedback[feedback["deleted_at"].isna() & feedback["completed_at"].notna()]
    expected_feedback = done.groupby("opportunity_id").size()
    mart = built_warehouse.query(
        "select opportunity_id, interviews, feedback_forms_completed from analytics.opportunity_enhanced"
    ).set_index("opportunity_id")
    assert expected_interviews.sum() > 0 and expected_feedback.sum() > 0
    for opp_id, row in mart.iterrows():
        assert row["interviews"] == expected_interviews.get(opp_id, 0), opp_id
        assert row["feedback_forms_completed"] == expected_feedback.get(opp_id, 0), opp_id


def test_median_days_to_hire_per_posting(built_warehouse: BuiltWarehouse) -> None:
    hires = _hires(built_warehouse).explode("posting_ids").dropna(subset=["posting_ids"])
    assert len(hires) > 0, "the sandbox should contain hires"
    expected = hires.groupby("posting_ids").agg(hires=("id", "count"), median=("days_to_hire", "median"))
    mart = built_warehouse.query(
        "select posting_id, hires, median_days_to_hire from analytics.time_to_hire where hires > 0"
    ).set_index("posting_id")
    assert set(mart.index) == set(expected.index)
    for posting_id, row in expected.iterrows():
        assert mart.loc[posting_id, "hires"] == row["hires"]
        assert float(mart.loc[posting_id, "median_days_to_hire"]) == pytest.approx(row["median"], abs=0.006)


def test_source_effectiveness_counts_and_hire_rate(built_warehouse: BuiltWarehouse) -> None:
    opps = _live_opportunities(built_warehouse)
    hired_ids = set(_hires(built_warehouse)["id"])
    per_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, opp in opps.iterrows():
        for source in set(opp["sources"] or []) or {"(none)"}:
            per_source[source][0] += 1
            per_source[source][1] += opp["id"] in hired_ids
    mart = built_warehouse.query(
        "select source, opportunities, hires, hire_rate from analytics.source_effectiveness"
    ).set_index("source")
    assert set(mart.index) == set(per_source)
    for source, (n, hires) in per_source.items():
        assert mart.loc[source, "opportunities"] == n
        assert mart.loc[source, "hires"] == hires
        assert float(mart.loc[source, "hire_rate"]) == pytest.approx(hires / n, abs=0.0001)


def test_time_in_stage_from_stage_changes(built_warehouse: BuiltWarehouse) -> None:
    """For archived candidacies every visit is closed, so the totals are exact."""
    opps = _live_opportunities(built_warehouse)
    expected: dict[tuple[str, str], float] = defaultdict(float)
    changes_total = 0
    for _, opp in opps.iterrows():
        changes = opp["raw"].get("stageChanges") or []
        changes_total += len(changes)
        if not opp["is_archived"]:
            continue
        for i, change in enumerate(changes):
            entered = _ms(change["updatedAt"])
            exited = _ms(changes[i + 1]["updatedAt"]) if i + 1 < len(changes) else max(opp["archived_at"], entered)
            expected[(opp["id"], change["toStageId"])] += (exited - entered).total_seconds() / DAY_S
    assert expected, "the sandbox should contain archived candidacies with stage changes"
    history_rows = built_warehouse.query("select count(*) as n from analytics.stage_history")["n"].iloc[0]
    assert history_rows == changes_total
    mart = built_warehouse.query(
        "select t.opportunity_id, t.stage_id, t.days_in_stage from analytics.time_in_stage as t"
        " join analytics.opportunity_enhanced as o using (opportunity_id) where o.is_archived"
    )
    got = {(r.opportunity_id, r.stage_id): float(r.days_in_stage) for r in mart.itertuples()}
    assert set(got) == set(expected)
    for key, days in expected.items():
        assert got[key] == pytest.approx(days, abs=1e-6), key


def test_posting_funnel_candidates_reached(built_warehouse: BuiltWarehouse) -> None:
    """A candidate reaches a stage when they entered it or any later one (stages can be skipped)."""
    stages = built_warehouse.raw["lever_stages"].set_index("id")["position"]
    reached: dict[tuple[str, str], int] = defaultdict(int)
    for _, opp in _live_opportunities(built_warehouse).iterrows():
        entered = [stages[c["toStageId"]] for c in opp["raw"].get("stageChanges") or [] if c["toStageId"] in stages]
        if not entered:
            continue
        furthest = max(entered)
        for posting_id in set(opp["posting_ids"] or []):
            for stage_id, position in stages.items():
                if furthest >= position:
                    reached[(posting_id, stage_id)] += 1
    mart = built_warehouse.query(
        "select posting_id, stage_id, stage_position, candidates_reached, conversion_rate_to_next"
        " from analytics.posting_funnel order by posting_id, stage_position"
    )
    assert sum(reached.values()) > 0
    for row in mart.itertuples():
        assert row.candidates_reached == reached.get((row.posting_id, row.stage_id), 0), (row.posting_id, row.stage_id)
    # conversion to the next stage is the next stage's reached count over this one's
    for _, funnel in mart.groupby("posting_id"):
        counts = list(funnel["candidates_reached"])
        rates = list(funnel["conversion_rate_to_next"])
        for here, there, rate in zip(counts, counts[1:], rates, strict=False):
            if here:
                assert float(rate) == pytest.approx(there / here, abs=0.0001)


def test_pipeline_daily_today_matches_open_candidacies(built_warehouse: BuiltWarehouse) -> None:
    opps = _live_opportunities(built_warehouse)
    open_now = opps[~opps["is_archived"]]
    expected = {}
    for _, opp in open_now.iterrows():
        changes = opp["raw"].get("stageChanges") or []
        if changes:
            stage = changes[-1]["toStageId"]
            expected[stage] = expected.get(stage, 0) + 1
    mart = built_warehouse.query(
        "select stage_id, open_opportunities from analytics.pipeline_daily"
        " where snapshot_date = (select max(snapshot_date) from analytics.pipeline_daily)"
    )
    got = {r.stage_id: r.open_opportunities for r in mart.itertuples() if r.open_opportunities}
    assert got == expected


def test_interviewer_scorecard_interviews_and_average_scores(built_warehouse: BuiltWarehouse) -> None:
    interviews = built_warehouse.raw["lever_interviews"]
    held = set(interviews.loc[interviews["canceled_at"].isna(), "id"])
    links = built_warehouse.raw["interview_interviewers"]
    per_interviewer = links[links["interview_id"].isin(held)].groupby("user_id")["interview_id"].nunique()

    feedback = built_warehouse.raw["lever_feedback"]
    done = feedback[feedback["deleted_at"].isna() & feedback["completed_at"].notna()][["id", "user_id"]]
    values = built_warehouse.raw["feedback_field_values"]
    scored = values[values["type"].isin(["score-system", "score", "scorecard"])].merge(
        done, left_on="feedback_id", right_on="id"
    )
    scored = scored[scored["value_score"].notna()].assign(value_score=lambda d: d["value_score"].astype(float))
    expected = scored.groupby(["user_id", "template_id", "field_id"])["value_score"].agg(["count", "mean"])
    assert len(expected) > 0, "the sandbox should contain scored feedback"

    mart = built_warehouse.query(
        "select interviewer_user_id, template_id, field_id, interviews, scores_given, avg_score"
        " from analytics.interviewer_scorecard where scores_given > 0"
    ).set_index(["interviewer_user_id", "template_id", "field_id"])
    assert set(mart.index) == set(expected.index)
    for key, row in expected.iterrows():
        assert mart.loc[key, "scores_given"] == row["count"]
        assert float(mart.loc[key, "avg_score"]) == pytest.approx(row["mean"], abs=0.0006)
        assert mart.loc[key, "interviews"] == per_interviewer.get(key[0], 0)
