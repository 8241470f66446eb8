"""One real sync from the sandbox and one real `dbt build`, shared by the dbt tests.

The session fixture empties the test database, materializes the Lever assets and the dbt
assets together through Dagster (as `make demo` does), and then snapshots the raw tables,
so each test compares a mart with the same figure computed here from the raw rows.

dbt parses the whole project again when the connection differs from the one its saved
parse was made with (the prepared manifest's is the default profile, never a test
database), so each rebuild paid a full parse: seconds alone, tens on a busy machine. So
every dbt run of this session keeps its artifacts under one folder of its own, where each
build that succeeds leaves its parse (`defs/dbt.py`, as production builds do under
LEVER_PIPELINE_HOME/dbt/<database>) for the tests that rebuild a few models on the same
database (`run_dbt`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from lever_pipeline.defs.dbt import PARTIAL_PARSE, build_dbt_assets, dbt_resource
from lever_pipeline.defs.resources import WarehouseResource
from lever_pipeline.defs.sync.candidacy_assets import CANDIDACY_ASSETS
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS
from lever_pipeline.defs.sync.per_opportunity_assets import CHILD_ASSETS, PER_OPPORTUNITY_ASSETS
from lever_pipeline.defs.sync.requisition_assets import REQUISITION_ASSETS
from lever_pipeline.warehouse.tables import metadata
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource
from lever_pipeline_tests.dbt.automation_rows import write_decisions

RAW_TABLES = (
    "lever_stages",
    "lever_archive_reasons",
    "lever_users",
    "lever_postings",
    "lever_opportunities",
    "lever_interviews",
    "interview_interviewers",
    "lever_feedback",
    "feedback_field_values",
    "lever_requisitions",
    "lever_applications",
    "lever_referrals",
)


@contextmanager
def _dbt_target_path(path: Path) -> Iterator[None]:
    """dbt runs started in the block keep their artifacts under `path` (dagster-dbt reads DBT_TARGET_PATH)."""
    saved = os.environ.get("DBT_TARGET_PATH")
    os.environ["DBT_TARGET_PATH"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DBT_TARGET_PATH", None)
        else:
            os.environ["DBT_TARGET_PATH"] = saved


@dataclass
class BuiltWarehouse:
    engine: sa.Engine
    result: dg.ExecuteInProcessResult
    raw: dict[str, pd.DataFrame]
    url: URL
    dbt_target: Path

    def run_dbt(self, selection: Sequence[dg.AssetKey], raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
        """The real dbt build of `selection` on this warehouse, reusing the session build's parse."""
        resources = {
            "dbt": dbt_resource(),
            "warehouse": WarehouseResource(url=self.url.render_as_string(hide_password=False)),
        }
        with _dbt_target_path(self.dbt_target):
            return dg.materialize(
                [build_dbt_assets()], selection=selection, resources=resources, raise_on_error=raise_on_error
            )

    def query(self, sql: str, **params: Any) -> pd.DataFrame:
        """The result as a DataFrame."""
        with self.engine.connect() as conn:
            return pd.read_sql_query(sa.text(sql), conn, params=params)

    def rows(self, sql: str, **params: Any) -> list[sa.Row[Any]]:
        """The result as SQLAlchemy rows (attribute access by column name)."""
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def scalar(self, sql: str, **params: Any) -> Any:
        """The one value the query returns."""
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar_one()


@pytest.fixture(scope="session")
def built_warehouse(
    sandbox, engine: sa.Engine, test_database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    """The test database filled by the real sync and transformed by the real dbt build."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    write_decisions(engine)  # the automation mart's input: the sync makes no decisions
    sandbox.reset()
    lever = SandboxLeverResource(api_key=sandbox.api_key, base_url=sandbox.base_url, requests_per_second=400, burst=20)
    warehouse = WarehouseResource(url=test_database_url.render_as_string(hide_password=False))
    configurable = [*CORE_ASSETS, *CHILD_ASSETS, *REQUISITION_ASSETS, *CANDIDACY_ASSETS]
    dbt_target = tmp_path_factory.mktemp("dbt_target")
    with _dbt_target_path(dbt_target):
        result = dg.materialize(
            [*CORE_ASSETS, *REQUISITION_ASSETS, *PER_OPPORTUNITY_ASSETS, *CANDIDACY_ASSETS, build_dbt_assets()],
            resources={"lever": lever, "warehouse": warehouse, "dbt": dbt_resource()},
            run_config=dg.RunConfig(ops={a.op.name: {"config": {"full_refresh": True}} for a in configurable}),
            raise_on_error=False,
        )
    failures = [e.message for e in result.all_events if e.is_failure]
    assert result.success, failures
    # The build kept its parse for the next one on this warehouse, and removed its own folder.
    assert (dbt_target / PARTIAL_PARSE).exists() and not list(dbt_target.glob(f"*/{PARTIAL_PARSE}"))
    with engine.connect() as conn:
        raw = {name: pd.read_sql_table(name, conn) for name in RAW_TABLES}
    return BuiltWarehouse(engine, result, raw, test_database_url, dbt_target)
