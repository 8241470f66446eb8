"""Externally managed panels and their interviews: the writes, their validation, the rule
that only such panels change, and the interview webhooks they emit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory, eventually
from lever_pipeline_tests.sandbox.support import Receiver, client_for


@pytest.fixture
def ids(fresh: RunningSandbox, api: httpx.Client) -> dict[str, Any]:
    """An opportunity with an application and a Lever-managed panel, and two active users."""
    users = [u["id"] for u in api.get("/users").json()["data"]]
    for o in api.get("/opportunities", params={"limit": 100}).json()["data"]:
        panels = api.get(f"/opportunities/{o['id']}/panels").json()["data"]
        if o["applications"] and panels:
            return {"opp": o, "managed": panels[0], "users": users, "as": {"perform_as": users[0]}}
    raise AssertionError("no opportunity with an application and a panel")


def _interview(users: list[str], **extra: Any) -> dict[str, Any]:
    return {"subject": "Technical interview", "interviewers": [{"id": users[1]}], "date": 1783260000000,
            "duration": 60, **extra}  # fmt: skip


def test_create_an_externally_managed_panel(ids: dict, api: httpx.Client) -> None:
    oid = ids["opp"]["id"]
    body = {"timezone": "America/Los_Angeles", "interviews": [_interview(ids["users"]), _interview(ids["users"])],
            "applications": ids["opp"]["applications"], "externalUrl": "https://scheduler.example/p/1"}  # fmt: skip
    r = api.post(f"/opportunities/{oid}/panels", params=ids["as"], json=body)
    assert r.status_code == 201, r.text
    panel = r.json()["data"]
    assert panel["externallyManaged"] is True and panel["user"] == ids["users"][0]
    assert panel["feedbackReminder"] == "daily" and panel["stage"] == ids["opp"]["stage"]
    assert panel["start"] == 1783260000000 and panel["end"] == 1783260000000 + 3_600_000
    entry = panel["interviews"][0]
    assert entry["feedbackTemplate"] == "no-feedback" and entry["interviewers"][0]["responseStatus"] == "needsAction"
    listed = api.get(f"/opportunities/{oid}/panels/{panel['id']}").json()["data"]
    assert listed == panel
    interviews = {i["id"]: i for i in api.get(f"/opportunities/{oid}/interviews").json()["data"]}
    assert {e["id"] for e in panel["interviews"]} <= set(interviews)
    assert all(interviews[e["id"]]["panel"] == panel["id"] for e in panel["interviews"])
    assert api.get(f"/opportunities/{oid}").json()["data"]["updatedAt"] > ids["opp"]["updatedAt"]


@pytest.mark.parametrize(
    ("query", "body", "named"),
    [
        ({}, {"timezone": "UTC", "interviews": "ok"}, "perform_as"),
        (None, {"interviews": "ok"}, "timezone"),
        (None, {"timezone": "Mars/Olympus", "interviews": "ok"}, "timezone"),
        (None, {"timezone": "UTC", "interviews": []}, "interviews"),
        (None, {"timezone": "UTC", "interviews": [{"interviewers": [], "date": 1, "duration": 30}]}, "interviewers"),
        (None, {"timezone": "UTC", "interviews": [{"interviewers": [{"id": "nobody"}], "date": 1, "duration": 30}]},
         "interviewers[0].id"),
        (None, {"timezone": "UTC", "interviews": "ok", "feedbackReminder": "hourly"}, "feedbackReminder"),
        (None, {"timezone": "UTC", "interviews": "ok", "applications": ["someone-elses"]}, "applications"),
    ],
)  # fmt: skip
def test_panel_writes_are_validated(ids: dict, api: httpx.Client, query: dict | None, body: dict, named: str) -> None:
    if body.get("interviews") == "ok":
        body = {**body, "interviews": [_interview(ids["users"])]}
    oid = ids["opp"]["id"]
    before = api.get(f"/opportunities/{oid}/panels").json()["data"]
    r = api.post(f"/opportunities/{oid}/panels", params=ids["as"] if query is None else query, json=body)
    assert r.status_code == 400, r.text
    assert named in r.json()["message"]
    assert api.get(f"/opportunities/{oid}/panels").json()["data"] == before


def test_bad_interview_fields_are_named(ids: dict, api: httpx.Client) -> None:
    oid = ids["opp"]["id"]
    for change, named in (({"duration": 0}, "duration"), ({"date": "tomorrow"}, "date"),
                          ({"feedbackTemplate": "nope"}, "feedbackTemplate")):  # fmt: skip
        body = {"timezone": "UTC", "interviews": [_interview(ids["users"], **change)]}
        r = api.post(f"/opportunities/{oid}/panels", params=ids["as"], json=body)
        assert r.status_code == 400 and f"interviews[0].{named}" in r.json()["message"]


def test_only_externally_managed_panels_change(ids: dict, api: httpx.Client) -> None:
    oid, managed = ids["opp"]["id"], ids["managed"]
    body = {"timezone": "UTC", "interviews": [_interview(ids["users"])]}
    assert api.put(f"/opportunities/{oid}/panels/{managed['id']}", params=ids["as"], json=body).status_code == 403
    assert api.delete(f"/opportunities/{oid}/panels/{managed['id']}", params=ids["as"]).status_code == 403
    add = api.post(
        f"/opportunities/{oid}/interviews", params=ids["as"], json={"panel": managed["id"], **_interview(ids["users"])}
    )
    assert add.status_code == 403 and "externally managed" in add.json()["message"]
    iid = managed["interviews"][0]["id"]
    assert api.delete(f"/opportunities/{oid}/interviews/{iid}", params=ids["as"]).status_code == 403
    assert api.get(f"/opportunities/{oid}/panels/{managed['id']}").json()["data"] == managed
    assert api.delete(f"/opportunities/{oid}/panels/nope", params=ids["as"]).status_code == 404


def test_replace_and_delete_panels_and_interviews(ids: dict, api: httpx.Client) -> None:
    oid, users, perform = ids["opp"]["id"], ids["users"], ids["as"]
    body = {"timezone": "UTC", "interviews": [_interview(users), _interview(users, subject="Second")]}
    panel = api.post(f"/opportunities/{oid}/panels", params=perform, json=body).json()["data"]
    keep, drop = panel["interviews"]
    moved = {**_interview(users, subject="Kept, moved"), "id": keep["id"], "date": 1783300000000}
    replace = {"timezone": "Europe/Berlin", "interviews": [moved, _interview(users, subject="New")]}
    r = api.put(f"/opportunities/{oid}/panels/{panel['id']}", params=perform, json=replace)
    assert r.status_code == 200, r.text
    now = r.json()["data"]
    assert now["timezone"] == "Europe/Berlin" and now["interviews"][0]["id"] == keep["id"]
    assert now["interviews"][0]["subject"] == "Kept, moved" and now["interviews"][1]["id"] not in (
        keep["id"],
        drop["id"],
    )
    interviews = {i["id"] for i in api.get(f"/opportunities/{oid}/interviews").json()["data"]}
    assert keep["id"] in interviews and drop["id"] not in interviews
    bad = {**replace, "interviews": [{**_interview(users), "id": "not-on-this-panel"}]}
    assert api.put(f"/opportunities/{oid}/panels/{panel['id']}", params=perform, json=bad).status_code == 400
    # one more interview, replaced, then every interview deleted: the panel goes with the last
    added = api.post(
        f"/opportunities/{oid}/interviews", params=perform, json={"panel": panel["id"], **_interview(users)}
    )
    assert added.status_code == 201
    iid = added.json()["data"]["id"]
    put = api.put(f"/opportunities/{oid}/interviews/{iid}", params=perform, json=_interview(users, duration=15))
    assert put.status_code == 200 and put.json()["data"]["duration"] == 15 and put.json()["data"]["id"] == iid
    assert api.post(f"/opportunities/{oid}/interviews", params=perform, json=_interview(users)).status_code == 400
    for entry in api.get(f"/opportunities/{oid}/panels/{panel['id']}").json()["data"]["interviews"]:
        assert api.delete(f"/opportunities/{oid}/interviews/{entry['id']}", params=perform).status_code == 204
    assert api.get(f"/opportunities/{oid}/panels/{panel['id']}").status_code == 404
    other = api.post(f"/opportunities/{oid}/panels", params=perform, json=body).json()["data"]
    assert api.delete(f"/opportunities/{oid}/panels/{other['id']}", params=perform).status_code == 204
    left = {i["panel"] for i in api.get(f"/opportunities/{oid}/interviews").json()["data"]}
    assert other["id"] not in left


def test_panel_writes_emit_interview_webhooks(sandbox_factory: SandboxFactory, receiver: Receiver) -> None:
    with sandbox_factory(webhook_url=receiver.url + "/{event}") as sb, client_for(sb) as api:
        users = [u["id"] for u in api.get("/users").json()["data"]]
        oid = api.get("/opportunities").json()["data"][0]["id"]
        perform = {"perform_as": users[0]}
        body = {"timezone": "UTC", "interviews": [_interview(users), _interview(users)]}
        panel = api.post(f"/opportunities/{oid}/panels", params=perform, json=body).json()["data"]
        first, second = (e["id"] for e in panel["interviews"])
        replace = {"timezone": "UTC", "interviews": [{**_interview(users), "id": first}]}
        api.put(f"/opportunities/{oid}/panels/{panel['id']}", params=perform, json=replace)
        api.delete(f"/opportunities/{oid}/panels/{panel['id']}", params=perform)
        expected = [
            ("interviewCreated", first), ("interviewCreated", second), ("interviewUpdated", first),
            ("interviewDeleted", second), ("interviewDeleted", first),
        ]  # fmt: skip
        eventually(lambda: len(receiver.deliveries) >= len(expected), message="five interview webhooks")
        got = sorted((b["event"], b["data"]["interviewId"]) for _, _, b in receiver.deliveries)
        assert got == sorted(expected)
        assert all(
            b["data"]["panelId"] == panel["id"] and b["data"]["opportunityId"] == oid for _, _, b in receiver.deliveries
        )
