"""The per-opportunity assets and the templates, materialized through Dagster against the sandbox
(real HTTP) and a real PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from lever_pipeline_tests.sync.conftest import (
    CHILD_PATHS,
    KIND_NAMES,
    count,
    fast_lever,
    materialize_all,
    metadata,
)

# sandbox dataset key -> (table, extra condition)
TABLES = {
    "feedback_templates": "lever_feedback_templates",
    "feedback": "lever_feedback WHERE deleted_at IS NULL",
    "interviews": "lever_interviews",
    "notes": "lever_notes",
    "resumes": "lever_resumes",
    "files": "lever_files",
    "offers": "lever_offers",
}


def test_per_opportunity_assets_counts_match_sandbox_for_every_table(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    result = materialize_all(fast_lever(sandbox), warehouse_resource)
    assert result.success
    dataset = sandbox.stats()["dataset"]
    for key, table in TABLES.items():
        assert count(clean_engine, f"SELECT count(*) FROM {table}") == dataset[key], key
    # The normalised tables agree with the JSON they were derived from.
    assert count(clean_engine, "SELECT count(*) FROM feedback_template_fields") == count(
        clean_engine, "SELECT coalesce(sum(jsonb_array_length(fields)), 0) FROM lever_feedback_templates"
    )
    assert count(clean_engine, "SELECT count(*) FROM feedback_field_values") == count(
        clean_engine, "SELECT coalesce(sum(jsonb_array_length(raw->'fields')), 0) FROM lever_feedback"
    )
    assert count(clean_engine, "SELECT count(*) FROM interview_interviewers") == count(
        clean_engine, "SELECT coalesce(sum(jsonb_array_length(raw->'interviewers')), 0) FROM lever_interviews"
    )
    for kind in KIND_NAMES:
        meta = metadata(result, kind)
        assert meta["mode"] == "incremental"  # first run: every opportunity is new to the ledger
        assert meta["opportunities_fetched"] == dataset["opportunities"]
        assert meta["requests"] == dataset["opportunities"]  # one page per opportunity at this size
        assert meta["retries_429"] == 0
        assert "@" not in meta.get("preview", "")  # no emails in previews
    assert metadata(result, "feedback")["unknown_field_values"] == 0
    checks = result.get_asset_check_evaluations()
    assert {c.check_name for c in checks} == {
        "feedback_has_known_template",
        "feedback_field_values_valid",
        "interviews_have_known_opportunity",
    }
    assert all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks if not c.passed]


def test_per_opportunity_assets_incremental_fetches_only_mutated_opportunities(
    sandbox, warehouse_resource, clean_engine
) -> None:
    sandbox.reset()
    assert materialize_all(fast_lever(sandbox), warehouse_resource).success
    unchanged = materialize_all(fast_lever(sandbox), warehouse_resource)
    assert all(metadata(unchanged, k)["requests"] == 0 for k in KIND_NAMES)

    changed = sandbox.mutate(10, kinds=["stage", "feedback", "note", "interview"])
    changed_ids = {m["opportunityId"] for m in changed["mutations"]}
    before = sandbox.stats()["requests_by_path"]
    result = materialize_all(fast_lever(sandbox), warehouse_resource)
    assert result.success
    after = sandbox.stats()["requests_by_path"]
    for kind, path in CHILD_PATHS.items():
        assert after.get(path, 0) - before.get(path, 0) == len(changed_ids), kind
        assert metadata(result, kind)["opportunities_fetched"] == len(changed_ids)

    dataset = sandbox.stats()["dataset"]
    for key, table in TABLES.items():
        assert count(clean_engine, f"SELECT count(*) FROM {table}") == dataset[key], key
    for m in changed["mutations"]:
        if m["kind"] == "feedback":
            assert count(clean_engine, "SELECT count(*) FROM lever_feedback WHERE id = :id", id=m["feedbackId"]) == 1
            assert (
                count(
                    clean_engine,
                    "SELECT count(*) FROM feedback_field_values WHERE feedback_id = :id",
                    id=m["feedbackId"],
                )
                > 0
            )
        if m["kind"] == "note":
            assert count(clean_engine, "SELECT count(*) FROM lever_notes WHERE id = :id", id=m["noteId"]) == 1
        if m["kind"] == "interview":
            assert count(clean_engine, "SELECT count(*) FROM lever_interviews WHERE id = :id", id=m["interviewId"]) == 1


def test_per_opportunity_assets_full_refresh_fetches_all_and_removed_children_disappear(
    sandbox, warehouse_resource, clean_engine
) -> None:
    sandbox.reset()
    assert materialize_all(fast_lever(sandbox), warehouse_resource).success
    # A note Lever no longer returns (deleted there) must leave the warehouse on the next fetch.
    with clean_engine.begin() as conn:
        victim = conn.execute(sa.text("SELECT id, opportunity_id FROM lever_notes ORDER BY id LIMIT 1")).one()
        conn.execute(
            sa.text("INSERT INTO lever_notes (id, opportunity_id, raw) VALUES ('stale-note', :o, '{}'::jsonb)"),
            {"o": victim.opportunity_id},
        )
    result = materialize_all(fast_lever(sandbox), warehouse_resource, full=True)
    assert result.success
    live = count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE deleted_at IS NULL")
    meta = metadata(result, "notes")
    assert meta["mode"] == "full"
    assert meta["opportunities_fetched"] == live
    assert meta["rows_deleted"] == 1
    assert meta["rows_inserted"] == 0 and meta["rows_updated"] == 0
    assert count(clean_engine, "SELECT count(*) FROM lever_notes WHERE id = 'stale-note'") == 0
