"""The HTTP core every Lever API area goes through.

Basic auth with the key as username (or any httpx auth: OAuth's Bearer tokens), the shared
rate limiter before every attempt, bounded concurrency, tenacity retries, typed errors, and Lever's list envelope turned
into a stream of pages. Requests are logged without headers or query strings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import orjson
from tenacity import AsyncRetrying

from lever_pipeline.lever import retry
from lever_pipeline.lever.errors import (
    LeverError,
    LeverNotFound,
    LeverTransportError,
    error_for_status,
)
from lever_pipeline.lever.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

Params = Mapping[str, str | int | bool | Sequence[str] | None]
_READ = httpx.ByteStream(b"")  # what a response's stream becomes once its body is read


@dataclass
class ClientStats:
    """Running counters of one client; the sync turns their deltas into metadata."""

    requests: int = 0
    retries: int = 0
    rate_limited_429: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    pages: int = 0
    bytes: int = 0
    throttled_s: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _query(params: Params | None) -> list[tuple[str, str]]:
    """Lever repeats a parameter for a union (`tag=a&tag=b`); None values are left out."""
    items: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            items.append((key, "true" if value else "false"))
        elif isinstance(value, str | int):
            items.append((key, str(value)))
        else:
            items.extend((key, str(v)) for v in value)
    return items


class LeverClient:
    """An async client for one Lever API key (`auth`: the key, or an `httpx.Auth`). Use as `async with`.

    The limiter is required: production clients come from `account.client.open_lever_client`,
    whose limiter is the bucket every process using the key shares.
    """

    def __init__(
        self,
        auth: str | httpx.Auth,
        base_url: str,
        *,
        limiter: RateLimiter,
        max_concurrency: int = 16,
        timeout: float = 30.0,
        max_attempts: int = 6,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.max_attempts = max_attempts
        self.stats = ClientStats()
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=httpx.BasicAuth(auth, "") if isinstance(auth, str) else auth,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
            headers={"User-Agent": "lever-pipeline", "Accept": "application/json"},
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"LeverClient(base_url={self.base_url!r}, limiter={self.limiter!r})"

    async def __aenter__(self) -> LeverClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: object = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        data: Mapping[str, str] | None = None,
        attempts: int | None = None,
    ) -> httpx.Response:
        """One call with limiter, retries and error mapping; returns the 2xx response.

        `attempts` caps the tries of this call only (the client's `max_attempts` otherwise):
        a write that may already have landed passes 1, so it is never resent blindly.
        Raises a `LeverError` subclass for any other outcome (404 included).
        """
        tries = attempts if attempts is not None else self.max_attempts
        query = _query(params)
        content = orjson.dumps(json) if json is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            async for attempt in AsyncRetrying(**retry.policy(tries)):
                with attempt:
                    if attempt.retry_state.attempt_number > 1:
                        self.stats.retries += 1
                    response = await self._send(method, path, query, content, headers, files, data)
        except retry.RetryableResponse as err:
            raise _error(method, path, err.response) from None
        except httpx.TransportError as err:
            raise LeverTransportError(
                f"No answer from Lever on {method} {path} after {tries} attempts ({type(err).__name__}).",
                method=method,
                path=path,
            ) from None
        return response

    async def _send(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        content: bytes | None,
        headers: dict[str, str] | None,
        files: Mapping[str, tuple[str, bytes, str]] | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        async with self._semaphore:
            self.stats.throttled_s += await self.limiter.acquire()
            self.stats.requests += 1
            try:
                response = await self._http.request(
                    method, path, params=query, content=content, headers=headers, files=files, data=data
                )
            except httpx.TransportError:
                self.stats.transport_errors += 1
                raise
        # The body is read; httpx's stream wrapper and the response point at each other (a
        # cycle), which would keep every page alive until a full garbage collection.
        response.stream = _READ
        self.stats.bytes += len(response.content)
        await self.limiter.feedback(rate_limited=response.status_code == 429)
        if response.status_code >= 300:
            logger.debug("%s %s -> %d", method, path, response.status_code)
        if response.status_code in retry.RETRYABLE_STATUS:
            if response.status_code == 429:
                self.stats.rate_limited_429 += 1
            else:
                self.stats.server_errors += 1
            raise retry.RetryableResponse(response)
        if response.status_code >= 300:
            raise _error(method, path, response)
        return response

    async def get(
        self, path: str, params: Params | None = None, *, attempts: int | None = None
    ) -> dict[str, Any] | None:
        """The object in `data`, or None when Lever answers 404."""
        try:
            response = await self.request("GET", path, params=params, attempts=attempts)
        except LeverNotFound:
            return None
        return orjson.loads(response.content).get("data")

    async def paginate(self, path: str, params: Params | None = None, *, limit: int = 100) -> AsyncIterator[list[dict]]:
        """Yield each page's objects, following Lever's opaque `next` token unchanged."""
        async for page, _ in self.pages(path, params, limit=limit):
            yield page

    async def pages(
        self, path: str, params: Params | None = None, *, limit: int = 100, offset: str | None = None
    ) -> AsyncIterator[tuple[list[dict], str | None]]:
        """Like `paginate`, also yielding the token of the page after each (None at the end)."""
        base = dict(params or {})
        base["limit"] = limit
        while True:
            query = {**base, "offset": offset} if offset else base
            response = await self.request("GET", path, params=query)
            body = orjson.loads(response.content)
            self.stats.pages += 1
            data = body.get("data") or []
            logger.debug(
                "page of %s: %d objects, %d bytes, more=%s",
                path,
                len(data),
                len(response.content),
                bool(body.get("hasNext")),
            )
            # Some lists (/webhooks) carry no hasNext at all: that means one page.
            offset = body.get("next") if body.get("hasNext") else None
            yield data, offset
            if not offset:
                return

    async def write(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        perform_as: str | None = None,
        params: Params | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        attempts: int | None = None,
    ) -> dict[str, Any] | None:
        """A write; `perform_as` is always a query parameter. Returns `data` (None for 204)."""
        query = {**(params or {}), "perform_as": perform_as}
        response = await self.request(method, path, params=query, json=json, files=files, attempts=attempts)
        if response.status_code == 204 or not response.content:
            return None
        body = orjson.loads(response.content)
        return body.get("data") if isinstance(body, dict) else None

    async def post(self, path: str, json: object = None, **kwargs: Any) -> dict[str, Any] | None:
        return await self.write("POST", path, json=json, **kwargs)

    async def put(self, path: str, json: object = None, **kwargs: Any) -> dict[str, Any] | None:
        return await self.write("PUT", path, json=json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> dict[str, Any] | None:
        return await self.write("DELETE", path, **kwargs)

    async def download(self, path: str, params: Params | None = None) -> bytes:
        """Raw bytes of a file, resume or offer download."""
        return (await self.request("GET", path, params=params)).content


def _error(method: str, path: str, response: httpx.Response) -> LeverError:
    request_id = response.headers.get("x-request-id") or response.headers.get("x-amzn-requestid")
    return error_for_status(method, path, response.status_code, _body(response), request_id=request_id)


def _body(response: httpx.Response) -> object:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


__all__ = ["ClientStats", "LeverClient", "LeverError"]
