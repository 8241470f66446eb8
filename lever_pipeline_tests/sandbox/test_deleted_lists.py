"""`/opportunities/deleted` and `/postings/deleted`: generated deletions, the deleted_at
filters, and deletions made by mutations landing there (and leaving every other list)."""

from __future__ import annotations

import httpx

from lever_pipeline.sandbox.data import ANCHOR_MS
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.sandbox.support import all_pages


def test_generated_deleted_postings_and_their_filter(api: httpx.Client) -> None:
    gone = all_pages(api, "/postings/deleted")
    assert gone and all(p["deletedAt"] > p["createdAt"] and p["deletedBy"] for p in gone)
    live = {p["id"] for p in all_pages(api, "/postings", confidentiality="all")}
    assert not live & {p["id"] for p in gone}
    assert api.get(f"/postings/{gone[0]['id']}").status_code == 404
    at = gone[0]["deletedAt"]
    exact = all_pages(api, "/postings/deleted", deleted_at_start=at, deleted_at_end=at)
    assert [p["id"] for p in exact] == [gone[0]["id"]]
    assert all_pages(api, "/postings/deleted", deleted_at_end=at - 1) == []
    bad = api.get("/postings/deleted", params={"deleted_at_start": "last week"})
    assert bad.status_code == 400 and "deleted_at_start" in bad.json()["message"]


def test_a_deleted_posting_moves_to_the_deleted_list(fresh: RunningSandbox, api: httpx.Client) -> None:
    before = all_pages(api, "/postings/deleted")
    coded = next(p for p in all_pages(api, "/postings") if p["requisitionCodes"])
    reqs = all_pages(api, "/requisitions", requisition_code=coded["requisitionCodes"][0])
    assert reqs[0]["postings"] == [coded["id"]]
    deleted: list[str] = []
    while coded["id"] not in deleted:  # seeded picks: delete until the coded posting goes
        deleted += fresh.mutate(1, ["delete_posting"])["by_kind"]["delete_posting"]
    after = all_pages(api, "/postings/deleted")
    assert [p["id"] for p in after[len(before) :]] == deleted
    mine = next(p for p in after if p["id"] == coded["id"])
    assert mine["deletedAt"] > ANCHOR_MS and mine["deletedBy"] and mine["text"] == coded["text"]
    since = all_pages(api, "/postings/deleted", deleted_at_start=ANCHOR_MS + 1)
    assert [p["id"] for p in since] == deleted
    assert api.get(f"/postings/{coded['id']}").status_code == 404
    assert coded["id"] not in {p["id"] for p in all_pages(api, "/postings", confidentiality="all")}
    now = api.get(f"/requisitions/{reqs[0]['id']}").json()["data"]
    assert now["postings"] == [] and now["updatedAt"] > reqs[0]["updatedAt"]


def test_a_deleted_opportunity_moves_to_the_deleted_list(fresh: RunningSandbox, api: httpx.Client) -> None:
    generated = all_pages(api, "/opportunities/deleted")
    assert generated and all(o["deletedAt"] and o["deletedBy"] for o in generated)
    gone = fresh.mutate(3, ["delete"])["by_kind"]["delete"]
    since = all_pages(api, "/opportunities/deleted", deleted_at_start=ANCHOR_MS + 1)
    assert [o["id"] for o in since] == gone
    assert all(o["deletedAt"] > ANCHOR_MS for o in since)
    assert all_pages(api, "/opportunities/deleted", deleted_at_end=ANCHOR_MS) == generated
    for oid in gone:
        assert api.get(f"/opportunities/{oid}").status_code == 404
        assert api.get(f"/candidates/{oid}").status_code == 404
    listed = {c["id"] for c in all_pages(api, "/candidates")}
    assert not listed & set(gone)
    assert fresh.stats()["dataset"]["deleted_opportunities"] == len(generated) + 3
