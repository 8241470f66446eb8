"""Lever's envelopes, pagination and offset tokens, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.sandbox.support import all_pages


def test_stages_have_lever_shape_and_builtin_ids(api: httpx.Client) -> None:
    body = api.get("/stages").json()
    assert set(body) == {"data", "hasNext"} and body["hasNext"] is False
    ids = [s["id"] for s in body["data"]]
    assert {"lead-new", "lead-reached-out", "lead-responded", "applicant-new", "offer"} <= set(ids)
    assert all(set(s) == {"id", "text"} for s in body["data"])
    assert len(ids) == 12


def test_single_object_envelope(api: httpx.Client) -> None:
    body = api.get("/stages/offer").json()
    assert body == {"data": {"id": "offer", "text": "Offer"}}


def test_paging_opportunities_returns_the_dataset_exactly_once(fresh: RunningSandbox, api: httpx.Client) -> None:
    items = all_pages(api, "/opportunities", limit=7)
    ids = [o["id"] for o in items]
    assert len(ids) == len(set(ids)) == fresh.stats()["dataset"]["opportunities"] == 200
    keys = [(o["createdAt"], o["id"]) for o in items]
    assert keys == sorted(keys)


def test_default_limit_is_100_and_last_page_has_no_next(fresh: RunningSandbox, api: httpx.Client) -> None:
    first = api.get("/opportunities").json()
    assert len(first["data"]) == 100 and first["hasNext"] is True and isinstance(first["next"], str)
    last = api.get("/opportunities", params={"offset": first["next"]}).json()
    assert len(last["data"]) == 100
    assert last["hasNext"] is False and "next" not in last


def test_token_is_url_encoded_json_of_the_sort_key(api: httpx.Client) -> None:
    body = api.get("/opportunities", params={"limit": 1}).json()
    assert body["next"].startswith("%5B")
    again = api.get(f"/opportunities?limit=1&offset={body['next']}").json()  # passed back raw, not re-encoded
    assert again["data"][0]["id"] != body["data"][0]["id"]


def test_webhooks_list_has_no_has_next(api: httpx.Client) -> None:
    assert api.get("/webhooks").json() == {"data": []}


@pytest.mark.parametrize("token", ["garbage", "%5Bnot-json", "[1,2,3]", '["a","b"]', "%5B%5D"])
def test_forged_offset_token_is_400(api: httpx.Client, token: str) -> None:
    r = api.get("/opportunities", params={"offset": token})
    assert r.status_code == 400
    assert "Invalid offset token" in r.json()["message"]


def test_pagination_is_stable_while_data_changes(fresh: RunningSandbox, api: httpx.Client) -> None:
    before = {o["id"] for o in all_pages(api, "/opportunities")}
    seen: list[str] = []
    offset = None
    while True:
        body = api.get("/opportunities", params={"limit": 13, **({"offset": offset} if offset else {})}).json()
        seen += [o["id"] for o in body["data"]]
        # every page, change the account underneath: moves, tags, archives, new applications
        fresh.mutate(5, ["stage", "tags", "archive", "application", "feedback", "note"])
        if not body["hasNext"]:
            break
        offset = body["next"]
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert before <= set(seen), "a row that existed when paging began was skipped"


def test_deleted_rows_leave_the_list_without_disturbing_paging(fresh: RunningSandbox, api: httpx.Client) -> None:
    first = api.get("/opportunities", params={"limit": 50}).json()
    deleted = fresh.mutate(10, ["delete"])["by_kind"]["delete"]
    rest = all_pages(api, "/opportunities", limit=50, offset=first["next"])
    ids = [o["id"] for o in first["data"]] + [o["id"] for o in rest]
    assert len(ids) == len(set(ids))
    assert set(ids) | set(deleted) >= {o["id"] for o in first["data"]}
    gone = {o["id"] for o in all_pages(api, "/opportunities/deleted")}
    assert set(deleted) <= gone
    assert fresh.stats()["dataset"]["opportunities"] == 190
