"""The Definitions load the dbt models as assets, wired to the Lever assets that write their sources."""

from __future__ import annotations

import dagster as dg

from lever_pipeline.definitions import defs


def _graph() -> tuple[set[str], dict[str, set[str]]]:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    parents = {
        k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys} for k in graph.get_all_asset_keys()
    }
    return keys, parents


def test_dbt_assets_are_loaded_with_groups_from_folders() -> None:
    keys, _ = _graph()
    assert {"stg_lever__opportunities", "opportunity_enhanced", "time_to_hire", "opportunity", "users"} <= keys
    graph = defs.resolve_asset_graph()
    group = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert group["stg_lever__opportunities"] == "staging"
    assert group["opportunity_enhanced"] == "marts"
    assert group["opportunity"] == "fivetran"


def test_staging_models_depend_on_the_lever_assets() -> None:
    _, parents = _graph()
    assert parents["stg_lever__opportunities"] == {"lever/opportunities"}
    assert parents["stg_lever__stages"] == {"lever/stages"}
    assert parents["stg_lever__postings"] == {"lever/postings"}
    assert parents["stg_lever__users"] == {"lever/users"}
    assert parents["stg_lever__archive_reasons"] == {"lever/archive_reasons"}
    assert parents["stg_lever__interviews"] == {"lever/interviews"}
    assert parents["stg_lever__interview_interviewers"] == {"lever/interviews"}
    assert parents["stg_lever__feedback"] == {"lever/feedback"}
    assert parents["stg_lever__feedback_field_values"] == {"lever/feedback"}
    assert parents["stg_lever__feedback_templates"] == {"lever/feedback_templates"}
    assert parents["stg_lever__notes"] == {"lever/notes"}
    assert parents["stg_lever__resumes"] == {"lever/resumes"}


def test_one_graph_from_sync_to_marts() -> None:
    """No dbt source is left dangling: every root of the graph is a Lever asset."""
    keys, parents = _graph()
    assert "opportunity_enhanced" in parents and "stage_history" in parents["time_in_stage"]
    roots = {k for k in keys if not parents[k]}
    assert all(k.startswith("lever/") for k in roots), sorted(roots)
    assert not any(k.startswith("lever_raw/") for k in keys)


def test_dbt_tests_arrive_as_asset_checks() -> None:
    graph = defs.resolve_asset_graph()
    checks = {c.asset_key.to_user_string() for c in graph.asset_check_keys}
    assert {"opportunity_enhanced", "time_to_hire", "opportunity"} <= checks
    assert isinstance(defs.resources["dbt"], dg.ConfigurableResource)
