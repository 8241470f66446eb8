"""The Lever client of this deployment: key and base URL from the settings, the shared limiter always.

Dagster resources, the service and the CLI all open their client here, so every process
using one key draws on the one bucket in the warehouse and never exceeds Lever's budget
together, the sandbox fallback (no `LEVER_API_KEY`) behaves the same everywhere, and no
client is ever opened on a warehouse that mirrors another account (`account/guard.py`).
Every client's requests are counted per minute, endpoint family and outcome into the
warehouse (`account/call_metrics.py`), which is what `/ops`, `/metrics` and the health checks read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from lever_pipeline.account.call_metrics import CallRecorder, MinuteFlusher, RecordingTransport
from lever_pipeline.account.guard import LOOPBACK_HOSTS, LeverAccount, ensure_account
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.settings import Settings
from lever_pipeline.warehouse.ratelimit_store import shared_limiter

#: The bundled sandbox's key. It is public (the sandbox accepts nothing else by default),
#: so it is the key used whenever LEVER_API_KEY is unset.
SANDBOX_API_KEY = "sandbox-key"


def api_key(settings: Settings) -> str:
    """The key requests are sent with: LEVER_API_KEY, or the sandbox's public key when it is unset."""
    return settings.lever_api_key.get_secret_value() if settings.lever_api_key else SANDBOX_API_KEY


def lever_account_of(settings: Settings, base_url: str | None = None) -> LeverAccount | None:
    """The account a client for these settings (and optional API root) reads, as the warehouse names it.

    None for the sandbox's public key sent to a Lever that is not on this machine (no
    LEVER_API_KEY, no local LEVER_BASE_URL): every request is refused there, so no row of
    any account can come from such a client, and recording it would only block the real one.
    """
    root = base_url or settings.base_url
    if settings.lever_api_key is None and urlsplit(root).hostname not in LOOPBACK_HOSTS:
        return None
    return LeverAccount.of(root, api_key(settings), settings.lever_sandbox_account)


@asynccontextmanager
async def open_lever_client(
    settings: Settings,
    engine: Engine,
    *,
    base_url: str | None = None,
    requests_per_second: float | None = None,
    burst: int | None = None,
    max_concurrency: int = 16,
    timeout: float = 30.0,
) -> AsyncIterator[LeverClient]:
    """A client for the settings' account, rate-limited by the bucket in `engine`'s database.

    `base_url` replaces the settings' API root (a sandbox started for this run); the key
    is still the settings' choice. Rate and burst default to LEVER_RATE_LIMIT_PER_SECOND
    and LEVER_RATE_LIMIT_BURST; an override changes the pace this client asks for, never
    the bucket it draws on (the key's).

    Raises `AccountMismatch` before anything is sent when the warehouse mirrors another
    account; the first client on a warehouse records its account.
    """
    key = api_key(settings)
    root = base_url or settings.base_url
    account = lever_account_of(settings, root)
    if account is not None:
        ensure_account(engine, account)
    rate = requests_per_second or settings.lever_rate_limit_per_second
    limiter = shared_limiter(engine, key, rate=rate, burst=burst or settings.lever_rate_limit_burst)
    # Given a transport, httpx ignores the client's own limits: the pool is sized here instead.
    pool = httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency)
    transport = RecordingTransport(httpx.AsyncHTTPTransport(limits=pool), CallRecorder(), urlsplit(root).path)
    flusher = MinuteFlusher(transport.recorder, engine)
    try:
        async with LeverClient(
            key, root, limiter=limiter, max_concurrency=max_concurrency, timeout=timeout, transport=transport
        ) as client:
            transport.watch(client.stats)
            yield client
    finally:
        await asyncio.to_thread(flusher.close)
