"""Requisitions and requisition fields: every row, custom fields typed by their field, confidential ones by access.

Real HTTP against the sandbox, real PostgreSQL, Dagster in-process.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import httpx

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import postings, stages, users
from lever_pipeline.defs.sync.requisition_assets import REQUISITION_ASSETS
from lever_pipeline.defs.sync.requisition_checks import REQUISITION_CHECKS
from lever_pipeline_tests.sync.conftest import count, fast_lever, metadata

ASSETS = [stages, users, postings, *REQUISITION_ASSETS]
DEV_SIZE = {"opportunities": 500}  # the size `make dev` serves: its requisitions include confidential ones


def sync(lever: LeverResource, warehouse: WarehouseResource, *, full: bool = False) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*ASSETS, *REQUISITION_CHECKS],
        resources={"lever": lever, "warehouse": warehouse},
        run_config=dg.RunConfig(ops={a.op.name: {"config": {"full_refresh": full}} for a in ASSETS}),
        raise_on_error=False,
    )


def lever_list(sandbox: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 100, **params}
    with httpx.Client(base_url=sandbox.base_url, auth=(sandbox.api_key, "")) as api:
        while True:
            body = api.get(path, params=query).raise_for_status().json()
            out.extend(body["data"])
            if not body.get("hasNext"):
                return out
            query["offset"] = body["next"]


def test_requisitions_rows_and_custom_fields_typed_by_field(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    result = sync(fast_lever(sandbox), warehouse_resource)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    dataset = sandbox.stats()["dataset"]
    assert count(clean_engine, "SELECT count(*) FROM lever_requisitions") == dataset["requisitions"] > 0
    assert count(clean_engine, "SELECT count(*) FROM lever_requisition_fields") == dataset["requisition_fields"] > 0
    meta = metadata(result, "requisitions")
    assert meta["confidentiality"] == "all"
    assert meta["dagster/row_count"] == dataset["requisitions"]

    fields = {f["id"]: f["type"] for f in lever_list(sandbox, "/requisition_fields")}
    sent = lever_list(sandbox, "/requisitions", confidentiality="all")
    values = [(r["id"], k, v) for r in sent for k, v in (r.get("customFields") or {}).items()]
    assert count(clean_engine, "SELECT count(*) FROM requisition_custom_field_values") == len(values) > 0
    with clean_engine.connect() as conn:
        stored = {
            (row.requisition_id, row.field_id): row
            for row in conn.exec_driver_sql("SELECT * FROM requisition_custom_field_values").mappings()
        }
    seen_types = set()
    for requisition_id, field_id, value in values:
        row = stored[(requisition_id, field_id)]
        assert row["field_type"] == fields[field_id]
        assert row["value"] == value
        seen_types.add(row["field_type"])
        if row["field_type"] == "date" and value is not None:
            assert row["value_date"].timestamp() * 1000 == value
        elif row["field_type"] == "number" and value is not None:
            assert row["value_number"] == value
        elif row["field_type"] in ("text", "dropdown") and value is not None:
            assert row["value_text"] == value
    assert {"date", "number", "object"} <= seen_types

    unlimited = [r for r in sent if r["headcountTotal"] == "unlimited"]
    with clean_engine.connect() as conn:
        for r in unlimited:
            row = conn.exec_driver_sql(
                "SELECT headcount_total, headcount_infinite FROM lever_requisitions WHERE id = %s", (r["id"],)
            ).one()
            assert tuple(row) == (None, True)


def test_requisitions_deleted_in_lever_are_stamped_next_run(sandbox, warehouse_resource, clean_engine) -> None:
    sandbox.reset()
    lever = fast_lever(sandbox)
    assert sync(lever, warehouse_resource).success
    gone = lever_list(sandbox, "/requisitions")[0]["id"]
    httpx.delete(f"{sandbox.base_url}/requisitions/{gone}", auth=(sandbox.api_key, "")).raise_for_status()
    result = sync(lever, warehouse_resource)
    assert result.success
    assert metadata(result, "requisitions")["rows_deleted"] == 1
    assert count(clean_engine, "SELECT count(*) FROM lever_requisitions WHERE deleted_at IS NOT NULL") == 1
    assert count(
        clean_engine, "SELECT count(*) FROM lever_requisitions WHERE id = :id AND deleted_at IS NOT NULL", id=gone
    )


def test_requisitions_without_confidential_access(sandbox_factory, warehouse_resource, clean_engine) -> None:
    """A key refused confidential data syncs the rest and warns; confidential rows stored earlier stay live."""
    with sandbox_factory(**DEV_SIZE) as full_access:
        assert sync(fast_lever(full_access), warehouse_resource).success
        dataset = full_access.stats()["dataset"]
    hidden = dataset["requisitions"] - dataset["non_confidential"]["requisitions"]
    assert hidden > 0
    with sandbox_factory(**DEV_SIZE, confidential_access=False) as limited:
        result = sync(fast_lever(limited), warehouse_resource)
    assert result.success
    meta = metadata(result, "requisitions")
    assert meta["confidentiality"] == "non-confidential"
    assert "confidential" in str(meta["warnings"])
    assert meta["rows_seen"] == dataset["non_confidential"]["requisitions"]
    assert meta["rows_deleted"] == 0
    assert (
        count(clean_engine, "SELECT count(*) FROM lever_requisitions WHERE deleted_at IS NULL")
        == dataset["requisitions"]
    )
