"""The Definitions load the dbt models as assets, wired to the Lever assets that write their sources."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_dbt import DbtProject

from lever_pipeline.definitions import defs
from lever_pipeline.defs.dbt import (
    DBT_BUILD_TAG,
    FIRST_MODEL,
    DevManifestPreparer,
    build_dbt_assets,
    dbt_project,
    dbt_resource,
    manifest_is_stale,
)
from lever_pipeline.settings import PROJECT_ROOT, get_settings
from lever_pipeline.warehouse.dbt_profile import DBT_PROJECT_DIR


def _graph() -> tuple[set[str], dict[str, set[str]]]:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    parents = {
        k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys} for k in graph.get_all_asset_keys()
    }
    return keys, parents


def test_dbt_assets_are_keyed_and_grouped_by_folder() -> None:
    keys, _ = _graph()
    assert {
        "staging/stg_lever__opportunities",
        "marts/opportunity_enhanced",
        "marts/time_to_hire",
        "fivetran/opportunity",
        "fivetran/users",
        "lever/users",
    } <= keys
    graph = defs.resolve_asset_graph()
    group = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert group["staging/stg_lever__opportunities"] == "staging"
    assert group["marts/opportunity_enhanced"] == "marts"
    assert group["fivetran/opportunity"] == "fivetran"


def test_staging_models_depend_on_the_lever_assets() -> None:
    _, parents = _graph()
    for model, stream in [
        ("opportunities", "opportunities"),
        ("stages", "stages"),
        ("postings", "postings"),
        ("users", "users"),
        ("archive_reasons", "archive_reasons"),
        ("interviews", "interviews"),
        ("interview_interviewers", "interviews"),
        ("feedback", "feedback"),
        ("feedback_field_values", "feedback"),
        ("feedback_templates", "feedback_templates"),
        ("notes", "notes"),
        ("resumes", "resumes"),
        ("requisitions", "requisitions"),
        ("requisition_custom_field_values", "requisitions"),
        ("requisition_fields", "requisition_fields"),
        ("applications", "applications"),
        ("panels", "panels"),
        ("referrals", "referrals"),
        ("profile_forms", "profile_forms"),
        ("profile_form_field_values", "profile_forms"),
    ]:
        assert parents[f"staging/stg_lever__{model}"] == {f"lever/{stream}"}, model


def test_one_graph_from_sync_to_marts() -> None:
    """No dbt source is left dangling: every root of the graph is a Lever asset."""
    keys, parents = _graph()
    assert "marts/opportunity_enhanced" in parents and "marts/stage_history" in parents["marts/time_in_stage"]
    roots = {k for k in keys if not parents[k]}
    assert all(k.startswith("lever/") for k in roots), sorted(roots)
    assert not any(k.startswith("lever_raw/") for k in keys)


def test_dbt_tests_arrive_as_asset_checks() -> None:
    graph = defs.resolve_asset_graph()
    checks = {c.asset_key.to_user_string() for c in graph.asset_check_keys}
    assert {"marts/opportunity_enhanced", "marts/time_to_hire", "fivetran/opportunity"} <= checks
    assert isinstance(defs.resources["dbt"], dg.ConfigurableResource)


def test_dbt_descriptions_say_what_a_row_is_without_the_sql() -> None:
    graph = defs.resolve_asset_graph()
    dbt_keys = sorted(build_dbt_assets().keys, key=lambda k: k.path)
    assert len(dbt_keys) == 62
    for key in dbt_keys:
        description = graph.get(key).description or ""
        assert "Raw SQL" not in description and "select" not in description.lower(), key
    assert graph.get(dg.AssetKey(["marts", "time_to_hire"])).description.startswith("One row per posting")


def test_every_dbt_model_rebuilds_through_the_automation_sensor() -> None:
    graph = defs.resolve_asset_graph()
    dbt_keys = set(build_dbt_assets().keys)  # other assets outside `lever/` (automation/...) are not dbt's
    assert {k for k in dbt_keys if graph.get(k).automation_condition is None} == set()
    assert all(graph.get(k).automation_condition is None for k in graph.get_all_asset_keys() if k.path[0] == "lever")
    sensor = next(s for s in defs.sensors if s.name == "dbt_models_automation")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == get_settings().dbt_rebuild_min_interval_seconds
    assert sensor.asset_selection.resolve(graph) == dbt_keys


def test_dbt_runs_from_beside_the_interpreter_without_the_venv_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """`.venv/bin/lever-pipeline dev` is run without activating the venv: dbt must still be found."""
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir()))
    assert shutil.which("dbt") is None
    resource = dbt_resource()
    assert Path(resource.dbt_executable) == Path(sys.executable).parent / "dbt"
    invocation = resource.cli(["--version"], manifest=dbt_project.manifest_path)
    assert invocation.wait().is_successful()


def test_dagster_dev_parses_the_project_only_when_a_dbt_file_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every process `dagster dev` starts imports defs/dbt.py; only a changed dbt file is worth a parse."""
    project_dir = tmp_path / "dbt_models"
    shutil.copytree(DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir()))
    assert manifest_is_stale(project)

    DevManifestPreparer().prepare_if_dev(project)  # no manifest yet: dbt parse, found beside the interpreter
    assert project.manifest_path.exists() and not manifest_is_stale(project)
    built = project.manifest_path.stat().st_mtime_ns
    DevManifestPreparer().prepare_if_dev(project)  # nothing changed: no parse
    assert project.manifest_path.stat().st_mtime_ns == built

    later = built + 1_000_000_000
    os.utime(project_dir / "models" / "marts" / "time_to_hire.sql", ns=(later, later))
    assert manifest_is_stale(project)
    os.utime(project.manifest_path, ns=(later + 1, later + 1))
    (project_dir / "target" / "run_results.json").write_text("{}")  # dbt's own output never counts
    assert not manifest_is_stale(project)


def test_one_automated_dbt_build_runs_at_a_time() -> None:
    """The sensor tags its runs and `dagster.yaml` lets one run with that tag execute at a time."""
    sensor = next(s for s in defs.sensors if s.name == "dbt_models_automation")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert DBT_BUILD_TAG in sensor.run_tags
    instance = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    assert {"key": DBT_BUILD_TAG, "limit": 1} in instance["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert FIRST_MODEL in build_dbt_assets().keys  # the gate names a model every build starts with
