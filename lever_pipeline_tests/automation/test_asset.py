"""The `automation/advancement_decisions` asset in-process on real PostgreSQL, its metadata, and the stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from lever_pipeline.automation.stats import automation_stats
from lever_pipeline.defs.automation.assets import INPUTS, advancement_decisions
from lever_pipeline_tests.automation.conftest import candidacy, rule_for
from lever_pipeline_tests.writeback.conftest import World


def test_asset_records_decisions_with_metadata_and_stats_count_them(world: World) -> None:
    c = candidacy(world)
    a = world.active_user(0)["id"]
    iv = c.interview(a)
    c.form(a, datetime.now(UTC) - timedelta(hours=2), interview=iv)
    rule_for(world, c, dry_run=True)

    results = [dg.materialize([advancement_decisions], resources={"warehouse": world.warehouse}) for _ in range(2)]

    metas = [r.get_asset_materialization_events()[0].materialization.metadata for r in results]
    assert metas[0]["advanced"].value == 1 and metas[0]["dry_run_decisions"].value == 1
    assert metas[1]["advanced"].value == 0 and metas[1]["already_decided"].value == 1
    stats = automation_stats(world.engine)
    assert stats["rules_active"] == 1 and stats["rules"][0]["dry_run_decisions"] == {"advance": 1}
    assert stats["rules"][0]["decisions"] == {} and stats["pending_evaluations"] == 0


def test_asset_is_requested_after_a_runless_feedback_materialization() -> None:
    """The webhook sensor's tick reports runless materializations; the condition picks them up."""
    instance = dg.DagsterInstance.ephemeral()
    defs = dg.Definitions(
        assets=[advancement_decisions, *[dg.AssetSpec(k) for k in INPUTS]],
        resources={"warehouse": dg.ResourceDefinition.none_resource()},
    )
    selection = dg.AssetSelection.assets(advancement_decisions)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=selection)
    assert first.total_requested == 0
    instance.report_runless_asset_event(dg.AssetMaterialization(INPUTS[0]))
    second = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=selection, cursor=first.cursor
    )
    assert second.total_requested == 1


def test_demo_line_fits_a_dry_run_sample_rule_to_the_data(world: World) -> None:
    import sqlalchemy as sa

    from lever_pipeline.automation.rules import list_rules
    from lever_pipeline.automation.sample import SAMPLE_NAME, automation_line
    from lever_pipeline.sync.rows import archive_reason_row, posting_row
    from lever_pipeline.warehouse.tables import lever_archive_reasons, lever_postings
    from lever_pipeline_tests.writeback.conftest import api

    c = candidacy(world)
    a = world.active_user(0)["id"]
    iv = c.interview(a)
    c.form(a, datetime.now(UTC) - timedelta(hours=2), interview=iv)
    posting = {**api(world.sandbox, "/postings")[0], "id": c.posting, "team": "Engineering"}
    with world.engine.begin() as conn:
        conn.execute(sa.insert(lever_postings), [posting_row(posting)])
        conn.execute(
            sa.insert(lever_archive_reasons), [archive_reason_row(r) for r in api(world.sandbox, "/archive_reasons")]
        )

    line = automation_line(world.engine)

    [rule] = list_rules(world.engine)
    assert rule.definition.name == SAMPLE_NAME and rule.definition.dry_run and rule.definition.stage_id == c.stage
    assert line.startswith("Automation: 1 rule active (1 in dry-run), 1 decisions made (1 advance), 0 waiting")
    assert world.scalar("SELECT count(*) FROM lever_outbox") == 0
