"""Fivetran's own dbt_lever package, unchanged, builds and passes every one of its tests on our `lever` schema.

The package is vendored in `fivetran_dbt_lever/packages` (its README says which release);
this runs the real `dbt build` of it, in a subprocess, on the warehouse the session's sync
and dbt build filled, into a schema of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from lever_pipeline.defs.dbt import dbt_executable
from lever_pipeline.warehouse.dbt_profile import DBT_PROJECT_DIR, dbt_profile_env
from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt

CHECK_PROJECT = Path(__file__).parent / "fivetran_dbt_lever"
SCHEMA = "fivetran_dbt_lever"

DbtLeverRun = tuple[subprocess.CompletedProcess[str], dict[str, Any]]


@pytest.fixture(scope="module")
def dbt_lever_run(
    built_warehouse: BuiltWarehouse, test_database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DbtLeverRun]:
    """`dbt build` of the vendored package; its process result and run_results.json. The schema goes afterwards."""
    target = tmp_path_factory.mktemp("dbt_lever")
    env = {
        **os.environ,
        **dbt_profile_env(test_database_url, schema=SCHEMA, threads=2),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),  # our profile, read from the LEVER_DBT_* variables
        "DBT_TARGET_PATH": str(target / "target"),
        "DBT_LOG_PATH": str(target / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    process = subprocess.run(
        [dbt_executable(), "build", "--project-dir", str(CHECK_PROJECT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    results_file = target / "target" / "run_results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {"results": []}
    yield process, results
    with built_warehouse.engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))


def test_dbt_lever_builds_and_passes_every_test_on_our_fivetran_schema(dbt_lever_run: DbtLeverRun) -> None:
    process, results = dbt_lever_run
    assert process.returncode == 0, process.stdout[-4000:]
    statuses = Counter(
        (r["unique_id"].split(".")[0], r["status"])
        for r in results["results"]
        if r["unique_id"].split(".")[1] == "lever"
    )
    assert statuses[("test", "pass")] >= 29 and statuses[("model", "success")] >= 50, statuses
    assert set(statuses) == {("test", "pass"), ("model", "success")}, statuses  # no warning, error or skip


def test_dbt_lever_requisition_enhanced_has_one_row_per_synced_requisition(
    built_warehouse: BuiltWarehouse, dbt_lever_run: DbtLeverRun
) -> None:
    process, _ = dbt_lever_run
    assert process.returncode == 0, process.stdout[-4000:]
    wh = built_warehouse
    synced = {r.id for r in wh.rows("SELECT id FROM lever_requisitions WHERE deleted_at IS NULL")}
    enhanced = wh.rows(
        f'SELECT requisition_id, count_postings, count_offers FROM "{SCHEMA}".lever__requisition_enhanced'
    )
    assert synced and len(enhanced) == len(synced) and {r.requisition_id for r in enhanced} == synced
    raw = {r.id: r.raw for r in wh.rows("SELECT id, raw FROM lever_requisitions")}
    for r in enhanced:
        assert r.count_offers == len(raw[r.requisition_id]["offerIds"])
        assert r.count_postings == len(raw[r.requisition_id]["postings"])
