"""The client against the sandbox over a real socket: paging, retries, errors, redaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverAuthError, LeverServerError, LeverValidationError
from lever_pipeline.lever.opportunities import get_opportunity, opportunity_pages
from lever_pipeline.lever.ratelimit import RateLimiter


def client_for(sandbox, *, rate: float = 200, **kwargs) -> LeverClient:
    """A client on an in-process limiter: these tests are about one client, not the shared budget."""
    return LeverClient(sandbox.api_key, sandbox.base_url, limiter=RateLimiter(rate, 20), **kwargs)


async def _all(client: LeverClient, path: str, params=None) -> list[dict]:
    return [row async for page in client.paginate(path, params) for row in page]


def test_client_paginates_to_the_end_without_duplicates(sandbox) -> None:
    sandbox.reset()

    async def go() -> list[dict]:
        async with client_for(sandbox) as client:
            return await _all(client, "/opportunities", {"limit": 7})

    rows = asyncio.run(go())
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == sandbox.stats()["dataset"]["opportunities"]


def test_client_windowed_paging_equals_sequential(sandbox_factory) -> None:
    with sandbox_factory(opportunities=1200, latency_ms=40) as sb:

        async def go() -> tuple[list[str], list[str], int]:
            async with client_for(sb) as client:
                sequential = [r["id"] for r in await _all(client, "/opportunities", {"confidentiality": "all"})]
                before = client.stats.requests
                windowed = [r["id"] async for page in opportunity_pages(client) for r in page]
                return sequential, windowed, client.stats.requests - before

        sequential, windowed, requests = asyncio.run(go())
    assert len(windowed) == len(set(windowed))
    assert sorted(windowed) == sorted(sequential)
    # 200/s x ~40 ms wants a few windows; each costs at most one partial page
    assert requests <= len(sequential) // 100 + 1 + 8


@pytest.mark.parametrize("rows_wanted", [150, 60])
def test_client_windowed_paging_of_a_short_list_costs_the_sequential_minimum(sandbox_factory, rows_wanted) -> None:
    """An incremental sync's few changed rows: two pages' worth is two requests, not a split's three."""
    with sandbox_factory(opportunities=400, latency_ms=40) as sb:

        async def go() -> tuple[int, int]:
            async with client_for(sb) as client:
                everything = await _all(client, "/opportunities")
                stamp = sorted(r["updatedAt"] for r in everything)[-rows_wanted]
                since = datetime.fromtimestamp(stamp / 1000, tz=UTC)
                before = client.stats.requests
                seen = [r["id"] async for page in opportunity_pages(client, updated_since=since) for r in page]
                return len(set(seen)), client.stats.requests - before

        distinct, requests = asyncio.run(go())
    assert distinct >= rows_wanted
    assert requests == -(-distinct // 100)  # ceil: what following the tokens costs


def test_client_bad_key_raises_auth_error_after_one_request(sandbox) -> None:
    sandbox.reset()

    async def go() -> None:
        async with LeverClient("not-the-key-42", sandbox.base_url, limiter=RateLimiter(100)) as client:
            await client.get("/stages")

    with pytest.raises(LeverAuthError) as err:
        asyncio.run(go())
    assert "LEVER_API_KEY" in str(err.value) and "401" in str(err.value)
    assert "not-the-key-42" not in str(err.value) and "not-the-key-42" not in repr(err.value)
    assert sandbox.stats()["requests_total"] == 1


@pytest.mark.parametrize("retry_after", [0, None])
def test_client_retries_429_with_and_without_retry_after(sandbox, retry_after) -> None:
    sandbox.reset()
    spec = {"next": 2, "status": 429}
    if retry_after is not None:
        spec["retry_after"] = retry_after
    sandbox.faults(spec)

    async def go() -> tuple[list, dict]:
        async with client_for(sandbox) as client:
            rows = await _all(client, "/stages")
            return rows, client.stats.as_dict()

    rows, stats = asyncio.run(go())
    assert len(rows) == sandbox.stats()["dataset"]["stages"]
    assert stats["rate_limited_429"] == 2 and stats["retries"] == 2


def test_client_retries_5xx_drops_and_hangs(sandbox) -> None:
    sandbox.reset()
    sandbox.faults({"next": 1, "kind": "500"}, {"next": 1, "kind": "503"}, {"next": 1, "kind": "drop"})

    async def go() -> dict:
        async with client_for(sandbox, timeout=1.0) as client:
            await client.get("/stages/lead-new")
            return client.stats.as_dict()

    stats = asyncio.run(go())
    assert stats["retries"] == 3 and stats["server_errors"] == 2 and stats["transport_errors"] == 1


def test_client_gives_up_with_typed_error(sandbox) -> None:
    sandbox.reset()
    sandbox.faults({"next": 3, "status": 500})

    async def go() -> None:
        async with client_for(sandbox, max_attempts=3) as client:
            await client.get("/stages")

    with pytest.raises(LeverServerError, match="after every retry"):
        asyncio.run(go())


def test_client_attempts_override_holds_for_that_call_only(sandbox) -> None:
    """One call capped at a single attempt (as a write is) while another, at once, keeps the default."""
    sandbox.reset()
    sandbox.faults({"next": 3, "status": 500})

    async def go() -> tuple[object, object, dict]:
        async with client_for(sandbox) as client:
            capped, default = await asyncio.gather(
                client.get("/stages/lead-new", attempts=1), client.get("/stages/lead-new"), return_exceptions=True
            )
            return capped, default, client.stats.as_dict()

    capped, default, stats = asyncio.run(go())
    assert isinstance(capped, LeverServerError)
    assert isinstance(default, dict) and default["id"] == "lead-new"
    assert stats["server_errors"] == 3 and stats["requests"] == 4


def test_client_404_is_none_and_400_carries_levers_message(sandbox) -> None:
    sandbox.reset()

    async def go() -> None:
        async with client_for(sandbox) as client:
            assert await get_opportunity(client, "00000000-0000-0000-0000-000000000000") is None
            with pytest.raises(LeverValidationError) as err:
                await client.get("/opportunities", {"limit": 500})
            assert "limit" in (err.value.lever_message or "")

    asyncio.run(go())


def test_a_response_is_freed_when_its_reader_drops_it_without_waiting_for_the_garbage_collector(sandbox) -> None:
    import gc
    import weakref

    async def go() -> weakref.ref:
        async with client_for(sandbox) as client:
            response = await client.request("GET", "/opportunities", params={"limit": 100})
            assert response.content
            seen = weakref.ref(response)
            del response
            return seen

    gc.disable()  # only reference counting may free it: no cycle may hold the page
    try:
        seen = asyncio.run(go())
    finally:
        gc.enable()
    assert seen() is None
