"""The dbt project as Dagster assets: staging, marts and the Fivetran-compatible `lever` schema.

The manifest is prepared before Dagster loads (`make dbt-prepare` runs `dagster-dbt project
prepare-and-package --file lever_pipeline/defs/dbt.py`; under `dagster dev` this module
parses the project itself when a dbt file is newer than the manifest), never otherwise.
That command imports this module to find the `DbtProject` before any manifest exists, so
the assets are built by `build_dbt_assets()`, which `definitions.py` calls, not at import.
Each dbt source names the Lever asset that writes its table (`meta.dagster.asset_key` in
`dbt_models/models/sources.yml`), so the graph runs from the sync to the marts; the
translator adds a key prefix and a group per model folder, and the automation condition
that rebuilds the models after the Lever assets change. The profile's connection comes
from the warehouse resource when the run starts.
"""

import operator
import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, reduce
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import default_description_fn
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.settings import get_settings
from lever_pipeline.warehouse.dbt_profile import DBT_PROJECT_DIR, dbt_process_env

#: Files whose change makes the manifest stale (the Makefile's `dbt-prepare` uses the same rule).
DBT_SOURCE_SUFFIXES = (".sql", ".yml", ".md")
DBT_OUTPUT_FOLDERS = ("target", "logs", "dbt_packages")


def dbt_executable() -> str:
    """The dbt installed beside the running interpreter, else `dbt` on PATH.

    `.venv/bin/lever-pipeline` runs without the venv on PATH; dbt is in the same folder.
    """
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def manifest_is_stale(project: DbtProject) -> bool:
    """Whether the manifest is missing or older than a file of the dbt project."""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    return any(
        path.stat().st_mtime > built
        for path in project.project_dir.rglob("*")
        if path.suffix in DBT_SOURCE_SUFFIXES
        and path.relative_to(project.project_dir).parts[0] not in DBT_OUTPUT_FOLDERS
        and path.is_file()
    )


class DevManifestPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparation under `dagster dev` (a `dbt parse`), with two changes.

    It runs only when a dbt file is newer than the manifest: every process `dagster dev`
    starts imports this module (the code server, each run, each step), and a parse in each
    cost seconds of CPU per run. And it runs the dbt beside the interpreter, so a run of
    `.venv/bin/lever-pipeline dev` without the venv on PATH can load the definitions.
    """

    def prepare_if_dev(self, project: DbtProject) -> None:
        if self.using_dagster_dev() and manifest_is_stale(project):
            super().prepare_if_dev(project)

    def _prepare_manifest(self, project: DbtProject) -> None:
        # dagster-dbt 0.29's own step, with the executable passed (it builds the resource with the default `dbt`).
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            self._prepare_project_cli_args, target_path=project.target_path
        ).wait()
        self._invalidate_seeds_in_partial_parse(project)


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DevManifestPreparer().prepare_if_dev(dbt_project)

#: dbt model folders: each is the model's Dagster group and the first part of its asset key
#: (`marts/opportunity_enhanced`, `staging/stg_lever__users`, `fivetran/users` beside the
#: sync's `lever/users`). The warehouse schema a folder builds into is chosen in
#: `dbt_models/macros/generate_schema_name.sql`.
MODEL_FOLDERS = ("staging", "marts", "fivetran")

#: A dbt run is tens of seconds to a few minutes; one that runs for an hour is stuck, and
#: run monitoring fails it so it frees its place in the run queue.
DBT_MAX_RUNTIME_SECONDS = 3600


#: The model every dbt build starts with (it reads the raw opportunities; most models read it).
FIRST_MODEL = dg.AssetKey(["staging", "stg_lever__opportunities"])

#: Tag on the automation's dbt runs; `dagster.yaml` lets one such run execute at a time.
DBT_BUILD_TAG = "lever/dbt_build"


def dbt_automation_condition(lever_keys: Sequence[dg.AssetKey]) -> dg.AutomationCondition:
    """When the dbt models rebuild: all of them, in one run, after any Lever asset they read changed.

    The whole project, not the models downstream of the change: the marts' tests compare
    marts with each other (stage history against opportunities, today's pipeline against
    open opportunities), so models built by different runs from different snapshots of the
    staging tables fail them; one run builds every model from one snapshot of each.

    Dagster's `eager()` forgets an upstream change that lands between the tick that
    requested a build and the next tick (it resets on "requested last tick" in the same
    tick as it sees the change), so with a minimum interval of minutes the last refreshes of
    a busy spell would reach the marts only with the next change. Here the models are
    pending from the tick that sees a Lever asset materialized by another run (a schedule,
    a targeted refresh, a run launched by hand; not the demo's run, which builds dbt itself)
    until the tick after they are next requested, and a change seen in that tick keeps
    them pending. They are requested unless one of a model's inputs was never materialized,
    a build is queued or has not yet built FIRST_MODEL, or a blocking check on a Lever asset
    failed on its latest materialization (that check exists because the marts would be wrong:
    the change waits, without runs, until a later materialization passes). The build gate is
    one model for all (Dagster's `in_progress` is per model and ends when that model is built,
    so per-model gates would request the models a running build had finished); a request made
    once the running build is past FIRST_MODEL waits in the run queue (one `lever/dbt_build`
    run at a time), so there is at most one build running and one queued, each of the whole
    project. A Lever run in progress does not hold the build back (eager's rule would): with
    live webhooks a targeted refresh is running most of the time. A failed build is not
    retried until the next change.
    """
    changed = reduce(
        operator.or_,
        [
            dg.AutomationCondition.asset_matches(
                key, dg.AutomationCondition.newly_updated() & ~dg.AutomationCondition.executed_with_root_target()
            )
            for key in lever_keys
        ],
    ).with_label("a Lever asset updated by another run")
    requested = (dg.AutomationCondition.newly_requested() | dg.AutomationCondition.initial_evaluation()).with_label(
        "requested (or first evaluation)"
    )
    blocked = reduce(
        operator.or_,
        [
            dg.AutomationCondition.asset_matches(
                key,
                dg.AutomationCondition.any_checks_match(dg.AutomationCondition.check_failed(), blocking_only=True),
            )
            for key in lever_keys
        ],
    ).with_label("a Lever asset's blocking check failed")
    return (
        (~requested.since(changed)).with_label("a Lever asset changed since the last request")
        & ~dg.AutomationCondition.any_deps_missing()
        & ~dg.AutomationCondition.asset_matches(FIRST_MODEL, dg.AutomationCondition.in_progress()).with_label(
            "a dbt build is queued or starting"
        )
        & ~blocked
    ).with_label("rebuild after Lever changes")


def _model_folder(dbt_resource_props: Mapping[str, Any]) -> str | None:
    fqn = dbt_resource_props.get("fqn", [])
    if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2 and fqn[1] in MODEL_FOLDERS:
        return fqn[1]
    return None


class LeverDbtTranslator(DagsterDbtTranslator):
    """Key prefix and group from the model's folder, descriptions without the SQL.

    Sources keep the key their YAML names (`lever/<stream>`), so lineage joins the sync's assets.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        key = super().get_asset_key(dbt_resource_props)
        folder = _model_folder(dbt_resource_props)
        return key.with_prefix(folder) if folder else key

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return _model_folder(dbt_resource_props) or super().get_group_name(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # The YAML description says what a row is; the SQL is one click away in the code
        # and only buried it in the catalog.
        return default_description_fn(dbt_resource_props, display_raw_sql=False)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the block, restoring what was there before.

    dagster-dbt hands dbt the process environment (it has no per-call env), and also reads
    the profile in-process for row counts, so the profile variables must live there.
    """
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _on_database(manifest: Mapping[str, Any], database: str) -> dict[str, Any]:
    """The prepared manifest with its nodes' database set to the one this run builds in.

    The manifest is parsed once, without a warehouse, so its relation names carry the
    profile's default database; dagster-dbt counts rows with those names, and PostgreSQL
    refuses a query naming another database (tests and WAREHOUSE_URL use other names).
    """
    nodes: dict[str, Any] = {}
    for unique_id, node in manifest.get("nodes", {}).items():
        old = node.get("database")
        relation = node.get("relation_name")
        if old and old != database and relation and relation.startswith(f'"{old}".'):
            node = {**node, "database": database, "relation_name": f'"{database}".' + relation[len(old) + 3 :]}
        nodes[unique_id] = node
    return {**manifest, "nodes": nodes}


#: The file in which dbt saves its parse of the project (dagster-dbt seeds each build's folder with it).
PARTIAL_PARSE = "partial_parse.msgpack"


def _builds_folder(database: str) -> Path:
    """Where the builds on one warehouse keep their folders and the parse they share.

    dbt throws its saved parse away when the connection differs from the one it was made
    with, and the prepared manifest's is the default profile: every build on a real
    warehouse parsed the whole project again (seconds alone, tens on a busy machine). A
    folder per warehouse keeps the last build's parse for the next; DBT_TARGET_PATH, when
    the caller set it, wins.
    """
    chosen = os.environ.get("DBT_TARGET_PATH")
    folder = Path(chosen) if chosen else get_settings().lever_pipeline_home / "dbt" / database
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep_parse_and_clear(build: Path, builds: Path) -> None:
    """After a build that succeeded: its parse becomes the warehouse's (atomically), its folder goes.

    A failed build's folder stays, with dbt's log and compiled SQL, for whoever looks into it.
    """
    parsed = build / PARTIAL_PARSE
    if parsed.exists():
        staged = builds / f".{PARTIAL_PARSE}.{build.name}"
        shutil.copyfile(parsed, staged)
        os.replace(staged, builds / PARTIAL_PARSE)
    shutil.rmtree(build, ignore_errors=True)


class DbtManifestMissing(RuntimeError):
    """The dbt manifest has not been prepared."""


@cache
def build_dbt_assets() -> dg.AssetsDefinition:
    """The dbt models (their tests as asset checks, their automation condition) as one multi-asset; built once.

    Raises DbtManifestMissing when the manifest was never prepared.
    """
    if not dbt_project.manifest_path.exists():
        raise DbtManifestMissing(
            f"{dbt_project.manifest_path} does not exist. Run `make dbt-prepare` (dagster-dbt project "
            "prepare-and-package --file lever_pipeline/defs/dbt.py) before loading the definitions."
        )

    @dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=LeverDbtTranslator())
    def lever_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        """dbt build of the selected models and their tests, with row counts and column types on each table."""
        url = warehouse.engine().url  # also migrates the warehouse, so every source table exists
        env = {k: v for k, v in dbt_process_env(url).items() if k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
        builds = _builds_folder(env["LEVER_DBT_DBNAME"])
        with _environment({**env, "DBT_TARGET_PATH": str(builds)}):
            invocation = dbt.cli(["build"], context=context)
            invocation.manifest = _on_database(invocation.manifest, env["LEVER_DBT_DBNAME"])
            # Column types, without sqlglot's column lineage: it cannot resolve the models that
            # read a child table beside its source (`lever_child_table`), and logged a warning
            # with a traceback for each of them on every build.
            yield from invocation.stream().fetch_row_counts().fetch_column_metadata(with_column_lineage=False)
        _keep_parse_and_clear(invocation.target_path, builds)

    # The models rebuild when the Lever tables change. The automation decisions (read by one
    # mart) are materialized every 10 minutes whatever happened, so they do not trigger a build:
    # the mart follows with the next Lever change, as a quiet account should cost no build.
    lever_keys = sorted(
        {dep.asset_key for spec in lever_dbt_models.specs for dep in spec.deps if dep.asset_key.path[0] == "lever"}
        - set(lever_dbt_models.keys),
        key=lambda key: key.path,
    )
    condition = dbt_automation_condition(lever_keys)
    return lever_dbt_models.map_asset_specs(lambda spec: spec.replace_attributes(automation_condition=condition))


def build_dbt_automation_sensor(minimum_interval_seconds: int | None = None) -> dg.AutomationConditionSensorDefinition:
    """The sensor that evaluates the dbt models' automation condition, at most once per interval.

    Running by default: it launches a dbt build only when a Lever asset the models read has
    been materialized since their last build (by a schedule, a targeted refresh, the demo or
    a manual run), so a quiet account costs nothing and a busy one at most one build per interval.
    The interval defaults to DBT_REBUILD_MIN_INTERVAL_SECONDS, read when the code location
    loads: it is part of the sensor's definition, not of a run.
    """
    if minimum_interval_seconds is None:
        minimum_interval_seconds = get_settings().dbt_rebuild_min_interval_seconds
    return dg.AutomationConditionSensorDefinition(
        "dbt_models_automation",
        target=dg.AssetSelection.assets(build_dbt_assets()),
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        run_tags={"dagster/max_runtime": str(DBT_MAX_RUNTIME_SECONDS), DBT_BUILD_TAG: "automation"},
        description=(
            "Rebuilds the dbt models (staging, marts, fivetran) after the Lever assets they read change, "
            f"at most once every {minimum_interval_seconds} s (DBT_REBUILD_MIN_INTERVAL_SECONDS)."
        ),
    )


def dbt_resource() -> DbtCliResource:
    """The dbt CLI resource on this project (profiles.yml lives in the project folder)."""
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
