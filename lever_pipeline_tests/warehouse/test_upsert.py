"""The bulk upsert on a real PostgreSQL: arrays and JSON survive COPY byte for byte."""

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.sync.rows import opportunity_row
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.upsert import upsert_rows

AWKWARD = ["plain", 'with "quotes"', "back\\slash", "comma, {braces}", "NULL", "", "ünï ✓", "tab\there", "new\nline"]


def _opportunity(oid: str, tags: list[str], updated: int = 2) -> dict:
    return {"id": oid, "createdAt": 1, "updatedAt": updated, "tags": tags, "sources": [], "note": 'x"\\y'}


@pytest.mark.parametrize("tags", [AWKWARD, [], ["only"]])
def test_upsert_keeps_text_arrays_and_raw_json_exact(clean_engine: Engine, tags: list[str]) -> None:
    with clean_engine.begin() as conn:
        counts = upsert_rows(conn, lever_opportunities, [opportunity_row(_opportunity("o1", tags))])
    assert counts.inserted == 1
    with clean_engine.connect() as conn:
        stored = conn.execute(sa.select(lever_opportunities.c.tags, lever_opportunities.c.raw)).one()
    assert stored.tags == tags
    assert stored.raw == _opportunity("o1", tags)


def test_upsert_counts_inserted_updated_unchanged_and_never_goes_back_in_time(clean_engine: Engine) -> None:
    with clean_engine.begin() as conn:
        upsert_rows(conn, lever_opportunities, [opportunity_row(_opportunity(i, ["a"])) for i in ("o1", "o2")])
    newer = opportunity_row(_opportunity("o1", ["b"], updated=5))
    older = opportunity_row(_opportunity("o2", ["stale"], updated=1))
    new = opportunity_row(_opportunity("o3", ["c"]))
    with clean_engine.begin() as conn:
        counts = upsert_rows(conn, lever_opportunities, [newer, older, new])
    assert (counts.inserted, counts.updated, counts.unchanged) == (1, 1, 1)
    with clean_engine.connect() as conn:
        tags = dict(conn.execute(sa.select(lever_opportunities.c.id, lever_opportunities.c.tags)).all())
    assert tags == {"o1": ["b"], "o2": ["a"], "o3": ["c"]}
