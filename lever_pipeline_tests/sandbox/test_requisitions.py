"""Requisitions and requisition fields over HTTP: shape, paging, filters, confidentiality,
consistency with postings and hires, and the writes with their validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory
from lever_pipeline_tests.sandbox.support import all_pages, client_for

#: The recorded list object's keys, in its order (REFERENCE.md and a recorded list).
KEYS = [
    "id", "requisitionCode", "name", "backfill", "confidentiality", "createdAt", "creator", "headcountHired",
    "headcountTotal", "status", "hiringManager", "owner", "employmentStatus", "location", "internalNotes",
    "department", "team", "headcountInfinite", "compensationBand", "approval", "postings", "offerIds",
    "timeToFillStartAt", "timeToFillEndAt", "updatedAt", "customFields", "closedAt",
]  # fmt: skip


@pytest.fixture(scope="module")
def dev_sized(sandbox_factory: SandboxFactory) -> Iterator[RunningSandbox]:
    """500 opportunities: 22 postings, one confidential, so some requisitions are confidential."""
    with sandbox_factory(opportunities=500) as sb:
        yield sb


@pytest.fixture(scope="module")
def no_access(sandbox_factory: SandboxFactory) -> Iterator[RunningSandbox]:
    with sandbox_factory(opportunities=500, confidential_access=False) as sb:
        yield sb


def _hired_reason(api: httpx.Client) -> str:
    return api.get("/archive_reasons", params={"type": "hired"}).json()["data"][0]["id"]


def test_requisitions_have_the_recorded_shape_and_match_postings_and_hires(dev_sized: RunningSandbox) -> None:
    with client_for(dev_sized) as api:
        reqs = all_pages(api, "/requisitions", confidentiality="all")
        postings = all_pages(api, "/postings", confidentiality="all")
        hired = _hired_reason(api)
        users = {u["id"] for u in all_pages(api, "/users", includeDeactivated="true")}
        by_code = {r["requisitionCode"]: r for r in reqs}
        assert len(by_code) == len(reqs) == dev_sized.stats()["dataset"]["requisitions"]
        for r in reqs:
            assert list(r) == KEYS
            assert r["status"] in ("open", "closed", "onHold")
            assert (r["headcountTotal"] == "unlimited") is r["headcountInfinite"]
            assert r["owner"] in users and r["creator"] in users
            assert set(r["compensationBand"]) == {"min", "max", "currency", "interval"}
            assert (r["closedAt"] is not None) is (r["status"] == "closed")
            assert set(r["customFields"]) <= {"cost_center", "target_hire_date", "rec_start_date", "hiring_reason",
                                              "budgeted_salary", "finance_notes"}  # fmt: skip
        coded = [p for p in postings if p["requisitionCodes"]]
        assert coded
        for p in coded:
            req = by_code[p["requisitionCodes"][0]]
            assert req["postings"] == [p["id"]] and req["confidentiality"] == p["confidentiality"]
            hires = all_pages(api, "/opportunities", posting_id=p["id"], archive_reason_id=hired, confidentiality="all")
            assert req["headcountHired"] == len(hires)
            offers = [o["id"] for h in hires for o in api.get(f"/opportunities/{h['id']}/offers").json()["data"]]
            assert sorted(req["offerIds"]) == sorted(offers)
            if isinstance(req["headcountTotal"], int) and req["headcountHired"] >= req["headcountTotal"]:
                assert req["status"] == "closed" and req["timeToFillEndAt"] is not None
        assert any(r["headcountHired"] > 0 for r in reqs) and any(not r["postings"] for r in reqs)


def test_requisition_list_pages_and_filters(dev_sized: RunningSandbox) -> None:
    with client_for(dev_sized) as api:
        everything = all_pages(api, "/requisitions", confidentiality="all")
        assert all_pages(api, "/requisitions", confidentiality="all", limit=3) == everything
        first = api.get("/requisitions", params={"limit": 2}).json()
        assert first["hasNext"] is True and len(first["data"]) == 2
        assert api.get("/requisitions", params={"offset": "forged"}).status_code == 400
        pick = everything[len(everything) // 2]
        by_code = all_pages(api, "/requisitions", requisition_code=pick["requisitionCode"], confidentiality="all")
        assert [r["id"] for r in by_code] == [pick["id"]]
        closed = all_pages(api, "/requisitions", status="closed", confidentiality="all")
        assert closed and {r["id"] for r in closed} == {r["id"] for r in everything if r["status"] == "closed"}
        both = all_pages(api, "/requisitions", status=["open", "closed"], confidentiality="all")
        assert len(both) == sum(1 for r in everything if r["status"] in ("open", "closed"))
        lo, hi = pick["createdAt"], everything[-3]["createdAt"]
        window = all_pages(api, "/requisitions", created_at_start=lo, created_at_end=hi, confidentiality="all")
        assert [r["id"] for r in window] == [r["id"] for r in everything if lo <= r["createdAt"] <= hi]
        for bad in ({"status": "pending"}, {"created_at_start": "yesterday"}, {"limit": 0}):
            r = api.get("/requisitions", params=bad)
            assert r.status_code == 400, bad
            assert next(iter(bad)) in r.json()["message"]


def test_confidential_requisitions_are_hidden_unless_asked_for(dev_sized: RunningSandbox) -> None:
    with client_for(dev_sized) as api:
        everything = all_pages(api, "/requisitions", confidentiality="all")
        default = all_pages(api, "/requisitions")
        secret = all_pages(api, "/requisitions", confidentiality="confidential")
    assert secret and all(r["confidentiality"] == "confidential" for r in secret)
    assert {r["id"] for r in default} == {r["id"] for r in everything} - {r["id"] for r in secret}
    assert len(default) == dev_sized.stats()["dataset"]["non_confidential"]["requisitions"]


def test_a_key_without_confidential_access_is_refused_confidential_requisitions(no_access: RunningSandbox) -> None:
    secret = next(r for r in no_access.app.store.world.requisitions if r["confidentiality"] == "confidential")
    with client_for(no_access) as api:
        assert api.get("/requisitions", params={"confidentiality": "all"}).status_code == 403
        assert api.get(f"/requisitions/{secret['id']}").status_code == 403
        shown = all_pages(api, "/requisitions")
        assert shown and all(r["confidentiality"] == "non-confidential" for r in shown)
        assert api.get(f"/requisitions/{shown[0]['id']}").json()["data"] == shown[0]


def test_requisition_fields_answer_without_has_next(api: httpx.Client) -> None:
    body = api.get("/requisition_fields").json()
    assert set(body) == {"data"}
    types = {f["type"] for f in body["data"]}
    assert types == {"number", "text", "date", "object", "dropdown"}
    cost = api.get("/requisition_fields/cost_center").json()["data"]
    assert cost["type"] == "object" and {s["id"] for s in cost["subfields"]} == {"city", "campus_code"}
    missing = api.get("/requisition_fields/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "ResourceNotFound"
    assert api.get("/requisitions/nope").status_code == 404


def _valid(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    users = api.get("/users").json()["data"]
    posting = api.get("/postings").json()["data"][0]
    return {
        "requisitionCode": "ENG-9",
        "name": "Junior Software Engineer, Platform",
        "headcountTotal": 2,
        "status": "open",
        "owner": users[0]["id"],
        "hiringManager": users[1]["id"],
        "employmentStatus": "full-time",
        "location": "New York",
        "team": "Product Engineering",
        "internalNotes": "College grad hire",
        "compensationBand": {"currency": "USD", "interval": "per-year-salary", "min": 100000, "max": 130000},
        "postingIds": [posting["id"]],
        "customFields": {"cost_center": {"city": "New York", "campus_code": "9"}, "target_hire_date": 1452067200000},
        **overrides,
    }


def test_create_read_replace_and_delete_a_requisition(fresh: RunningSandbox, api: httpx.Client) -> None:
    body = _valid(api)
    made = api.post("/requisitions", json=body)
    assert made.status_code == 201, made.text
    data = made.json()["data"]
    for extra in ("accountId", "creatorUserId", "ownerUserId", "postingIds", "stateHistory"):
        assert extra in data
    assert data["postingIds"] == body["postingIds"] and data["headcountHired"] == 0
    rid = data["id"]
    read = api.get(f"/requisitions/{rid}").json()["data"]
    assert list(read) == KEYS and read["customFields"] == body["customFields"]
    assert all_pages(api, "/requisitions")[-1]["id"] == rid
    replaced = api.put(
        f"/requisitions/{rid}", json={"requisitionCode": "ENG-9", "name": "Renamed", "headcountTotal": 3}
    )
    assert replaced.status_code == 200
    now = replaced.json()["data"]
    assert (
        now["name"] == "Renamed"
        and now["team"] is None
        and now["postings"] == []
        and now["createdAt"] == read["createdAt"]
    )
    assert now["updatedAt"] > read["updatedAt"]
    assert api.delete(f"/requisitions/{rid}").status_code == 204
    assert api.get(f"/requisitions/{rid}").status_code == 404
    assert rid not in {r["id"] for r in all_pages(api, "/requisitions", confidentiality="all")}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"requisitionCode": None}, "requisitionCode"),
        ({"requisitionCode": "REQ-0000"}, "already used"),
        ({"name": ""}, "name"),
        ({"headcountTotal": 0}, "headcountTotal"),
        ({"headcountTotal": "lots"}, "headcountTotal"),
        ({"status": "paused"}, "status"),
        ({"owner": "nobody"}, "owner"),
        ({"postingIds": ["nope"]}, "postingIds"),
        ({"compensationBand": {"min": 5, "max": 1}}, "compensationBand"),
        ({"customFields": {"shoe_size": 9}}, "customFields.shoe_size"),
        ({"customFields": {"target_hire_date": "soon"}}, "customFields.target_hire_date"),
        ({"customFields": {"hiring_reason": "Whim"}}, "customFields.hiring_reason"),
        ({"customFields": {"cost_center": {"planet": "Mars"}}}, "customFields.cost_center.planet"),
    ],
)
def test_requisition_writes_are_validated(fresh: RunningSandbox, api: httpx.Client, change: dict, named: str) -> None:
    r = api.post("/requisitions", json=_valid(api, **change))
    assert r.status_code == 400, r.text
    assert named in r.json()["message"]
    target = api.get("/requisitions").json()["data"][0]
    r = api.put(f"/requisitions/{target['id']}", json=_valid(api, **change))
    assert r.status_code == 400 and named in r.json()["message"]
    assert api.get(f"/requisitions/{target['id']}").json()["data"] == target


def test_a_hire_against_a_requisition_counts(fresh: RunningSandbox, api: httpx.Client) -> None:
    made = api.post("/requisitions", json=_valid(api, headcountTotal=1)).json()["data"]
    opp = next(o for o in api.get("/opportunities").json()["data"] if o["archived"] is None)
    reasons = api.get("/archive_reasons").json()["data"]
    hired = next(r["id"] for r in reasons if r["type"] == "hired")
    other = next(r["id"] for r in reasons if r["type"] != "hired")
    wrong = api.put(f"/opportunities/{opp['id']}/archived", json={"reason": other, "requisitionId": made["id"]})
    assert wrong.status_code == 400 and "hired" in wrong.json()["message"]
    unknown = api.put(f"/opportunities/{opp['id']}/archived", json={"reason": hired, "requisitionId": "nope"})
    assert unknown.status_code == 400 and "requisitionId" in unknown.json()["message"]
    ok = api.put(f"/opportunities/{opp['id']}/archived", json={"reason": hired, "requisitionId": made["id"]})
    assert ok.status_code == 200
    now = api.get(f"/requisitions/{made['id']}").json()["data"]
    assert now["headcountHired"] == 1 and now["status"] == "closed" and now["closedAt"] is not None
