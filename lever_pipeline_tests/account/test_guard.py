"""One Lever account per warehouse: the first client records it, a client for another is refused
before it sends anything (real PostgreSQL, real sandbox over HTTP, the production factory)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import dagster as dg
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account.client import lever_account_of, open_lever_client
from lever_pipeline.account.guard import (
    RESET_COMMAND,
    AccountMismatch,
    LeverAccount,
    ensure_account,
    key_fingerprint,
    sandbox_account_name,
)
from lever_pipeline.defs.run import run_with_client
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.settings import Settings, load_settings
from lever_pipeline.warehouse.tables.account import lever_account
from lever_pipeline_tests.account.sandbox_account import SandboxLeverResource, sandbox_settings
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory

SECRET_KEY = "live-key-do-not-print-0123456789"


def _open(settings: Settings, engine: Engine) -> None:
    async def go() -> None:
        async with open_lever_client(settings, engine) as client:
            await client.get("/stages/lead-new")

    asyncio.run(go())


def _requests(sandbox: RunningSandbox) -> int:
    return int(sandbox.stats()["requests_total"])


def test_guard_first_client_records_the_account(sandbox: RunningSandbox, clean_engine: Engine) -> None:
    sandbox.reset()
    settings = sandbox_settings(sandbox)
    _open(settings, clean_engine)
    _open(settings, clean_engine)  # the same account again: fine
    with clean_engine.connect() as conn:
        rows = conn.execute(sa.select(lever_account)).all()
    assert len(rows) == 1
    assert rows[0].base_url == "sandbox:7:200"
    assert rows[0].key_fingerprint == key_fingerprint(sandbox.api_key)
    assert rows[0].label == "sandbox seed 7 with 200 opportunities (key " + key_fingerprint(sandbox.api_key)[:8] + ")"


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"lever_sandbox_account": sandbox_account_name(7, 500)}, id="another sandbox size"),
        pytest.param({"lever_sandbox_account": None}, id="another base URL"),
        pytest.param({"lever_api_key": SECRET_KEY}, id="another key"),
    ],
)
def test_guard_refuses_another_account_before_any_request(
    sandbox: RunningSandbox, clean_engine: Engine, other: dict[str, object]
) -> None:
    sandbox.reset()
    _open(sandbox_settings(sandbox), clean_engine)
    before = _requests(sandbox)
    with pytest.raises(AccountMismatch) as refused:
        _open(sandbox_settings(sandbox, **other), clean_engine)
    assert _requests(sandbox) == before  # refused before anything was sent
    message = str(refused.value)
    recorded, requested = refused.value.recorded, refused.value.requested
    assert recorded.label in message and requested.label in message and recorded != requested
    assert RESET_COMMAND in message and "LEVER_PIPELINE_HOME" in message and "WAREHOUSE_URL" in message
    assert "\n" not in message and SECRET_KEY not in message


def test_guard_names_a_sandbox_by_seed_and_size_whatever_its_port(
    sandbox: RunningSandbox, sandbox_factory: SandboxFactory, clean_engine: Engine
) -> None:
    sandbox.reset()
    _open(sandbox_settings(sandbox), clean_engine)
    with sandbox_factory() as same_data_other_port:
        assert same_data_other_port.base_url != sandbox.base_url
        _open(sandbox_settings(same_data_other_port), clean_engine)  # the same account
    with sandbox_factory(opportunities=30) as other_size, pytest.raises(AccountMismatch):
        _open(sandbox_settings(other_size), clean_engine)


def test_guard_sandbox_name_counts_only_on_this_machine() -> None:
    remote = LeverAccount.of("https://api.lever.co/v1/", "k", sandbox_account_name(7, 50))
    local = LeverAccount.of("http://127.0.0.1:5123/v1", "k", sandbox_account_name(7, 50))
    assert remote.base_url == "https://api.lever.co/v1"  # a stray LEVER_SANDBOX_ACCOUNT never renames Lever
    assert remote.label == f"api.lever.co (key {key_fingerprint('k')[:8]})"
    assert local.base_url == "sandbox:7:50"
    assert LeverAccount.of("HTTPS://API.lever.co/v1", "k") == remote  # one account, however it is spelled


def test_guard_two_first_clients_for_different_accounts_record_one(clean_engine: Engine) -> None:
    accounts = [LeverAccount.of(f"https://proxy-{i}.example/v1", f"key-{i}") for i in range(2)]
    outcomes: dict[int, str] = {}
    gate = threading.Barrier(2)

    def claim(i: int) -> None:
        gate.wait()
        try:
            ensure_account(clean_engine, accounts[i])
            outcomes[i] = "recorded"
        except AccountMismatch:
            outcomes[i] = "refused"

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["recorded", "refused"]
    with clean_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lever_account)).scalar_one() == 1


def test_guard_run_step_fails_without_retries_naming_both_accounts(
    sandbox: RunningSandbox, clean_engine: Engine
) -> None:
    sandbox.reset()
    ensure_account(clean_engine, LeverAccount.of("https://api.eu.lever.co/v1", SECRET_KEY))
    lever = SandboxLeverResource(api_key=sandbox.api_key, base_url=sandbox.base_url)
    body: Callable = lambda client: client.get("/stages/lead-new")  # noqa: E731
    with pytest.raises(dg.Failure) as failed:
        run_with_client(lever, clean_engine, body)
    assert failed.value.allow_retries is False
    assert "api.eu.lever.co" in failed.value.description and "sandbox seed 7" in failed.value.description
    assert SECRET_KEY not in failed.value.description


def test_guard_account_of_settings_matches_what_the_factory_records(
    sandbox: RunningSandbox, clean_engine: Engine
) -> None:
    sandbox.reset()
    settings = sandbox_settings(sandbox)
    _open(settings, clean_engine)
    account = lever_account_of(settings)
    assert account is not None
    ensure_account(clean_engine, account)  # the CLI's pre-flight check agrees


def test_guard_a_client_without_key_for_remote_lever_neither_records_nor_is_refused(clean_engine: Engine) -> None:
    # No LEVER_API_KEY: the sandbox's public key, sent to api.lever.co.
    keyless = load_settings(_env_file=None, lever_api_key=None, lever_base_url=None, lever_eu_region=False)
    assert lever_account_of(keyless) is None  # Lever refuses every request: no account's rows can come of it

    async def go() -> None:
        async with open_lever_client(keyless, clean_engine):
            pass

    asyncio.run(go())
    with clean_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lever_account)).scalar_one() == 0
    ensure_account(clean_engine, LeverAccount.of("https://api.lever.co/v1", SECRET_KEY))
    asyncio.run(go())  # a warehouse of a real account still lets the keyless service start
