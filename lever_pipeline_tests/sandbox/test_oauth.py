"""Lever's OAuth partner flow on the sandbox, over real HTTP: authorize, exchange, Bearer calls,
refresh, scopes, revocation, expiry, and the API key still working beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lever_pipeline.sandbox.config import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET, SandboxConfig
from lever_pipeline.sandbox.oauth import CODE_TTL_S, SCOPES, OAuthServer, required_scope
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.sandbox.stats import Stats
from lever_pipeline_tests.cli.support import cli_env, free_port, listening, start_cli
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory, eventually

REDIRECT = "http://127.0.0.1:9/callback"
READS = "opportunities:read:admin stages:read:admin notes:read:admin offline_access"


@pytest.fixture(scope="module")
def sb(sandbox_factory: SandboxFactory) -> Iterator[RunningSandbox]:
    """A sandbox of its own (revoking and expiring tokens must not touch other tests' sandbox)."""
    with sandbox_factory(opportunities=20) as running:
        yield running


def authorize(sb: RunningSandbox, scope: str = READS, **overrides: str) -> dict[str, list[str]]:
    """GET /authorize; the query of the redirect it answers with."""
    params = {
        "client_id": DEFAULT_OAUTH_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "st-42",
        "audience": sb.base_url + "/",
        "scope": scope,
        **overrides,
    }
    r = httpx.get(sb.auth_url + "/authorize", params=params)
    assert r.status_code == 302, r.text
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


def token(sb: RunningSandbox, secret: str = DEFAULT_OAUTH_CLIENT_SECRET, **form: str) -> httpx.Response:
    """POST /oauth/token, form-encoded, with the client credentials in the form."""
    body = {"client_id": DEFAULT_OAUTH_CLIENT_ID, "client_secret": secret, **form}
    return httpx.post(sb.auth_url + "/oauth/token", data=body)


def exchange(sb: RunningSandbox, scope: str = READS) -> dict:
    code = authorize(sb, scope)["code"][0]
    r = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert r.status_code == 200, r.text
    return r.json()


def bearer(sb: RunningSandbox, access_token: str) -> httpx.Client:
    return httpx.Client(base_url=sb.base_url, headers={"Authorization": f"Bearer {access_token}"}, timeout=30)


def test_whole_flow_authorize_exchange_read_refresh(sb: RunningSandbox) -> None:
    before = sb.stats()
    query = authorize(sb)
    assert query["state"] == ["st-42"]
    code = query["code"][0]

    r = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    grant = r.json()
    assert grant["token_type"] == "Bearer"
    assert grant["expires_in"] == 3600
    assert set(grant["scope"].split()) == set(READS.split())
    assert grant["refresh_token"]

    with bearer(sb, grant["access_token"]) as client:
        page = client.get("/opportunities", params={"limit": 3})
        assert page.status_code == 200
        assert len(page.json()["data"]) == 3

    r = token(sb, grant_type="refresh_token", refresh_token=grant["refresh_token"])
    assert r.status_code == 200
    fresh = r.json()
    assert set(fresh) == {"access_token", "token_type", "expires_in", "scope"}
    assert fresh["access_token"] != grant["access_token"]
    # Not rotated: the same refresh token works again, and the old access token still works.
    assert token(sb, grant_type="refresh_token", refresh_token=grant["refresh_token"]).status_code == 200
    for access in (grant["access_token"], fresh["access_token"]):
        with bearer(sb, access) as client:
            assert client.get("/stages").status_code == 200

    after = sb.stats()
    assert after["oauth_authorizations"] == before["oauth_authorizations"] + 1
    assert after["oauth_code_grants"] == before["oauth_code_grants"] + 1
    assert after["oauth_refresh_grants"] == before["oauth_refresh_grants"] + 2
    assert after["oauth_token_failures"] == before["oauth_token_failures"]
    assert after["requests_by_key"][f"oauth:{DEFAULT_OAUTH_CLIENT_ID}"] >= 3


def test_no_refresh_token_without_offline_access(sb: RunningSandbox) -> None:
    grant = exchange(sb, "stages:read:admin")
    assert "refresh_token" not in grant
    assert grant["scope"] == "stages:read:admin"


def test_client_credentials_by_basic_auth(sb: RunningSandbox) -> None:
    code = authorize(sb)["code"][0]
    r = httpx.post(
        sb.auth_url + "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET),
    )
    assert r.status_code == 200, r.text
    assert r.json()["access_token"]


def test_code_is_single_use(sb: RunningSandbox) -> None:
    code = authorize(sb)["code"][0]
    assert token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).status_code == 200
    failures = sb.stats()["oauth_token_failures"]
    r = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"
    assert sb.stats()["oauth_token_failures"] == failures + 1


def test_redirect_uri_must_match_the_authorize_one(sb: RunningSandbox) -> None:
    code = authorize(sb)["code"][0]
    r = token(sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT + "/other")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_wrong_secret_is_401_invalid_client(sb: RunningSandbox) -> None:
    code = authorize(sb)["code"][0]
    r = token(sb, secret="not-the-secret", grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert r.status_code == 401
    body = r.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"]
    assert "not-the-secret" not in r.text


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "redirect_uri": REDIRECT}, 400, "invalid_request"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "never-issued"}, 400, "invalid_grant"),
        ({}, 400, "invalid_request"),
    ],
    ids=["other-grant", "no-code", "no-refresh-token", "unknown-refresh-token", "no-grant-type"],
)
def test_token_errors(sb: RunningSandbox, form: dict, status: int, error: str) -> None:
    r = token(sb, **form)
    assert r.status_code == status
    assert r.json()["error"] == error


def test_token_endpoint_wants_a_form(sb: RunningSandbox) -> None:
    r = httpx.post(
        sb.auth_url + "/oauth/token",
        json={"grant_type": "refresh_token", "client_id": DEFAULT_OAUTH_CLIENT_ID},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_revoke_makes_refresh_invalid_grant(sb: RunningSandbox) -> None:
    grant = exchange(sb)
    assert sb.revoke_refresh_tokens() >= 1
    r = token(sb, grant_type="refresh_token", refresh_token=grant["refresh_token"])
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"
    # The access token lives on until it expires.
    with bearer(sb, grant["access_token"]) as client:
        assert client.get("/stages").status_code == 200


def test_expired_access_token_is_401_saying_expired(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(opportunities=5, access_token_ttl_s=1.0) as box:
        grant = exchange(box)
        assert grant["expires_in"] == 1
        assert box.expire_access_tokens() == 1
        with bearer(box, grant["access_token"]) as client:
            r = client.get("/stages")
        assert r.status_code == 401
        body = r.json()
        assert set(body) == {"code", "message"}
        assert "expired" in body["message"].lower()
        assert 'error="invalid_token"' in r.headers["www-authenticate"]
        # A refresh gives a working token again.
        fresh = token(box, grant_type="refresh_token", refresh_token=grant["refresh_token"]).json()
        with bearer(box, fresh["access_token"]) as client:
            assert client.get("/stages").status_code == 200


def test_unknown_access_token_is_401_saying_invalid(sb: RunningSandbox) -> None:
    with bearer(sb, "made-up-token") as client:
        r = client.get("/stages")
    assert r.status_code == 401
    assert "invalid" in r.json()["message"].lower()
    assert "expired" not in r.json()["message"].lower()


def test_write_without_notes_write_scope_is_403_naming_it(sb: RunningSandbox) -> None:
    grant = exchange(sb, "opportunities:read:admin notes:read:admin")
    with bearer(sb, grant["access_token"]) as client:
        oid = client.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
        assert client.get(f"/opportunities/{oid}/notes").status_code == 200
        r = client.post(f"/opportunities/{oid}/notes", json={"value": "hello"})
        assert r.status_code == 403
        assert r.json()["code"] == "ForbiddenError"
        assert "notes:write:admin" in r.json()["message"]
        r = client.get("/users")
        assert r.status_code == 403
        assert "users:read:admin" in r.json()["message"]


def test_write_scope_lets_the_note_through_and_covers_reads(sb: RunningSandbox) -> None:
    grant = exchange(sb, "opportunities:read:admin notes:write:admin users:read:admin")
    with bearer(sb, grant["access_token"]) as client:
        oid = client.get("/opportunities", params={"limit": 1}).json()["data"][0]["id"]
        user = client.get("/users", params={"limit": 1}).json()["data"][0]["id"]
        r = client.post(f"/opportunities/{oid}/notes", params={"perform_as": user}, json={"value": "hello"})
        assert r.status_code in (200, 201), r.text
        assert client.get(f"/opportunities/{oid}/notes").status_code == 200


def test_basic_key_still_works(sb: RunningSandbox) -> None:
    r = httpx.get(sb.base_url + "/stages", auth=(sb.api_key, ""))
    assert r.status_code == 200
    assert r.json()["data"]


@pytest.mark.parametrize(
    ("overrides", "error", "names"),
    [
        ({"audience": "https://api.lever.co/v1/"}, "invalid_request", "audience"),
        ({"response_type": "token"}, "invalid_request", "response_type"),
        ({"scope": "opportunities:read:admin everything:write:admin"}, "invalid_scope", "everything:write:admin"),
        ({"scope": ""}, "invalid_scope", "scope"),
    ],
    ids=["foreign-audience", "implicit-flow", "unknown-scope", "no-scope"],
)
def test_bad_authorize_redirects_with_error_and_state(
    sb: RunningSandbox, overrides: dict, error: str, names: str
) -> None:
    query = authorize(sb, **overrides)
    assert "code" not in query
    assert query["error"] == [error]
    assert names in query["error_description"][0]
    assert query["state"] == ["st-42"]


def test_audience_without_trailing_slash_is_accepted(sb: RunningSandbox) -> None:
    assert authorize(sb, audience=sb.base_url)["code"]


@pytest.mark.parametrize(
    "overrides",
    [{"client_id": "stranger"}, {"redirect_uri": ""}, {"redirect_uri": "javascript:alert(1)"}],
    ids=["unknown-client", "no-redirect", "non-http-redirect"],
)
def test_authorize_without_a_safe_redirect_is_400(sb: RunningSandbox, overrides: dict) -> None:
    params = {
        "client_id": DEFAULT_OAUTH_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": "s",
        "audience": sb.base_url + "/",
        "scope": READS,
        **overrides,
    }
    r = httpx.get(sb.auth_url + "/authorize", params=params)
    assert r.status_code == 400
    assert "location" not in r.headers
    assert "Authorization refused" in r.text


def test_bearer_calls_share_one_bucket_per_client(sandbox_factory: SandboxFactory) -> None:
    with sandbox_factory(opportunities=5, rate_limit=0.001, burst=2) as box:
        first, second = exchange(box), exchange(box)
        statuses = []
        for access in (first["access_token"], second["access_token"], first["access_token"]):
            with bearer(box, access) as client:
                statuses.append(client.get("/stages").status_code)
        assert statuses == [200, 200, 429]
        # The API key has a bucket of its own.
        assert httpx.get(box.base_url + "/stages", auth=(box.api_key, "")).status_code == 200


@pytest.mark.parametrize(
    ("method", "template", "scope"),
    [
        ("GET", "/v1/opportunities", "opportunities:read:admin"),
        ("PUT", "/v1/opportunities/{id}/stage", "opportunities:write:admin"),
        ("POST", "/v1/opportunities/{id}/notes", "notes:write:admin"),
        ("GET", "/v1/opportunities/{id}/feedback/{sid}", "feedback:read:admin"),
        ("GET", "/v1/candidates/{id}", "opportunities:read:admin"),
        ("GET", "/v1/opportunities/{id}/resumes/{sid}/download", "resumes:read:admin"),
        ("DELETE", "/v1/webhooks/{id}", "webhooks:write:admin"),
        ("GET", "/v1/requisition_fields", "requisition_fields:read:admin"),
        ("GET", "/v1/somewhere_new/{id}", "somewhere_new:read:admin"),
    ],
)
def test_scope_per_route(method: str, template: str, scope: str) -> None:
    assert required_scope(method, template) == scope


def test_every_listed_scope_is_accepted(sb: RunningSandbox) -> None:
    grant = exchange(sb, " ".join(sorted(SCOPES)))
    assert set(grant["scope"].split()) == SCOPES


def test_cli_flags_reach_the_sandbox_process(tmp_path: Path) -> None:
    """`lever-pipeline sandbox --access-token-ttl 2 --oauth-client-id ... --oauth-client-secret ...`,
    as benchmarks start it: the process issues 2-second tokens to that client only."""
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    proc = start_cli(
        "sandbox", "--port", str(port), "--opportunities", "5", "--latency-ms", "0",
        "--access-token-ttl", "2", "--oauth-client-id", "cli-app", "--oauth-client-secret", "cli-secret",
        env=cli_env(), log=tmp_path / "sandbox.log",
    )  # fmt: skip
    try:
        eventually(lambda: proc.poll() is not None or listening(port), 120, "the sandbox to listen")
        assert proc.poll() is None, (tmp_path / "sandbox.log").read_text()
        r = httpx.get(
            root + "/authorize",
            params={"client_id": "cli-app", "redirect_uri": REDIRECT, "response_type": "code", "state": "s",
                    "audience": root + "/v1/", "scope": "stages:read:admin"},
        )  # fmt: skip
        code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        r = httpx.post(root + "/oauth/token", data=form, auth=("cli-app", "cli-secret"))
        assert r.status_code == 200, r.text
        assert r.json()["expires_in"] == 2
        stats = httpx.get(root + "/_sandbox/stats").json()
        assert stats["oauth"]["client_id"] == "cli-app"
        assert stats["oauth"]["access_token_ttl_s"] == 2
        assert "cli-secret" not in (tmp_path / "sandbox.log").read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_code_expires_after_ten_minutes() -> None:
    """On the server object with a hand-moved clock: a code older than CODE_TTL_S is invalid_grant."""
    now = [1000.0]
    stats = Stats()
    server = OAuthServer(SandboxConfig(opportunities=0), lambda: stats, clock=lambda: now[0])
    query = (
        f"client_id={DEFAULT_OAUTH_CLIENT_ID}&redirect_uri={REDIRECT}&response_type=code&state=s"
        "&audience=http://sb/v1/&scope=stages:read:admin"
    )
    redirect = server.authorize(query.encode(), "http://sb")
    code = parse_qs(urlsplit(dict(redirect.headers)[b"location"].decode()).query)["code"][0]
    now[0] += CODE_TTL_S + 1
    form = (
        f"grant_type=authorization_code&code={code}&redirect_uri={REDIRECT}"
        f"&client_id={DEFAULT_OAUTH_CLIENT_ID}&client_secret={DEFAULT_OAUTH_CLIENT_SECRET}"
    )
    answer = server.token(form.encode(), b"application/x-www-form-urlencoded", None)
    assert answer.status == 400
    assert stats.oauth_token_failures == 1
    assert json.loads(answer.body) == {
        "error": "invalid_grant",
        "error_description": "the authorization code has expired",
    }
