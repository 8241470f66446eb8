"""Auth failures, 400s naming the parameter, 404s, 422 on unprocessed downloads, and the limiter."""

from __future__ import annotations

import httpx
import pytest

from lever_pipeline.sandbox.ratelimit import TokenBucket
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory
from lever_pipeline_tests.sandbox.support import client_for


@pytest.mark.parametrize(
    "auth",
    [None, ("wrong-key", ""), httpx.BasicAuth("", "sandbox-key")],
    ids=["missing", "wrong-key", "key-as-password"],
)
def test_bad_or_missing_key_is_401_with_lever_body(sandbox: RunningSandbox, auth: object) -> None:
    r = httpx.get(sandbox.base_url + "/opportunities", auth=auth)
    assert r.status_code == 401
    assert set(r.json()) == {"code", "message"}


def test_bearer_header_is_401(sandbox: RunningSandbox) -> None:
    r = httpx.get(sandbox.base_url + "/stages", headers={"Authorization": f"Bearer {sandbox.api_key}"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "names"),
    [
        ("/opportunities", {"limit": 500}, "limit"),
        ("/opportunities", {"limit": 0}, "limit"),
        ("/opportunities", {"limit": "ten"}, "limit"),
        ("/opportunities", {"updated_at_start": "yesterday"}, "updated_at_start"),
        ("/opportunities", {"created_at_end": "1.5e12"}, "created_at_end"),
        ("/opportunities", {"expand": "resume"}, "expand"),
        ("/opportunities", {"archived": "maybe"}, "archived"),
        ("/opportunities", {"origin": "walk-in"}, "origin"),
        ("/opportunities", {"include": "nonsense"}, "include"),
        ("/postings", {"state": "open"}, "state"),
        ("/postings", {"expand": "team"}, "expand"),
        ("/users", {"limit": 101}, "limit"),
        ("/archive_reasons", {"type": "fired"}, "type"),
    ],
)
def test_bad_parameter_is_400_naming_it(api: httpx.Client, path: str, params: dict, names: str) -> None:
    r = api.get(path, params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "BadRequestError"
    assert names in body["message"]


def test_bad_uploaded_at_on_resumes_is_400(api: httpx.Client) -> None:
    oid = api.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
    r = api.get(f"/opportunities/{oid}/resumes", params={"uploaded_at_start": "soon"})
    assert r.status_code == 400 and "uploaded_at_start" in r.json()["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/opportunities/00000000-0000-4000-8000-000000000000",
        "/opportunities/00000000-0000-4000-8000-000000000000/feedback",
        "/users/00000000-0000-4000-8000-000000000000",
        "/postings/00000000-0000-4000-8000-000000000000",
        "/stages/a80bbbe0-d4dd-4eac-bdbf-302345414f93",
        "/feedback_templates/00000000-0000-4000-8000-000000000000",
        "/archive_reasons/00000000-0000-4000-8000-000000000000",
    ],
)
def test_unknown_id_is_404_resource_not_found(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "ResourceNotFound"
    assert body["message"].endswith("was not found")


def test_unknown_sub_resource_id_is_404(api: httpx.Client) -> None:
    oid = api.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
    for kind in ("feedback", "interviews", "notes", "resumes", "files", "panels"):
        assert api.get(f"/opportunities/{oid}/{kind}/nope").status_code == 404


def test_unknown_path_is_404(api: httpx.Client) -> None:
    r = api.get("/requisitions_typo")
    assert r.status_code == 404 and r.json()["code"] == "NotFoundError"


def test_unprocessed_file_download_is_422_and_processed_downloads(api: httpx.Client, sandbox: RunningSandbox) -> None:
    unprocessed = processed = None
    for o in api.get("/opportunities", params={"limit": 100}).json()["data"]:
        for f in api.get(f"/opportunities/{o['id']}/files").json()["data"]:
            if f["status"] == "processed":
                processed = processed or f
            else:
                unprocessed = unprocessed or f
        if processed and unprocessed:
            break
    assert processed and unprocessed
    assert processed["downloadUrl"].startswith(sandbox.root_url)
    ok = api.get(processed["downloadUrl"])
    assert ok.status_code == 200 and len(ok.content) == processed["size"]
    assert api.get(unprocessed["downloadUrl"]).status_code == 422


def test_resume_download_matches_size(api: httpx.Client) -> None:
    for o in api.get("/opportunities", params={"limit": 50}).json()["data"]:
        resumes = api.get(f"/opportunities/{o['id']}/resumes").json()["data"]
        done = [r for r in resumes if r["file"]["status"] == "processed"]
        if done:
            r = api.get(done[0]["file"]["downloadUrl"])
            assert r.status_code == 200 and len(r.content) == done[0]["file"]["size"]
            assert r.content.startswith(b"%PDF")
            return
    pytest.fail("no processed resume in the first 50 opportunities")


def test_burst_over_the_limit_gets_429(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(rate_limit=1, burst=3) as sb, client_for(sb) as c:
        statuses = [c.get("/stages").status_code for _ in range(12)]
        stats = sb.stats()
    assert statuses[:3] == [200, 200, 200]
    assert statuses.count(429) >= 8
    assert stats["rate_limited_429"] == statuses.count(429)
    r429 = statuses.index(429)
    assert r429 == 3


def test_429_body_and_optional_retry_after(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(rate_limit=1, burst=1) as sb, client_for(sb) as c:
        c.get("/stages")
        plain = c.get("/stages")
    assert plain.status_code == 429 and "retry-after" not in plain.headers
    assert set(plain.json()) == {"code", "message"}
    with sandbox_factory(rate_limit=1, burst=1, retry_after_header=True) as sb, client_for(sb) as c:
        c.get("/stages")
        hinted = c.get("/stages")
    assert hinted.status_code == 429 and int(hinted.headers["retry-after"]) >= 1


def test_rate_limit_is_per_key_and_skips_bad_keys(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(rate_limit=1, burst=2) as sb:
        for _ in range(5):
            httpx.get(sb.base_url + "/stages", auth=("intruder", ""))
        with client_for(sb) as c:
            assert [c.get("/stages").status_code for _ in range(2)] == [200, 200]
        stats = sb.stats()
    assert stats["unauthorized_401"] == 5 and stats["requests_by_key"] == {sb.api_key: 2}


def test_token_bucket_refills_at_rate_with_injected_clock() -> None:
    now = [100.0]
    bucket = TokenBucket(rate=10, capacity=20, clock=lambda: now[0])
    assert all(bucket.take() == 0.0 for _ in range(20))
    assert bucket.take() == pytest.approx(0.1)
    now[0] += 0.25
    assert bucket.take() == 0.0 and bucket.take() == 0.0
    assert bucket.take() > 0
    now[0] += 100
    assert sum(bucket.take() == 0.0 for _ in range(30)) == 20
