"""Confidential data and references, synced against the sandbox (real HTTP) into a real PostgreSQL:
every posting the key may read is stored, and a user or posting the rows name that the
warehouse lacks is fetched by id in the same run (or counted, when Lever has none)."""

from __future__ import annotations

import asyncio
import logging

import dagster as dg
import pytest
import sqlalchemy as sa

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.defs.sync.core_assets import CORE_ASSETS, opportunities
from lever_pipeline.defs.sync.metadata import sync_metadata
from lever_pipeline.defs.sync.per_opportunity_assets import interviews
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import confidential_denied
from lever_pipeline.lever.opportunities import opportunity_pages
from lever_pipeline.lever.postings import posting_pages
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.sync import checks
from lever_pipeline.sync.references import fetch_missing_references
from lever_pipeline.sync.rows import opportunity_row
from lever_pipeline.sync.stats import References, SyncStats
from lever_pipeline.sync.targeted import refresh_opportunities
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline_tests.sync.conftest import count, fast_lever, materialize_all, metadata, with_client

# 500 opportunities (what `make dev` serves) give 22 postings, one confidential, and 19
# candidacies on it: the ones the issue found pointing at a posting the warehouse lacked.
DEV_SIZE = 500
GHOST_USER = "00000000-0000-4000-8000-00000000dead"
GHOST_POSTING = "00000000-0000-4000-8000-00000000beef"
USER_BY_ID = "/v1/users/{id}"
POSTING_BY_ID = "/v1/postings/{id}"


def materialize(
    assets: list[dg.AssetsDefinition], lever: LeverResource, warehouse: WarehouseResource
) -> dg.ExecuteInProcessResult:
    return dg.materialize(assets, resources={"lever": lever, "warehouse": warehouse}, raise_on_error=False)


def by_id_requests(sandbox) -> dict[str, int]:
    paths = sandbox.stats()["requests_by_path"]
    return {p: paths.get(p, 0) for p in (USER_BY_ID, POSTING_BY_ID)}


def test_confidential_postings_and_opportunities_are_synced(sandbox_factory, warehouse_resource, clean_engine) -> None:
    with sandbox_factory(opportunities=DEV_SIZE) as sb:
        result = materialize(CORE_ASSETS, fast_lever(sb), warehouse_resource)
        dataset = sb.stats()["dataset"]
    assert result.success
    assert count(clean_engine, "SELECT count(*) FROM lever_postings") == dataset["postings"] == 22
    assert count(clean_engine, "SELECT count(*) FROM lever_opportunities") == dataset["opportunities"] == DEV_SIZE
    assert count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE confidentiality = 'confidential'") == 19
    assert checks.opportunities_with_unknown_posting(clean_engine).count == 0
    for name in ("postings", "opportunities"):
        meta = metadata(result, name)
        assert meta["confidentiality"] == "all"
        assert "warnings" not in meta
        assert meta["references_fetched"] == 0 and meta["references_missing"] == 0


def test_a_key_without_confidential_access_gets_a_warning_and_the_rest(
    sandbox_factory, warehouse_resource, clean_engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="lever_pipeline")
    with sandbox_factory(opportunities=DEV_SIZE, confidential_access=False) as sb:
        result = materialize(CORE_ASSETS, fast_lever(sb), warehouse_resource)
        asked = sb.stats()["requests_by_path"]
    assert result.success  # a warning, not a failure
    assert count(clean_engine, "SELECT count(*) FROM lever_postings") == 21
    assert count(clean_engine, "SELECT count(*) FROM lever_opportunities") == DEV_SIZE - 19
    assert (
        count(clean_engine, "SELECT count(*) FROM lever_opportunities WHERE confidentiality <> 'non-confidential'") == 0
    )
    # Nothing the key can read points at a posting it cannot.
    assert checks.opportunities_with_unknown_posting(clean_engine).count == 0
    assert asked.get(POSTING_BY_ID, 0) == 0
    for name in ("postings", "opportunities"):
        meta = metadata(result, name)
        assert meta["confidentiality"] == "non-confidential"
        assert "may not read confidential data" in meta["warnings"] and "LEVER_API_KEY" in meta["warnings"]
    # One warning per asset step (each has its own client), in the run's log.
    refused = [r for r in caplog.records if r.name == "lever_pipeline.lever.confidentiality"]
    assert [r.levelno for r in refused] == [logging.WARNING, logging.WARNING]


def test_a_refused_key_is_remembered_for_the_client(sandbox_factory, caplog: pytest.LogCaptureFixture) -> None:
    """After one 403 the client asks later lists for Lever's default at once: one refused request in all."""
    caplog.set_level(logging.WARNING, logger="lever_pipeline")
    with sandbox_factory(opportunities=DEV_SIZE, confidential_access=False) as sb:

        async def go() -> tuple[int, int, bool]:
            async with LeverClient(sb.api_key, sb.base_url, limiter=RateLimiter(400, 20)) as c:
                postings = [p async for page in posting_pages(c) for p in page]
                opps = [o async for page in opportunity_pages(c, parallel=1) for o in page]
                return len(postings), len(opps), confidential_denied(c)

        n_postings, n_opps, denied = asyncio.run(go())
        asked = sb.stats()["requests_by_path"]
    assert (n_postings, n_opps, denied) == (21, DEV_SIZE - 19, True)
    assert asked["/v1/postings"] == 2  # refused once, then Lever's default
    assert asked["/v1/opportunities"] == -(-n_opps // 100)  # straight to the default: no second 403
    assert len([r for r in caplog.records if r.name == "lever_pipeline.lever.confidentiality"]) == 1


def test_a_new_interviewer_is_fetched_by_id_in_the_next_interviews_sync(
    sandbox, warehouse_resource, clean_engine
) -> None:
    sandbox.reset()
    lever = fast_lever(sandbox)
    assert materialize_all(lever, warehouse_resource, with_checks=False).success
    joined = sandbox.mutate(1, kinds=["new_interviewer"])["mutations"][0]
    before = by_id_requests(sandbox)

    # Users are not synced again: the interviewer joined after the day's users sync.
    result = materialize([opportunities, interviews], lever, warehouse_resource)

    assert result.success
    assert metadata(result, "opportunities")["references_fetched"] == 0
    meta = metadata(result, "interviews")
    assert (meta["references_fetched"], meta["references_missing"]) == (1, 0)
    assert by_id_requests(sandbox)[USER_BY_ID] - before[USER_BY_ID] == 1
    assert count(clean_engine, "SELECT count(*) FROM lever_users WHERE id = :id", id=joined["userId"]) == 1
    assert (
        count(
            clean_engine,
            "SELECT count(*) FROM interview_interviewers i"
            " WHERE NOT EXISTS (SELECT 1 FROM lever_users u WHERE u.id = i.user_id)",
        )
        == 0
    )


def test_a_new_owner_is_fetched_by_id_in_the_next_opportunities_sync_and_targeted_refresh(
    sandbox, warehouse_resource, clean_engine
) -> None:
    sandbox.reset()
    lever = fast_lever(sandbox)
    assert materialize(CORE_ASSETS, lever, warehouse_resource).success
    first = sandbox.mutate(1, kinds=["new_owner"])["mutations"][0]

    result = materialize([opportunities], lever, warehouse_resource)

    assert result.success
    meta = metadata(result, "opportunities")
    assert meta["mode"] == "incremental" and meta["rows_updated"] == 1
    assert (meta["references_fetched"], meta["references_missing"]) == (1, 0)
    assert meta["references_fetched_by_kind"] == {"postings": 0, "users": 1}
    assert checks.opportunities_with_unknown_owner(clean_engine).count == 0
    assert count(clean_engine, "SELECT count(*) FROM lever_users WHERE id = :id", id=first["userId"]) == 1

    # The webhook sensor's targeted refresh of one opportunity does the same.
    second = sandbox.mutate(1, kinds=["new_owner"])["mutations"][0]
    stats = with_client(sandbox, lambda c: refresh_opportunities(c, clean_engine, [second["opportunityId"]]))
    assert stats.references is not None and stats.references.fetched == {"postings": 0, "users": 1}
    assert checks.opportunities_with_unknown_owner(clean_engine).count == 0


def test_an_id_lever_does_not_have_is_counted_not_fatal(
    sandbox, warehouse_resource, clean_engine, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.reset()
    assert materialize(CORE_ASSETS, fast_lever(sandbox), warehouse_resource).success
    with clean_engine.connect() as conn:
        known_user = conn.execute(sa.text("SELECT id FROM lever_users LIMIT 1")).scalar_one()
    row = opportunity_row(
        {
            "id": "opportunity-naming-ghosts",
            "owner": GHOST_USER,
            "followers": [known_user, GHOST_USER],
            "applications": [{"id": "app", "posting": GHOST_POSTING}],
        }
    )
    caplog.set_level(logging.WARNING, logger="lever_pipeline")
    before = by_id_requests(sandbox)

    refs = with_client(sandbox, lambda c: fetch_missing_references(c, clean_engine, lever_opportunities, [row]))

    assert refs.missing_ids == sorted([GHOST_POSTING, GHOST_USER])
    assert refs.fetched_total == 0 and refs.looked_up == 3  # the known follower was looked up, not fetched
    after = by_id_requests(sandbox)
    assert {p: after[p] - before[p] for p in after} == {USER_BY_ID: 1, POSTING_BY_ID: 1}
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "lever_pipeline.sync.references")
    assert GHOST_USER in logged and GHOST_POSTING in logged
    stats = SyncStats.of("opportunities", "targeted", [lever_opportunities], references=refs)
    meta = sync_metadata(stats)
    assert (meta["references_fetched"], meta["references_missing"]) == (0, 2)
    assert meta["references_missing_ids"] == f"{GHOST_POSTING}, {GHOST_USER}"


def test_references_metadata_shows_a_few_missing_ids() -> None:
    ids = [f"user-{i:02d}" for i in range(13)]
    stats = SyncStats.of("interviews", "incremental", [lever_opportunities], references=References(missing_ids=ids))
    assert sync_metadata(stats)["references_missing_ids"] == ", ".join(ids[:10]) + " and 3 more"
