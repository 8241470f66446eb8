"""Each fault kind, queued through the control plane or drawn from the seed."""

from __future__ import annotations

import httpx
import pytest

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory
from lever_pipeline_tests.sandbox.support import client_for


@pytest.fixture
def faulty(fresh: RunningSandbox) -> RunningSandbox:
    """The session sandbox with an empty fault queue before and after the test."""
    httpx.delete(fresh.root_url + "/_sandbox/faults")
    yield fresh
    httpx.delete(fresh.root_url + "/_sandbox/faults")


def test_queued_429_with_retry_after_then_normal(faulty: RunningSandbox, api: httpx.Client) -> None:
    faulty.faults({"next": 3, "status": 429, "retry_after": 0})
    answers = [api.get("/stages") for _ in range(4)]
    assert [r.status_code for r in answers] == [429, 429, 429, 200]
    assert answers[0].headers["retry-after"] == "0"
    assert set(answers[0].json()) == {"code", "message"}
    assert faulty.stats()["faults_injected"] == {"429": 3}


@pytest.mark.parametrize("kind", ["500", "503"])
def test_queued_server_errors(faulty: RunningSandbox, api: httpx.Client, kind: str) -> None:
    faulty.faults({"next": 1, "kind": kind})
    r = api.get("/opportunities")
    assert r.status_code == int(kind) and set(r.json()) == {"code", "message"}
    assert api.get("/opportunities").status_code == 200


def test_queued_drop_closes_the_connection_without_an_answer(faulty: RunningSandbox, api: httpx.Client) -> None:
    faulty.faults({"next": 1, "kind": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/stages")
    assert api.get("/stages").status_code == 200
    assert faulty.stats()["faults_injected"] == {"drop": 1}


def test_queued_hang_outlasts_the_client_timeout(faulty: RunningSandbox) -> None:
    faulty.faults({"next": 1, "kind": "hang"})
    with client_for(faulty, timeout=0.3) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/stages")
        assert c.get("/stages").status_code == 200


def test_commit_then_500_applies_the_write(faulty: RunningSandbox, api: httpx.Client) -> None:
    oid = api.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
    faulty.faults({"next": 1, "kind": "commit-then-500", "method": "POST"})
    assert api.get("/stages").status_code == 200  # aimed at POSTs only
    r = api.post(f"/opportunities/{oid}/addTags", json={"tags": ["ambiguous"]})
    assert r.status_code == 500
    assert "ambiguous" in api.get(f"/opportunities/{oid}").json()["data"]["tags"]
    stats = faulty.stats()
    assert stats["faults_injected"] == {"commit-then-500": 1} and stats["writes"] == {"tags.add": 1}


def test_bad_fault_request_is_400(faulty: RunningSandbox) -> None:
    r = httpx.post(faulty.root_url + "/_sandbox/faults", json={"next": 1, "kind": "explode"})
    assert r.status_code == 400 and "explode" in r.json()["message"]


def test_write_fault_config_commits_every_write_then_500(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(write_fault="commit-then-500") as sb, client_for(sb) as c:
        oid = c.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
        r = c.post(f"/opportunities/{oid}/notes", json={"value": "said twice?"})
        assert r.status_code == 500
        notes = c.get(f"/opportunities/{oid}/notes").json()["data"]
    assert any(n["fields"][0]["value"] == "said twice?" for n in notes)


def _outcomes(sb: RunningSandbox, n: int) -> list[str]:
    out = []
    with client_for(sb, timeout=5) as c:
        for _ in range(n):
            try:
                out.append(str(c.get("/stages").status_code))
            except httpx.HTTPError as err:
                out.append(type(err).__name__)
    return out


def test_seeded_faults_are_deterministic_and_cover_every_kind(sandbox_factory: SandboxFactory) -> None:
    config = {"fault_rate": 0.5, "seed": 11, "hang_s": 0.05}
    with sandbox_factory(**config) as sb:
        first = _outcomes(sb, 40)
        injected = sb.stats()["faults_injected"]
    with sandbox_factory(**config) as sb:
        second = _outcomes(sb, 40)
    assert first == second
    assert set(injected) == {"500", "503", "hang", "drop"}
    assert {"200", "500", "503", "RemoteProtocolError"} <= set(first)
