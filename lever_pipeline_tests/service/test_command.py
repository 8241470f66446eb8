"""`lever-pipeline webhooks register|list|delete` against the sandbox's webhook API (real HTTP)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from typer.testing import CliRunner

from lever_pipeline.cli.service import receiver_url, webhooks_app
from lever_pipeline.lever.ratelimit import bucket_name
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.settings import get_settings
from lever_pipeline.warehouse.tables.ratelimit import rate_limit_buckets


@pytest.fixture
def lever_env(sandbox: RunningSandbox, test_database_url: URL, clean_engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """The commands' environment: the sandbox as the account, the test database as the warehouse."""
    sandbox.reset()
    monkeypatch.setenv("LEVER_API_KEY", sandbox.api_key)
    monkeypatch.setenv("LEVER_BASE_URL", sandbox.base_url)
    # The commands draw on the shared rate-limit bucket, which lives in the warehouse.
    monkeypatch.setenv("WAREHOUSE_URL", test_database_url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield sandbox
    get_settings.cache_clear()


def test_receiver_url_appends_the_event_path_or_fills_the_placeholder() -> None:
    assert receiver_url("https://svc.example.com/", "candidateHired") == (
        "https://svc.example.com/webhooks/lever/candidateHired"
    )
    assert receiver_url("https://x.example/hooks/{event}", "candidateHired") == "https://x.example/hooks/candidateHired"


def test_webhooks_register_list_delete(lever_env: RunningSandbox, clean_engine: Engine) -> None:
    runner = CliRunner()
    created = runner.invoke(
        webhooks_app,
        ["register", "--url", "https://svc.example.com", "-e", "candidateStageChange", "-e", "candidateDeleted"],
    )
    assert created.exit_code == 0, created.output
    line = next(x for x in created.output.splitlines() if x.startswith("LEVER_WEBHOOK_TOKENS="))
    tokens = json.loads(line.split("=", 1)[1].strip("'"))
    assert set(tokens) == {"candidateStageChange", "candidateDeleted"}
    assert all(len(t) == 48 for t in tokens.values())

    listed = runner.invoke(webhooks_app, ["list"])
    assert listed.exit_code == 0
    assert "https://svc.example.com/webhooks/lever/candidateStageChange" in listed.output
    assert not any(t in listed.output for t in tokens.values())  # Lever never shows a token again

    deleted = runner.invoke(webhooks_app, ["delete", "--all"])
    assert deleted.exit_code == 0 and deleted.output.count("deleted ") == 2
    assert runner.invoke(webhooks_app, ["list"]).output.strip() == "no webhooks"
    with clean_engine.connect() as conn:  # the commands spent the key's shared budget, not a private one
        buckets = conn.execute(sa.select(rate_limit_buckets.c.bucket)).scalars().all()
    key = bucket_name(lever_env.api_key)
    assert sorted(buckets) == [key, f"{key}:rate"]  # the bucket and its adaptive rate, both the key's


def test_webhooks_register_refuses_unknown_event(lever_env: RunningSandbox) -> None:
    result = CliRunner().invoke(webhooks_app, ["register", "--url", "https://x", "-e", "candidateTeleported"])
    assert result.exit_code == 2
    assert "unknown event candidateTeleported" in result.output
