"""OAuth against the sandbox over real HTTP: login, Bearer syncs across expiries, one refresh for
many processes, a revoked grant, scopes, and the tokens' encryption at rest with key rotation."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account import credentials
from lever_pipeline.account.client import open_lever_client
from lever_pipeline.account.credentials import CredentialsError, SecretBox, new_key, rotate_all
from lever_pipeline.account.oauth_tokens import OAUTH, WarehouseTokens, load_tokens, save_tokens
from lever_pipeline.lever import oauth
from lever_pipeline.lever.errors import LeverAuthError
from lever_pipeline.lever.writes import create_note, send
from lever_pipeline.sandbox.config import DEFAULT_OAUTH_CLIENT_ID, DEFAULT_OAUTH_CLIENT_SECRET
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.settings import PROJECT_ROOT, Settings, load_settings
from lever_pipeline.warehouse.tables.credentials import lever_credentials
from lever_pipeline_tests.cli.support import cli_env, run_cli, start_cli, wait_for

READ_ONLY = "opportunities:read:admin notes:read:admin offline_access"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(sandbox: RunningSandbox, key: str, **extra: object) -> Settings:
    return load_settings(
        _env_file=None,
        lever_base_url=sandbox.base_url,
        lever_oauth_client_id=DEFAULT_OAUTH_CLIENT_ID,
        lever_oauth_client_secret=DEFAULT_OAUTH_CLIENT_SECRET,
        lever_pipeline_secret_key=key,
        lever_rate_limit_per_second=100,
        lever_rate_limit_burst=20,
        **extra,
    )


def _env(sandbox: RunningSandbox, engine: Engine, home: Path, key: str, **extra: str) -> dict[str, str]:
    return cli_env(
        WAREHOUSE_URL=engine.url.render_as_string(hide_password=False),
        LEVER_PIPELINE_HOME=str(home),
        LEVER_BASE_URL=sandbox.base_url,
        LEVER_OAUTH_CLIENT_ID=DEFAULT_OAUTH_CLIENT_ID,
        LEVER_OAUTH_CLIENT_SECRET=DEFAULT_OAUTH_CLIENT_SECRET,
        LEVER_PIPELINE_SECRET_KEY=key,
        LEVER_RATE_LIMIT_PER_SECOND="100",
        LEVER_RATE_LIMIT_BURST="20",
        **extra,
    )


def _grant(settings: Settings, engine: Engine, scopes: str | None = None) -> oauth.TokenSet:
    """What `auth login` does, with the browser's part played by httpx: authorize, exchange, store."""
    redirect = "http://127.0.0.1:9/callback"  # never called: the code is read off the redirect
    url = oauth.authorize_url(
        settings.oauth_auth_url,
        client_id=DEFAULT_OAUTH_CLIENT_ID,
        redirect_uri=redirect,
        audience=settings.oauth_audience,
        scopes=scopes or settings.lever_oauth_scopes,
        state="s1",
    )
    with httpx.Client() as http:
        answer = http.get(url)
        assert answer.status_code == 302, answer.text
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        tokens = oauth.exchange_code(
            http,
            settings.oauth_auth_url,
            client_id=DEFAULT_OAUTH_CLIENT_ID,
            client_secret=DEFAULT_OAUTH_CLIENT_SECRET,
            code=code,
            redirect_uri=redirect,
        )
    with engine.begin() as conn:
        save_tokens(conn, SecretBox.from_settings(settings), tokens)
    return tokens


def _expire_stored(engine: Engine) -> None:
    """Make the stored access token look expired, as an hour later would."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with engine.begin() as conn:
        conn.execute(sa.update(lever_credentials).values(issued_at=past - timedelta(hours=1), expires_at=past))


@contextmanager
def _short_lived(sandbox_factory, ttl: float) -> Iterator[RunningSandbox]:
    with sandbox_factory(opportunities=120, access_token_ttl_s=ttl) as box:
        yield box


def test_auth_login_prints_the_authorize_url_takes_the_redirect_and_stores_tokens_encrypted(
    sandbox, clean_engine, tmp_path
) -> None:
    key = new_key()
    port = _free_port()
    env = _env(sandbox, clean_engine, tmp_path, key, LEVER_OAUTH_REDIRECT_URI=f"http://127.0.0.1:{port}/callback")
    log = tmp_path / "login.log"
    proc = start_cli("auth", "login", "--timeout", "60", env=env, log=log)
    try:
        url = wait_for(
            lambda: next((ln for ln in log.read_text().splitlines() if "/authorize?" in ln), None),
            timeout=60,
            what="the authorize URL",
            proc=proc,
        )
        query = parse_qs(urlsplit(url).query)
        assert query["audience"] == [sandbox.base_url + "/"] and "offline_access" in query["scope"][0].split()
        # The person's browser: Lever's consent redirects to our callback, which answers the page.
        page = httpx.get(url, follow_redirects=True, timeout=30)
        assert page.status_code == 200 and "has access to Lever" in page.text
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    out = log.read_text()
    assert "Logged in to Lever with a refresh token" in out
    with clean_engine.connect() as conn:
        row = conn.execute(sa.select(lever_credentials)).one()
        tokens = load_tokens(conn, SecretBox([key]))
    assert tokens is not None and tokens.refresh_token
    assert tokens.access_token not in row.ciphertext and tokens.refresh_token not in row.ciphertext
    assert tokens.access_token not in out and tokens.refresh_token not in out
    assert sandbox.stats()["oauth_code_grants"] >= 1

    status = run_cli("auth", "status", env=env)
    assert status.returncode == 0 and "auth mode: oauth" in status.stdout
    assert f"encrypted with key {SecretBox([key]).current_key_id}" in status.stdout


def test_auth_login_refuses_a_redirect_with_another_state(sandbox, clean_engine, tmp_path) -> None:
    port = _free_port()
    env = _env(sandbox, clean_engine, tmp_path, new_key(), LEVER_OAUTH_REDIRECT_URI=f"http://127.0.0.1:{port}/callback")
    log = tmp_path / "login.log"
    proc = start_cli("auth", "login", "--timeout", "60", env=env, log=log)
    try:
        wait_for(lambda: "/authorize?" in log.read_text(), timeout=60, what="the authorize URL", proc=proc)
        httpx.get(f"http://127.0.0.1:{port}/callback?code=stolen&state=forged", timeout=30)
        assert proc.wait(timeout=60) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "error: The redirect's state does not match this login" in log.read_text()
    with clean_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lever_credentials)).scalar_one() == 0


def test_a_sync_across_several_token_expiries_refreshes_ahead_and_never_fails_a_request(
    sandbox_factory, clean_engine
) -> None:
    key = new_key()
    with _short_lived(sandbox_factory, ttl=1.0) as box:
        settings = _settings(box, key)
        _grant(settings, clean_engine)

        async def go() -> tuple[int, int, int]:
            pages = requests = 0
            async with open_lever_client(settings, clean_engine) as client:
                # Whole passes over the opportunities until Lever has issued three refreshed tokens.
                for _ in range(200):
                    async for _page in client.paginate("/opportunities", {"limit": 5}):
                        pages += 1
                    if box.stats()["oauth_refresh_grants"] >= 3:
                        break
                requests = client.stats.requests
            return pages, requests, box.stats()["oauth_refresh_grants"]

        pages, requests, refreshes = asyncio.run(go())
        stats = box.stats()
    assert refreshes >= 3, f"only {refreshes} refreshes in {pages} pages"
    assert stats["unauthorized_401"] == 0  # refreshed before expiry, never after a refusal
    assert stats["oauth_token_failures"] == 0
    assert requests == pages  # no request was retried


def test_two_processes_needing_a_fresh_token_at_once_make_one_refresh_call(
    sandbox_factory, clean_engine, tmp_path
) -> None:
    key = new_key()
    with _short_lived(sandbox_factory, ttl=3600) as box:
        settings = _settings(box, key)
        _grant(settings, clean_engine)
        _expire_stored(clean_engine)
        before = box.stats()["oauth_refresh_grants"]
        go = tmp_path / "go"
        script = (
            "import pathlib, sys, time\n"
            "from lever_pipeline.account.oauth_tokens import WarehouseTokens\n"
            "from lever_pipeline.settings import load_settings\n"
            "from lever_pipeline.warehouse.engine import create_warehouse_engine\n"
            "settings = load_settings()\n"
            "engine = create_warehouse_engine(settings.warehouse_url)\n"
            "tokens = WarehouseTokens(settings, engine)\n"
            "engine.connect().close()\n"
            "print('ready', flush=True)\n"
            f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.005)\n"
            "print(tokens.current().access_token[:12], tokens.refreshes, flush=True)\n"
        )
        env = _env(box, clean_engine, tmp_path, key)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        go.touch()
        outs = [p.communicate(timeout=60)[0].split() for p in procs]
        assert all(p.returncode == 0 for p in procs)
        after = box.stats()["oauth_refresh_grants"]
    assert after - before == 1
    assert outs[0][0] == outs[1][0]  # both use the one new token
    assert sorted(int(o[1]) for o in outs) == [0, 1]  # one refreshed, the other read its result


def test_a_revoked_refresh_token_stops_the_sync_with_one_line(sandbox_factory, clean_engine, tmp_path) -> None:
    key = new_key()
    with _short_lived(sandbox_factory, ttl=3600) as box:
        _grant(_settings(box, key), clean_engine)
        assert box.revoke_refresh_tokens() == 1
        _expire_stored(clean_engine)
        result = run_cli("sync", "--kinds", "none", "--no-progress", env=_env(box, clean_engine, tmp_path, key))
    assert result.returncode == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: Lever no longer accepts the stored refresh token (invalid_grant")
    assert errors[0].endswith("run `lever-pipeline auth login` to grant access again.")


def test_a_write_outside_the_granted_scopes_is_refused_403_naming_the_scope(sandbox_factory, clean_engine) -> None:
    key = new_key()
    with _short_lived(sandbox_factory, ttl=3600) as box:
        settings = _settings(box, key, lever_oauth_scopes=READ_ONLY)
        _grant(settings, clean_engine, READ_ONLY)

        async def go() -> None:
            async with open_lever_client(settings, clean_engine) as client:
                page = await anext(client.paginate("/opportunities", {"limit": 1}))  # reading is granted
                await send(client, create_note(page[0]["id"], "hello"), perform_as=None)

        with pytest.raises(LeverAuthError, match="notes:write:admin"):
            asyncio.run(go())
        assert box.stats()["oauth_scope_403"] == 1


def test_tokens_are_sealed_and_a_rotated_key_reads_them_while_a_missing_one_is_named(clean_engine) -> None:
    old, new = new_key(), new_key()
    tokens = oauth.TokenSet("access-123", datetime.now(UTC), datetime.now(UTC) + timedelta(hours=1), "s", "refresh-9")
    with clean_engine.begin() as conn:
        save_tokens(conn, SecretBox([old]), tokens)
    both = SecretBox([new, old])
    with clean_engine.connect() as conn:
        assert load_tokens(conn, both) == tokens  # the old key still reads while both are set
    assert rotate_all(clean_engine, both) == (1, 0)
    assert rotate_all(clean_engine, both) == (0, 1)
    with clean_engine.connect() as conn:
        assert load_tokens(conn, SecretBox([new])) == tokens  # the old key can go
        row = conn.execute(sa.select(lever_credentials.c.key_id, lever_credentials.c.ciphertext)).one()
        assert row.key_id == SecretBox([new]).current_key_id and "access-123" not in row.ciphertext
        with pytest.raises(CredentialsError, match=f"encrypted with key {row.key_id}, which is not in"):
            load_tokens(conn, SecretBox([old]))
    with pytest.raises(CredentialsError, match="is not a Fernet key"):
        SecretBox(["not-a-key"])
    with pytest.raises(CredentialsError, match="LEVER_PIPELINE_SECRET_KEY is not set"):
        SecretBox([])
    assert credentials.forget(clean_engine, OAUTH) is True


def test_oauth_without_stored_tokens_says_to_log_in(sandbox, clean_engine) -> None:
    settings = _settings(sandbox, new_key())
    with pytest.raises(CredentialsError, match="run `lever-pipeline auth login` first"):
        WarehouseTokens(settings, clean_engine).current()


def test_a_key_stored_with_store_key_is_sealed_and_used_in_stored_key_mode(sandbox, clean_engine, tmp_path) -> None:
    key = new_key()
    env = cli_env(
        WAREHOUSE_URL=clean_engine.url.render_as_string(hide_password=False),
        LEVER_PIPELINE_HOME=str(tmp_path),
        LEVER_BASE_URL=sandbox.base_url,
        LEVER_PIPELINE_SECRET_KEY=key,
    )
    stored = subprocess.run(
        [sys.executable, "-m", "lever_pipeline.cli", "auth", "store-key"],
        input=sandbox.api_key + "\n",
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stored.returncode == 0, stored.stderr
    assert sandbox.api_key not in stored.stdout + stored.stderr
    with clean_engine.connect() as conn:
        assert sandbox.api_key not in conn.execute(sa.select(lever_credentials.c.ciphertext)).scalar_one()
    settings = load_settings(
        _env_file=None, lever_base_url=sandbox.base_url, lever_auth_mode="stored_key", lever_pipeline_secret_key=key
    )

    async def go() -> int:
        async with open_lever_client(settings, clean_engine) as client:
            return len(await anext(client.paginate("/stages")))

    assert asyncio.run(go()) > 0  # the sandbox accepts only its key: the stored one was sent
    missing = subprocess.run(
        [sys.executable, "-m", "lever_pipeline.cli", "sync", "--kinds", "none", "--no-progress"],
        env={**env, "LEVER_AUTH_MODE": "stored_key", "LEVER_PIPELINE_SECRET_KEY": new_key()},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert "which is not in LEVER_PIPELINE_SECRET_KEY" in missing.stderr and "Traceback" not in missing.stderr


def test_ops_report_is_down_with_the_reason_when_the_grant_is_missing_or_refused(sandbox_factory, clean_engine) -> None:
    from lever_pipeline.ops.health import ops_report

    key = new_key()
    with _short_lived(sandbox_factory, ttl=3600) as box:
        settings = _settings(box, key)
        missing = ops_report(clean_engine, settings)
        assert missing.verdict.status == "down" and "no grant is stored" in missing.verdict.reason
        _grant(settings, clean_engine)
        granted = ops_report(clean_engine, settings)
        assert granted.verdict.status == "healthy"
        grant = granted.config["oauthGrant"]
        assert grant["expired"] is False and "offline_access" in grant["scope"] and grant["refusedAt"] is None
        box.revoke_refresh_tokens()
        _expire_stored(clean_engine)
        with pytest.raises(oauth.RefreshTokenRevoked):
            WarehouseTokens(settings, clean_engine).current()
        refused = ops_report(clean_engine, settings)
        _grant(settings, clean_engine)  # logging in again clears the refusal
        again = ops_report(clean_engine, settings)
    assert again.verdict.status == "healthy"
    assert refused.verdict.status == "down"
    assert refused.verdict.reason.startswith("Lever refused the stored refresh token (invalid_grant)")
    secret_free = str(refused.config)
    with clean_engine.connect() as conn:
        stored = load_tokens(conn, SecretBox([key]))
    assert stored is not None and stored.refresh_token
    assert stored.access_token not in secret_free and stored.refresh_token not in secret_free
