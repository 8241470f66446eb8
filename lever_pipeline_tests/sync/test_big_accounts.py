"""Big accounts: the fan-out's order (useful data first), resuming without re-reading, flat memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.sync import sql_rows, streams
from lever_pipeline.sync.per_opportunity_kinds import KINDS
from lever_pipeline.sync.per_opportunity_store import select_targets
from lever_pipeline.sync.rows import opportunity_row
from lever_pipeline.sync.stream_sync import sync_stream
from lever_pipeline.warehouse.raw_pages import upsert_pages
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline_tests.sync.conftest import with_client


def test_fan_out_reads_open_opportunities_first_then_archived_each_newest_first(sandbox, clean_engine) -> None:
    sandbox.reset()
    with_client(sandbox, lambda c: sync_stream(c, clean_engine, streams.OPPORTUNITIES, full=True))
    with clean_engine.connect() as conn:
        archived = dict(conn.execute(sa.text("SELECT id, is_archived FROM lever_opportunities")).tuples().all())

    targets = select_targets(clean_engine, KINDS["feedback"], full=True, page_size=7)  # many pages
    asked = [t for page in targets.pages() for t in page.ask]
    assert len(asked) == len({i for i, _ in asked}) == targets.ask_total == len(archived)

    order = [archived[i] for i, _ in asked]
    assert True in order and False in order  # the sandbox has both, so the order is tested
    assert order == sorted(order)  # every open one before every archived one
    for flag in (False, True):
        stamps = [stamp for (_, stamp), a in zip(asked, order, strict=True) if a is flag]
        assert stamps == sorted(stamps, reverse=True)


def test_target_pages_keep_the_order_across_equal_and_missing_stamps(clean_engine) -> None:
    """Keyset paging: ties on the stamp (broken by id) and rows without one (last) cross page edges intact."""
    rows = [
        {"id": f"opp-{i:02d}", "is_archived": i % 3 == 0, "updated_at": None if i % 5 == 0 else _at(i % 4), "raw": {}}
        for i in range(40)
    ]
    with clean_engine.begin() as conn:
        conn.execute(sa.insert(lever_opportunities), rows)
    expected = sorted(
        rows,
        key=lambda r: (r["is_archived"], r["updated_at"] is None, -(r["updated_at"] or _at(0)).timestamp(), r["id"]),
    )
    for size in (1, 3, 7, 40, 100):
        targets = select_targets(clean_engine, KINDS["feedback"], full=True, page_size=size)
        got = [i for page in targets.pages() for i, _ in page.ask]
        assert got == [r["id"] for r in expected], size


def _at(hours: int) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=hours)


EDGE_CASES: list[dict[str, Any]] = [
    {"id": "opp-bare", "contact": "c-1", "stage": "s-1", "owner": "u-1", "sourcedBy": None, "createdAt": 1700000000123},
    {
        "id": "opp-expanded",
        "contact": {"id": "c-2"},
        "stage": {"id": "s-2", "text": "Screen"},
        "owner": {"id": "u-2", "name": "Ann"},
        "sourcedBy": {"id": "u-3"},
        "archived": {"reason": "r-1", "archivedAt": 1700000001999},
        "applications": [{"posting": "p-1"}, {"posting": {"id": "p-2"}}, {"posting": "p-1"}, "app-bare", {}],
        "tags": ["a \\ b", 'quote "q"', "tab\there", "ünï"],
        "sources": [],
        "updatedAt": 1700000002001,
        "lastInteractionAt": "",
        "lastAdvancedAt": 1,
        "snoozedUntil": None,
        "confidentiality": "confidential",
        "origin": "sourced",
        "followers": ["u-4", {"id": "u-5"}],
    },
    {"id": "opp-empty-archive", "archived": {}, "tags": None, "applications": None, "updatedAt": 1700000003000},
]


def test_opportunity_columns_in_sql_match_the_python_mapper(clean_engine) -> None:
    pages = [orjson.dumps(EDGE_CASES[:2]), orjson.dumps(EDGE_CASES[2:])]
    columns = sql_rows.OPPORTUNITY_COLUMNS
    with clean_engine.begin() as conn:
        outcome = upsert_pages(conn, lever_opportunities, pages, columns, references=sql_rows.OPPORTUNITY_REFERENCES)
    assert outcome.counts.inserted == len(EDGE_CASES)
    assert outcome.newest == opportunity_row(EDGE_CASES[2])["updated_at"]
    assert sorted(outcome.named) == [("postings", "p-1"), ("postings", "p-2")] + [
        ("users", u) for u in ("u-1", "u-2", "u-3", "u-4", "u-5")
    ]
    with clean_engine.begin() as conn:  # the same objects again: nothing changed, nothing rewritten
        again = upsert_pages(conn, lever_opportunities, pages, columns)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, len(EDGE_CASES))

    with clean_engine.connect() as conn:
        stored = {r["id"]: dict(r) for r in conn.execute(sa.select(lever_opportunities)).mappings()}
    for obj in EDGE_CASES:
        expected = opportunity_row(obj)
        got = {c: stored[obj["id"]][c] for c in expected}
        assert got == expected, obj["id"]


def test_synced_opportunities_keep_lever_s_object_and_the_python_mapper_s_columns(sandbox, clean_engine) -> None:
    sandbox.reset()
    served: list[dict[str, Any]] = []

    async def read_and_sync(client: LeverClient) -> None:
        async for page in streams.OPPORTUNITIES.fetch(client, None):
            served.extend(page)
        await sync_stream(client, clean_engine, streams.OPPORTUNITIES, full=True)

    with_client(sandbox, read_and_sync)
    with clean_engine.connect() as conn:
        stored = {r["id"]: dict(r) for r in conn.execute(sa.select(lever_opportunities)).mappings()}
    assert len(stored) == len(served) > 100
    assert any(o.get("archived") for o in served) and any(o.get("applications") for o in served)
    for obj in served:
        expected = opportunity_row(obj)
        assert {c: stored[obj["id"]][c] for c in expected} == expected  # raw included: Lever's object as sent
