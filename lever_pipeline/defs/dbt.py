"""The dbt project as Dagster assets: staging, marts and the Fivetran-compatible `lever` schema.

The manifest is prepared before Dagster loads (`make dbt-prepare` runs `dagster-dbt project
prepare-and-package --file lever_pipeline/defs/dbt.py`; `dagster dev` prepares it itself
through `prepare_if_dev`), never parsed at import. That command imports this module to
find the `DbtProject` before any manifest exists, so the assets are built by
`build_dbt_assets()`, which `definitions.py` calls, not at import. Each dbt source names the Lever asset
that writes its table (`meta.dagster.asset_key` in `dbt_models/models/sources.yml`), so the
default translator draws one graph from the sync to the marts; ours only adds groups.
The profile's connection comes from the warehouse resource when the run starts.
"""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.warehouse.dbt_profile import DBT_PROJECT_DIR, dbt_process_env

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

#: dbt model folders and the Dagster group each becomes.
FOLDER_GROUPS = {"staging": "staging", "marts": "marts", "fivetran": "fivetran"}


class LeverDbtTranslator(DagsterDbtTranslator):
    """Groups dbt models by their folder; keys stay dagster-dbt's defaults."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return FOLDER_GROUPS.get(fqn[1], "dbt")
        return super().get_group_name(dbt_resource_props)


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


class DbtManifestMissing(RuntimeError):
    """The dbt manifest has not been prepared."""


@cache
def build_dbt_assets() -> dg.AssetsDefinition:
    """The dbt models (and their tests, as asset checks) as one multi-asset; built once.

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
        """dbt build of the selected models and their tests, with row counts on each table."""
        url = warehouse.engine().url  # also migrates the warehouse, so every source table exists
        env = {k: v for k, v in dbt_process_env(url).items() if k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
        with _environment(env):
            invocation = dbt.cli(["build"], context=context)
            invocation.manifest = _on_database(invocation.manifest, env["LEVER_DBT_DBNAME"])
            yield from invocation.stream().fetch_row_counts()

    return lever_dbt_models


def dbt_resource() -> DbtCliResource:
    """The dbt CLI resource on this project (profiles.yml lives in the project folder)."""
    return DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR))
