"""The API key never shows: not in errors, reprs or log lines (DEBUG included), and timeouts retry."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverAuthError, LeverTransportError, error_for_status
from lever_pipeline.lever.ratelimit import RateLimiter

KEY = "sk-live-0123456789abcdef"


def _secrets(key: str) -> list[str]:
    return [key, base64.b64encode(f"{key}:".encode()).decode()]


def test_redaction_bad_key_never_in_error_repr_or_logs(sandbox, caplog: pytest.LogCaptureFixture) -> None:
    sandbox.reset()
    caplog.set_level(logging.DEBUG)

    async def go() -> LeverClient:
        async with LeverClient(KEY, sandbox.base_url, limiter=RateLimiter(100)) as client:
            with pytest.raises(LeverAuthError) as err:
                await anext(client.paginate("/opportunities", {"email": "jane@example.com"}))
            text = f"{err.value} {err.value!r} {err.value.args} {err.value.__dict__}"
            assert "Check LEVER_API_KEY (and its permissions)" in str(err.value)
            assert err.value.path == "/opportunities" and "jane@example.com" not in text
            for secret in _secrets(KEY):
                assert secret not in text
            return client

    client = asyncio.run(go())
    for secret in _secrets(KEY):
        assert secret not in repr(client) and secret not in repr(client.limiter)
        assert secret not in caplog.text
    assert "authorization" not in caplog.text.lower()
    assert sandbox.stats()["requests_total"] == 1


def test_redaction_error_path_drops_the_query() -> None:
    err = error_for_status("GET", "/opportunities?email=jane@example.com", 400, {"message": "bad email"})
    assert err.path == "/opportunities" and "jane@example.com" not in str(err)
    assert err.lever_message == "bad email" and "bad email" in str(err)


def test_redaction_hang_times_out_and_is_retried(sandbox) -> None:
    sandbox.reset()
    sandbox.faults({"next": 1, "kind": "hang"})

    async def go() -> dict:
        async with LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(100), timeout=0.5) as client:
            assert await client.get("/stages/lead-new") is not None
            return client.stats.as_dict()

    stats = asyncio.run(go())
    assert stats["transport_errors"] == 1 and stats["retries"] == 1


def test_redaction_transport_errors_give_up_typed(sandbox) -> None:
    sandbox.reset()
    sandbox.faults({"next": 2, "kind": "drop"})

    async def go() -> None:
        async with LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(100), max_attempts=2) as client:
            await client.get("/stages")

    with pytest.raises(LeverTransportError, match="after 2 attempts"):
        asyncio.run(go())
