"""Same seed, same bytes; and the control plane's stats, mutate and reset."""

from __future__ import annotations

import httpx

from lever_pipeline.sandbox.data import ANCHOR_MS
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory, eventually
from lever_pipeline_tests.sandbox.support import all_pages, client_for

LISTS = ["/stages", "/archive_reasons", "/sources", "/tags", "/feedback_templates"]


def _snapshot(sb: RunningSandbox) -> list[bytes]:
    """Raw bytes of every page of the account, with the server's own URL taken out."""
    pages: list[bytes] = []
    root = sb.root_url.encode()
    with client_for(sb) as c:

        def walk(path: str, **params: object) -> list[dict]:
            items: list[dict] = []
            offset = None
            while True:
                r = c.get(path, params={**params, **({"offset": offset} if offset else {})})
                pages.append(r.content.replace(root, b"ROOT"))
                body = r.json()
                items += body["data"]
                if not body["hasNext"]:
                    return items
                offset = body["next"]

        for path in LISTS:
            walk(path)
        walk("/users", includeDeactivated="true")
        walk("/postings", confidentiality="all")
        walk("/opportunities/deleted")
        opps = walk("/opportunities", limit=37)
        for o in opps[::15]:
            for kind in ("feedback", "interviews", "notes", "resumes", "files", "offers", "panels", "applications"):
                walk(f"/opportunities/{o['id']}/{kind}")
    return pages


def test_same_seed_gives_byte_identical_pages(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(seed=42) as a:
        first = _snapshot(a)
    with sandbox_factory(seed=42) as b:
        second = _snapshot(b)
    assert len(first) > 50
    assert first == second


def test_another_seed_gives_other_data(sandbox_factory: SandboxFactory, sandbox: RunningSandbox) -> None:
    with sandbox_factory(seed=43) as other, client_for(other) as c, client_for(sandbox) as d:
        assert c.get("/opportunities").content != d.get("/opportunities").content


def test_stats_report_requests_and_dataset(fresh: RunningSandbox, api: httpx.Client) -> None:
    oid = api.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
    api.get(f"/opportunities/{oid}/feedback")
    api.get(f"/opportunities/{oid}/feedback")
    stats = fresh.stats()
    assert stats["requests_total"] == 3
    assert stats["requests_by_path"] == {"/v1/opportunities": 1, "/v1/opportunities/{id}/feedback": 2}
    assert stats["requests_by_key"] == {fresh.api_key: 3}
    assert 1 <= stats["peak_requests_1s"] <= 3
    for name in ("rate_limited_429", "faults_injected", "writes", "webhooks_sent", "webhooks_failed"):
        assert name in stats
    ds = stats["dataset"]
    assert ds["opportunities"] == 200 and ds["stages"] == 12 and ds["feedback_templates"] >= 7
    assert ds["users"] > ds["active_users"] > 0
    for name in ("postings", "archive_reasons", "sources", "tags", "deleted_opportunities", "feedback", "interviews"):
        assert ds[name] > 0, name
    for name in ("notes", "resumes", "files", "offers", "panels"):
        assert ds[name] > 0, name


def test_dataset_counts_match_what_the_api_lists(fresh: RunningSandbox, api: httpx.Client) -> None:
    ds = fresh.stats()["dataset"]
    totals = dict.fromkeys(("feedback", "interviews", "notes", "resumes", "files", "offers", "panels"), 0)
    offset = None
    while True:
        page = api.get("/opportunities", params={"offset": offset} if offset else {}).json()
        for o in page["data"]:
            for kind in totals:
                totals[kind] += len(api.get(f"/opportunities/{o['id']}/{kind}").json()["data"])
        if not page["hasNext"]:
            break
        offset = page["next"]
    assert totals == {k: ds[k] for k in totals}


def test_mutate_reports_changes_that_reads_see(fresh: RunningSandbox, api: httpx.Client) -> None:
    before = {o["id"]: o for o in all_pages(api, "/opportunities")}
    result = fresh.mutate(6, ["stage", "archive", "tags"])
    assert result["count"] == 6 and sum(len(v) for v in result["by_kind"].values()) == 6
    for m in result["mutations"]:
        now = api.get(f"/opportunities/{m['opportunityId']}").json()["data"]
        assert now["updatedAt"] > before[m["opportunityId"]]["updatedAt"] > 0
        assert now["lastInteractionAt"] == now["updatedAt"]
    changed = {m["opportunityId"] for m in result["mutations"]}
    since = api.get("/opportunities", params={"updated_at_start": ANCHOR_MS + 1}).json()["data"]
    assert {o["id"] for o in since} == changed
    created = fresh.mutate(2, ["application"])["by_kind"]["application"]
    assert fresh.stats()["dataset"]["opportunities"] == 202
    assert all(api.get(f"/opportunities/{oid}").status_code == 200 for oid in created)


def test_reset_restores_the_generated_account(fresh: RunningSandbox, api: httpx.Client) -> None:
    pristine = api.get("/opportunities").content
    fresh.mutate(20)
    assert api.get("/opportunities").content != pristine
    fresh.reset()
    assert api.get("/opportunities").content == pristine
    stats = fresh.stats()
    assert stats["requests_total"] == 1 and stats["writes"] == {}


def test_bad_mutate_request_is_400(sandbox: RunningSandbox) -> None:
    r = httpx.post(sandbox.root_url + "/_sandbox/mutate", json={"count": 1, "kinds": ["explode"]})
    assert r.status_code == 400


def test_activity_mutates_in_the_background(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(activity=50) as sb, client_for(sb) as c:

        def changed() -> list[dict]:
            return c.get("/opportunities", params={"updated_at_start": ANCHOR_MS + 1}).json()["data"]

        assert eventually(changed, message="background changes")


def test_paused_activity_changes_nothing_until_resumed(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(activity=50) as sb:

        def pause(paused: bool) -> dict:
            r = httpx.post(sb.root_url + "/_sandbox/activity", json={"paused": paused})
            assert r.status_code == 200
            return r.json()

        eventually(lambda: sb.stats()["activity_changes"] > 0, message="background changes")
        assert pause(True) == {"paused": True, "per_second": 50}
        paused = sb.stats()
        assert paused["activity_paused"] is True
        eventually(lambda: sb.stats()["activity_ticks"] >= paused["activity_ticks"] + 3, message="three more ticks")
        still = sb.stats()
        assert still["activity_changes"] == paused["activity_changes"]
        pause(False)
        eventually(lambda: sb.stats()["activity_changes"] > paused["activity_changes"], message="changes resumed")


def test_bad_activity_request_is_400(sandbox: RunningSandbox) -> None:
    r = httpx.post(sandbox.root_url + "/_sandbox/activity", json={"paused": "yes"})
    assert r.status_code == 400
    assert "paused" in r.json()["message"]
