"""The requisition mart and the Fivetran requisition tables against the synced requisitions.

Every expectation is computed here from the raw rows (`lever_requisitions.raw`, the
offers, applications and opportunities), never copied from a dbt run. Time to fill needs
filled requisitions, which the sandbox's default data may not have, so one test adds
requisitions of its own to the raw table, rebuilds the two models that read them, and
takes them out again (from the raw table and the two models' tables, checked to be as
the session's build left them: a second rebuild would cost as much as the first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from lever_pipeline.warehouse.tables.requisitions import lever_requisitions
from lever_pipeline_tests.dbt.conftest import BuiltWarehouse

pytestmark = pytest.mark.dbt

DAY_MS = 86_400_000
REQUISITION_MODELS = [
    dg.AssetKey(["staging", "stg_lever__requisitions"]),
    dg.AssetKey(["marts", "requisition_enhanced"]),
]


def _ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def _hired(wh: BuiltWarehouse) -> dict[str, datetime]:
    """Live candidacies archived as hired, and when."""
    return {
        r.id: r.archived_at
        for r in wh.rows(
            "SELECT o.id, o.archived_at FROM lever_opportunities o JOIN lever_archive_reasons ar "
            "ON ar.id = o.archived_reason_id WHERE ar.type = 'hired' AND o.deleted_at IS NULL"
        )
    }


def _linked_hires(wh: BuiltWarehouse) -> dict[str, list[datetime]]:
    """Per requisition, when each hire linked to it was made (by requisitionForHire or by one of its offers)."""
    offer_owner = {r.id: r.opportunity_id for r in wh.rows("SELECT id, opportunity_id FROM lever_offers")}
    links: dict[str, set[str]] = defaultdict(set)
    for r in wh.rows("SELECT id, raw FROM lever_requisitions"):
        links[r.id] |= {offer_owner[o] for o in r.raw.get("offerIds") or [] if o in offer_owner}
    for r in wh.rows("SELECT requisition_for_hire_id, opportunity_id FROM lever_applications"):
        if r.requisition_for_hire_id:
            links[r.requisition_for_hire_id].add(r.opportunity_id)
    hired = _hired(wh)
    return {req: sorted(hired[o] for o in opps if o in hired) for req, opps in links.items()}


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _mart(wh: BuiltWarehouse) -> dict[str, Any]:
    return {r.requisition_id: r for r in wh.rows("SELECT * FROM analytics.requisition_enhanced")}


def test_requisition_mart_has_one_row_per_live_requisition_with_its_headcount(built_warehouse: BuiltWarehouse) -> None:
    wh = built_warehouse
    raw = {r.id: r.raw for r in wh.rows("SELECT id, raw FROM lever_requisitions WHERE deleted_at IS NULL")}
    mart = _mart(wh)
    assert raw and set(mart) == set(raw)
    postings_of = {
        r.id: set(r.posting_ids or [])
        for r in wh.rows("SELECT id, posting_ids FROM lever_opportunities WHERE deleted_at IS NULL")
    }
    hires = _linked_hires(wh)
    assert any(hires.values())  # the sandbox hires against some requisitions
    for rid, req in raw.items():
        row = mart[rid]
        infinite = bool(req["headcountInfinite"])
        total = None if infinite else int(req["headcountTotal"])
        assert (row.status, row.headcount_infinite, row.headcount_total) == (req["status"], infinite, total)
        assert row.headcount_hired == req["headcountHired"]
        assert row.headcount_remaining == (None if infinite else max(total - req["headcountHired"], 0))
        assert row.is_filled == (not infinite and req["headcountHired"] >= total)
        assert row.hires == len(hires.get(rid, []))
        assert (row.postings, row.offers) == (len(req["postings"]), len(req["offerIds"]))
        assert row.opportunities == sum(1 for p in postings_of.values() if p & set(req["postings"]))
        opened = _ms(req["timeToFillStartAt"] or req["createdAt"])
        assert row.opened_at == opened
        if req["status"] == "closed":
            assert float(row.open_days) == pytest.approx(_days(opened, _ms(req["closedAt"])), abs=1e-6)
        elif req["status"] == "draft":
            assert row.open_days is None
        else:
            assert row.open_days is not None and row.closed_at is None
        first = hires[rid][0] if hires.get(rid) else None
        assert row.first_hire_at == first
        if first is not None:
            assert float(row.days_to_first_hire) == pytest.approx(_days(opened, first), abs=1e-6)
        if req["timeToFillEndAt"] is None and (infinite or len(hires.get(rid, [])) < total):
            assert row.filled_at is None and row.time_to_fill_days is None


#: The tables of REQUISITION_MODELS, and the column naming a requisition in each.
REQUISITION_TABLES = {
    "analytics_staging.stg_lever__requisitions": "requisition_id",
    "analytics.requisition_enhanced": "requisition_id",
}
#: Counted to the build's clock for a requisition still open, so every build writes its own.
BUILD_TIME_COLUMNS = {"open_days"}


def _model_rows(wh: BuiltWarehouse) -> dict[str, dict[str, dict[str, Any]]]:
    """Each REQUISITION_MODELS table's rows by requisition id, without the columns that follow the build's clock."""
    return {
        table: {
            r._mapping[key]: {c: v for c, v in r._mapping.items() if c not in BUILD_TIME_COLUMNS}
            for r in wh.rows(f"SELECT * FROM {table}")
        }
        for table, key in REQUISITION_TABLES.items()
    }


@pytest.fixture
def extra_requisitions(built_warehouse: BuiltWarehouse) -> Iterator[dict[str, Any]]:
    """Three requisitions added to the raw table, the models rebuilt; afterwards removed from every table again.

    `filled`: headcount 2, the two earliest hires' offers, no `timeToFillEndAt`: filled by its second hire.
    `marked`: Lever's own `timeToFillEndAt`, 30 days after it opened, wins. `gone`: deleted, so not in the mart.
    """
    wh = built_warehouse
    hires = wh.rows(
        "SELECT f.id AS offer_id, o.archived_at FROM lever_offers f "
        "JOIN lever_opportunities o ON o.id = f.opportunity_id "
        "JOIN lever_archive_reasons ar ON ar.id = o.archived_reason_id "
        "WHERE ar.type = 'hired' AND o.deleted_at IS NULL ORDER BY o.archived_at LIMIT 2"
    )
    assert len(hires) == 2, "the sandbox's data has at least two hires with offers"
    opened = hires[0].archived_at - timedelta(days=40)
    rows = {
        "filled": {"headcount_total": 2, "headcount_hired": 2, "offer_ids": [h.offer_id for h in hires], "end": None},
        "marked": {"headcount_total": 1, "headcount_hired": 0, "offer_ids": [], "end": opened + timedelta(days=30)},
        "gone": {"headcount_total": 1, "headcount_hired": 0, "offer_ids": [], "end": None},
    }
    values = [
        {
            "id": f"req-test-{name}",
            "status": "open",
            "headcount_total": spec["headcount_total"],
            "headcount_infinite": False,
            "headcount_hired": spec["headcount_hired"],
            "posting_ids": [],
            "offer_ids": spec["offer_ids"],
            "created_at": opened,
            "time_to_fill_start_at": opened,
            "time_to_fill_end_at": spec["end"],
            "deleted_at": datetime.now(UTC) if name == "gone" else None,
            "raw": {"id": f"req-test-{name}"},
        }
        for name, spec in rows.items()
    ]
    before = _model_rows(wh)
    with wh.engine.begin() as conn:
        conn.execute(sa.insert(lever_requisitions), values)
    try:
        result = wh.run_dbt(REQUISITION_MODELS)
        assert result.success
        yield {"opened": opened, "hires": [h.archived_at for h in hires], "marked_end": rows["marked"]["end"]}
    finally:  # the other tests share this warehouse: put the raw table and the models back as the sync left them
        with wh.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM lever_requisitions WHERE id LIKE 'req-test-%'"))
            for table, key in REQUISITION_TABLES.items():
                conn.execute(sa.text(f"DELETE FROM {table} WHERE {key} LIKE 'req-test-%'"))
    # Every other requisition's row is its own (the models group by requisition): the rebuild changed none.
    assert _model_rows(wh) == before


def test_time_to_fill_runs_to_the_hire_that_fills_the_headcount_or_to_levers_mark(
    built_warehouse: BuiltWarehouse, extra_requisitions: dict[str, Any]
) -> None:
    mart = _mart(built_warehouse)
    opened, hires = extra_requisitions["opened"], extra_requisitions["hires"]
    filled = mart["req-test-filled"]
    assert (filled.hires, filled.is_filled, filled.headcount_remaining) == (2, True, 0)
    assert filled.filled_at == hires[1] and filled.first_hire_at == hires[0]
    assert float(filled.time_to_fill_days) == pytest.approx(_days(opened, hires[1]), abs=1e-6)
    assert float(filled.days_to_first_hire) == pytest.approx(_days(opened, hires[0]), abs=1e-6)
    marked = mart["req-test-marked"]
    assert (marked.hires, marked.filled_at) == (0, extra_requisitions["marked_end"])
    assert float(marked.time_to_fill_days) == pytest.approx(30.0, abs=1e-6)
    assert "req-test-gone" not in mart


def test_fivetran_requisition_tables_match_the_synced_requisitions(built_warehouse: BuiltWarehouse) -> None:
    wh = built_warehouse
    raw = {r.id: (r.raw, r.deleted_at) for r in wh.rows("SELECT id, raw, deleted_at FROM lever_requisitions")}
    rows = {r.id: r for r in wh.rows("SELECT * FROM lever.requisition")}
    assert raw and set(rows) == set(raw)
    for rid, (req, deleted_at) in raw.items():
        row = rows[rid]
        assert row._fivetran_deleted == (deleted_at is not None)
        assert (row.requisition_code, row.name, row.status) == (req["requisitionCode"], req["name"], req["status"])
        assert row.headcount_total == str(req["headcountTotal"]) and row.headcount_hired == str(req["headcountHired"])
        assert row.compensation_band_max == (str(req["compensationBand"]["max"]) if req["compensationBand"] else None)
    links = {(p, rid) for rid, (req, _) in raw.items() for p in req["postings"]}
    by_code = {req["requisitionCode"]: rid for rid, (req, _) in raw.items()}
    for r in wh.rows("SELECT id, raw FROM lever_postings"):
        links |= {(r.id, by_code[c]) for c in r.raw.get("requisitionCodes") or [] if c in by_code}
    assert (
        links
        and {(r.posting_id, r.requisition_id) for r in wh.rows("SELECT * FROM lever.requisition_posting")} == links
    )
    offers = {(o, rid) for rid, (req, _) in raw.items() for o in req["offerIds"]}
    assert (
        offers and {(r.offer_id, r.requisition_id) for r in wh.rows("SELECT * FROM lever.requisition_offer")} == offers
    )


def test_fivetran_requisition_has_a_typed_column_per_custom_field(built_warehouse: BuiltWarehouse) -> None:
    """Fivetran's `custom_field_<field id>` columns: dates as epoch ms, numbers numeric, objects JSON, others text."""
    wh = built_warehouse
    fields = {r.id: r.type for r in wh.rows("SELECT id, type FROM lever_requisition_fields WHERE deleted_at IS NULL")}
    types = {
        r.column_name: r.data_type
        for r in wh.rows(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'lever' AND table_name = 'requisition' AND column_name LIKE 'custom\\_field\\_%'"
        )
    }
    expected_type = {"number": "numeric", "date": "bigint", "object": "jsonb", "text": "text", "dropdown": "text"}
    assert fields and types == {f"custom_field_{fid}": expected_type[t] for fid, t in fields.items()}
    rows = {r.id: r._mapping for r in wh.rows("SELECT * FROM lever.requisition")}
    checked = 0
    for r in wh.rows("SELECT id, raw FROM lever_requisitions"):
        for fid in fields:
            value = (r.raw.get("customFields") or {}).get(fid)
            got = rows[r.id][f"custom_field_{fid}"]
            assert (float(got) if fields[fid] == "number" and got is not None else got) == value, (r.id, fid)
            checked += value is not None
    assert checked > 0
