"""The sandbox as one raw ASGI application: /v1 (Lever), Lever's OAuth endpoints (/authorize,
/oauth/token, see oauth.py), /_sandbox (control), lifespan.

Every /v1 request goes through the same pipeline, in Lever's plausible order: count it,
authenticate (401: the API key in Basic auth, or an OAuth access token as Bearer),
rate-limit per key or per OAuth client (429), route (404), check the Bearer token's scope
(403), inject a fault if one is due, run the handler, then add latency without blocking the
loop. Plain ASGI rather than a framework keeps a 100-item page at a bytes join plus two
`send` calls.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.errors import ApiError
from lever_pipeline.sandbox.faults import Fault
from lever_pipeline.sandbox.http import Request, Response, Router, error_response
from lever_pipeline.sandbox.oauth import OAuthServer, allows, required_scope
from lever_pipeline.sandbox.routes import control, reads, writes
from lever_pipeline.sandbox.state import SandboxState
from lever_pipeline.sandbox.stats import Stats
from lever_pipeline.sandbox.store import Store

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

# Lever's recorded responses carry this header; clients may log it.
BASE_HEADERS = [(b"x-lever-region", b"global")]
#: Lever's OAuth endpoints (auth.lever.co), served at the sandbox's root, and their one method.
OAUTH_PATHS = {"/authorize": "GET", "/oauth/token": "POST"}


class SandboxApp:
    """The ASGI callable serving one sandbox's state (`state`) over /v1 and /_sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState(config)
        self.api = Router()
        reads.register(self.api, self.state.store)
        writes.register(self.api, self.state.store)
        self.oauth = OAuthServer(config, lambda: self.state.stats)
        self.control = Router()
        control.register(self.control, self.state, self.oauth)
        self._auth_ok = {b"Basic " + base64.b64encode(f"{config.api_key}:".encode())}
        self._activity: asyncio.Task | None = None

    @property
    def store(self) -> Store:
        """The account being served (tests read generated objects from it)."""
        return self.state.store

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path: str = scope["path"]
            if path.startswith("/v1/"):
                await self._api(scope, receive, send)
            elif path.startswith("/_sandbox/"):
                await self._control(scope, receive, send)
            elif path in OAUTH_PATHS:
                await self._oauth(scope, receive, send)
            else:
                await _send(send, Response(404, ApiError(404, f"No such path {path}", "NotFoundError").body()))
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await self.state.webhooks.start()
                if self.config.activity > 0:
                    self._activity = asyncio.create_task(self.state.run_activity())
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                if self._activity is not None:
                    self._activity.cancel()
                    await asyncio.gather(self._activity, return_exceptions=True)
                await self.state.webhooks.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        route, params, _ = self.control.match(scope["method"], scope["path"])
        if route is None:
            await _send(send, Response(404, ApiError(404, f"No such path {scope['path']}", "NotFoundError").body()))
            return
        req = Request(scope, receive)
        req.params = params
        try:
            resp = await route.handler(req)
        except ApiError as err:
            resp = error_response(err)
        await _send(send, resp)

    async def _oauth(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        allowed = OAUTH_PATHS[path]
        if scope["method"] != allowed:
            err = ApiError(405, f"{path} answers {allowed} only", "MethodNotAllowed")
            await _send(send, Response(405, err.body(), [(b"allow", allowed.encode())]))
            return
        req = Request(scope, receive)
        if path == "/authorize":
            resp = self.oauth.authorize(req.raw_query, _root(scope))
        else:
            body = await req.body()
            resp = self.oauth.token(body, req.header(b"content-type"), req.header(b"authorization"))
        await _send(send, resp)

    def _authenticate(self, header: bytes | None) -> str | None:
        """The API key from Basic auth, or None. The password is ignored (Lever's is empty)."""
        if header is None:
            return None
        if header in self._auth_ok:
            return self.config.api_key
        scheme, _, value = header.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            user = base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user if user == self.config.api_key else None

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        route, params, template = self.api.match(method, path)
        # Counted on the stats object current at arrival, even if a reset swaps it meanwhile.
        stats = self.state.stats
        stats.request(template or "(unknown path)")
        refused = self._refuse(scope, stats, method, path, template if route is not None else None)
        if refused is not None:
            await _send(send, refused)
            return
        assert route is not None
        fault = self.state.faults.decide(method, path, route.write is not None)
        if fault is not None:
            stats.faults_injected[fault.label] += 1
            if fault.kind == "status":
                await _send(send, _fault_response(fault))
                return
            if fault.kind == "hang":
                await self._hang(receive)
                await _drop(send, receive)
                return
            if fault.kind == "drop":
                await _drop(send, receive)
                return
        req = Request(scope, receive)
        req.params = params
        req.root = _root(scope)
        try:
            resp = await route.handler(req)
        except ApiError as err:
            resp = error_response(err)
        except Exception:
            log.exception("sandbox handler failed on %s %s", method, template)
            resp = error_response(ApiError(500, "Internal server error"))
        if route.write is not None and 200 <= resp.status < 300:
            stats.writes[route.write] += 1
        if fault is not None and fault.kind == "commit-then-500":
            resp = error_response(ApiError(500, "Internal server error"))
        await self._delay(resp)
        await _send(send, resp)

    def _refuse(self, scope: Scope, stats: Stats, method: str, path: str, template: str | None) -> Response | None:
        """The 401, 429, 404 or 403 (in that order) for a request that may not reach a handler,
        else None. `template` is the matched route's, None when no route matched."""
        auth = None
        for k, v in scope["headers"]:
            if k == b"authorization":
                auth = v
                break
        grant = None
        if auth is not None and auth[:7].lower() == b"bearer ":
            try:
                grant = self.oauth.bearer(auth[7:].strip().decode("latin-1"))
            except ApiError as err:
                stats.unauthorized_401 += 1
                return Response(
                    401, err.body(), [(b"www-authenticate", b'Bearer realm="Lever", error="invalid_token"')]
                )
            # All tokens of one OAuth client share its bucket, as a key's requests share the key's.
            key = f"oauth:{grant.client_id}"
        else:
            key = self._authenticate(auth)
            if key is None:
                stats.unauthorized_401 += 1
                err = ApiError(
                    401, "Missing or invalid API key: send it as the Basic auth username with an empty password"
                )
                return Response(401, err.body(), [(b"www-authenticate", b'Basic realm="Lever"')])
        stats.requests_by_key[key] += 1
        wait = self.state.limiter.check(key)
        if wait:
            stats.rate_limited_429 += 1
            headers = (
                [(b"retry-after", str(max(1, math.ceil(wait))).encode())] if self.config.retry_after_header else []
            )
            who = "OAuth client" if grant is not None else "API key"
            err = ApiError(429, f"Too many requests: the rate limit for this {who} was exceeded")
            return Response(429, err.body(), headers)
        if template is None:
            return Response(404, ApiError(404, f"No such path: {method} {path}", "NotFoundError").body())
        if grant is not None:
            needed = required_scope(method, template)
            if not allows(grant.scopes, needed):
                stats.oauth_scope_403 += 1
                message = f"The access token lacks the scope {needed}, which {method} {template} needs"
                return Response(403, ApiError(403, message).body())
        return None

    async def _delay(self, resp: Response) -> None:
        """The configured latency, without blocking the loop: jitter ±25%, and a little more for
        larger pages (~+25% per 100 KB)."""
        latency = self.config.latency_ms
        if latency > 0:
            ms = latency * (0.75 + 0.5 * self.state.latency_rng.random()) * (1 + len(resp.body) / 400_000)
            await asyncio.sleep(ms / 1000)

    async def _hang(self, receive: Receive) -> None:
        """Hold the request until the client gives up (or `hang_s` passes)."""

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(disconnected(), self.config.hang_s)


def _root(scope: Scope) -> str:
    for k, v in scope["headers"]:
        if k == b"host":
            return f"{scope.get('scheme', 'http')}://{v.decode('latin-1')}"
    host, port = scope.get("server") or ("127.0.0.1", 80)
    return f"{scope.get('scheme', 'http')}://{host}:{port}"


def _fault_response(fault: Fault) -> Response:
    headers = [] if fault.retry_after is None else [(b"retry-after", str(math.ceil(fault.retry_after)).encode())]
    messages = {
        429: "Too many requests: the rate limit for this API key was exceeded",
        503: "Service unavailable: Lever is down for maintenance, retry with backoff",
    }
    err = ApiError(fault.status, messages.get(fault.status, "Internal server error"))
    return Response(fault.status, err.body(), headers)


async def _send(send: Send, resp: Response) -> None:
    headers = [(b"content-length", str(len(resp.body)).encode()), *BASE_HEADERS, *resp.headers]
    if resp.content_type is not None:
        headers.append((b"content-type", resp.content_type))
    await send({"type": "http.response.start", "status": resp.status, "headers": headers})
    await send({"type": "http.response.body", "body": resp.body})


async def _drop(send: Send, receive: Receive) -> None:
    """Close the connection without answering (a dropped connection, as a client sees it).

    ASGI has no verb for this; uvicorn's `send` is a bound method of the request cycle,
    whose transport we close. Then wait for uvicorn to notice, so it does not answer 500.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("cannot drop the connection on this server")
    transport.close()
    while (await receive())["type"] != "http.disconnect":
        pass
