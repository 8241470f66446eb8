"""The Lever client of this deployment: credential and base URL from the settings, the shared limiter always.

The credential is LEVER_API_KEY, a key stored encrypted in the warehouse, or OAuth tokens
kept there and refreshed by one process at a time (`account/oauth_tokens.py`); the limiter
is adaptive by default, rising towards LEVER_RATE_LIMIT_PER_SECOND and halving on a 429.

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

from lever_pipeline.account import credentials
from lever_pipeline.account.call_metrics import CallRecorder, MinuteFlusher, RecordingTransport
from lever_pipeline.account.credentials import CredentialsError, SecretBox
from lever_pipeline.account.guard import LOOPBACK_HOSTS, LeverAccount, ensure_account
from lever_pipeline.account.oauth_tokens import WarehouseTokens
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.oauth import BearerAuth
from lever_pipeline.lever.ratelimit import RateLimiter
from lever_pipeline.settings import Settings
from lever_pipeline.warehouse.ratelimit_store import shared_limiter

#: The bundled sandbox's key. It is public (the sandbox accepts nothing else by default),
#: so it is the key used whenever LEVER_API_KEY is unset.
SANDBOX_API_KEY = "sandbox-key"


def api_key(settings: Settings) -> str:
    """The key requests are sent with: LEVER_API_KEY, or the sandbox's public key when it is unset."""
    return settings.lever_api_key.get_secret_value() if settings.lever_api_key else SANDBOX_API_KEY


STORED_API_KEY = "api_key"


def credential_of(settings: Settings, engine: Engine | None = None) -> str:
    """What names this deployment's credential to the limiter and the account guard (never sent anywhere).

    The key itself for api_key and the sandbox, the stored key for stored_key (read from the
    warehouse, so `engine` is needed), and `oauth:<client id>` for OAuth: every token of one
    client draws on one bucket, as Lever counts them.
    """
    mode = settings.auth_mode
    if mode == "oauth":
        return f"oauth:{settings.lever_oauth_client_id}"
    if mode == "stored_key":
        if engine is None:
            raise CredentialsError("LEVER_AUTH_MODE=stored_key reads the key from the warehouse; none is connected.")
        box = SecretBox.from_settings(settings)
        with engine.connect() as conn:
            stored = credentials.load(conn, box, STORED_API_KEY)
        if stored is None:
            raise CredentialsError(
                "LEVER_AUTH_MODE=stored_key but no key is stored: run `lever-pipeline auth store-key` first."
            )
        return str(stored.secret["key"])
    return api_key(settings)


def request_auth(settings: Settings, engine: Engine, credential: str) -> httpx.Auth:
    """How the client authenticates: Basic with the key, or Bearer tokens refreshed in the warehouse."""
    if settings.auth_mode == "oauth":
        return BearerAuth(WarehouseTokens(settings, engine))
    return httpx.BasicAuth(credential, "")


def limiter_for(
    settings: Settings, engine: Engine, credential: str, *, requests_per_second: float | None, burst: int | None
) -> RateLimiter:
    """The key's shared limiter: adaptive between the floor and LEVER_RATE_LIMIT_PER_SECOND by default.

    A caller naming its own pace (`requests_per_second`) gets that pace fixed, as does
    LEVER_RATE_LIMIT_ADAPTIVE=false. The adaptive rate starts a new key at 0.8 x the ceiling
    (8/s for Lever's 10: the old fixed default, never a 429 on its own) and may halve to the
    floor (LEVER_RATE_LIMIT_FLOOR, a quarter of the ceiling unless set) when another client
    takes part of the key's budget.
    """
    size = burst or settings.lever_rate_limit_burst
    if requests_per_second is not None or not settings.lever_rate_limit_adaptive:
        rate = requests_per_second or settings.lever_rate_limit_per_second
        return shared_limiter(engine, credential, rate=rate, burst=size)
    ceiling = settings.lever_rate_limit_per_second
    floor = min(ceiling, settings.lever_rate_limit_floor or ceiling / 4)
    return shared_limiter(engine, credential, rate=ceiling, burst=size, adaptive=True, floor=floor, start=0.8 * ceiling)


def lever_account_of(
    settings: Settings, base_url: str | None = None, credential: str | None = None
) -> LeverAccount | None:
    """The account a client for these settings (and optional API root) reads, as the warehouse names it.

    None for the sandbox's public key sent to a Lever that is not on this machine (no
    LEVER_API_KEY, no local LEVER_BASE_URL): every request is refused there, so no row of
    any account can come from such a client, and recording it would only block the real one.
    None too for a stored key not yet read (`credential`, from `credential_of` with the warehouse).
    """
    root = base_url or settings.base_url
    if settings.uses_sandbox and urlsplit(root).hostname not in LOOPBACK_HOSTS:
        return None
    if credential is None and settings.auth_mode == "stored_key":
        return None
    return LeverAccount.of(root, credential or credential_of(settings), settings.lever_sandbox_account)


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
    root = base_url or settings.base_url
    credential = credential_of(settings, engine)
    account = lever_account_of(settings, root, credential)
    if account is not None:
        ensure_account(engine, account)
    limiter = limiter_for(settings, engine, credential, requests_per_second=requests_per_second, burst=burst)
    # Given a transport, httpx ignores the client's own limits: the pool is sized here instead.
    pool = httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency)
    transport = RecordingTransport(httpx.AsyncHTTPTransport(limits=pool), CallRecorder(), urlsplit(root).path)
    flusher = MinuteFlusher(transport.recorder, engine)
    try:
        async with LeverClient(
            request_auth(settings, engine, credential),
            root,
            limiter=limiter,
            max_concurrency=max_concurrency,
            timeout=timeout,
            transport=transport,
        ) as client:
            transport.watch(client.stats)
            yield client
    finally:
        await asyncio.to_thread(flusher.close)
