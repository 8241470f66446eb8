"""Fixtures for the service: settings with known tokens, the app on the test database, served
by uvicorn on a real socket, and a signed-delivery builder."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.lever.webhook_signature import sign
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import RunningService, run_service_in_thread
from lever_pipeline.settings import Settings, load_settings
from lever_pipeline.warehouse.tables.account import lever_account

STAGE_TOKEN = "stage-change-signature-token"
SHARED_SECRET = "account-wide-signature-token"
SERVICE_TOKEN = "test-service-token"
TOLERANCE_S = 300


def service_settings(**overrides: Any) -> Settings:
    """Settings for a test service: a token for stage changes, a shared one for the rest."""
    values: dict[str, Any] = {
        "lever_webhook_tokens": {"candidateStageChange": STAGE_TOKEN},
        "lever_webhook_secret": SHARED_SECRET,
        "webhook_tolerance_seconds": TOLERANCE_S,
        "service_api_token": SERVICE_TOKEN,
        "lever_api_key": "sandbox-key",
        "lever_base_url": "http://127.0.0.1:9/v1",  # nothing listens: tests needing Lever override it
    }
    return load_settings(**{**values, **overrides})


def delivery(
    event: str = "candidateStageChange",
    *,
    token: str | None = STAGE_TOKEN,
    triggered_at: int | None = None,
    event_id: str | None = None,
    data: dict[str, Any] | None = None,
    **override: Any,
) -> dict[str, Any]:
    """A delivery body as Lever sends it, signed with `token` (unsigned when None)."""
    at = triggered_at if triggered_at is not None else int(time.time() * 1000)
    nonce = secrets.token_hex(24)
    body: dict[str, Any] = {
        "id": event_id or str(uuid.uuid4()),
        "triggeredAt": at,
        "event": event,
        "data": data if data is not None else {"opportunityId": str(uuid.uuid4()), "toStageId": "offer"},
        "token": nonce,
    }
    if token is not None:
        body["signature"] = sign(token, nonce, at)
    body.update(override)
    return body


@pytest.fixture(scope="session")
def running_service(engine: Engine) -> Iterator[RunningService]:
    """The service on the session's test database, on 127.0.0.1 and a free port."""
    # The service's Lever account (the address above) is not the one earlier tests synced:
    # forget theirs, as `lever-pipeline reset` would, or the app refuses to start.
    with engine.begin() as conn:
        conn.execute(sa.delete(lever_account))
    with run_service_in_thread(create_app(service_settings(), engine)) as running:
        yield running


@pytest.fixture
def http(running_service: RunningService, clean_engine: Engine) -> Iterator[httpx.Client]:
    """An HTTP client on the running service; the warehouse is emptied first."""
    with httpx.Client(base_url=running_service.url, timeout=10.0) as client:
        yield client


def post_delivery(http: httpx.Client, event: str, body: Any) -> httpx.Response:
    """POST a delivery (a dict is JSON-encoded; bytes are sent as they are)."""
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return http.post(
        f"/webhooks/lever/{event}",
        content=content,
        headers={"Content-Type": "application/json", "User-Agent": "Lever-Webhooks"},
    )
