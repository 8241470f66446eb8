"""A Slack Web API stand-in: `chat.postMessage` and `chat.update`, and signed interactions sent back.

No Slack is reachable here, so the official client (`slack_sdk.WebClient`) is pointed at this
server through its `base_url` (`<root>/api/`). Both methods answer as Slack does: HTTP 200
with `{"ok": true, ...}`, or `{"ok": false, "error": "<code>"}` with Slack's codes
(`not_authed`, `invalid_auth`, `channel_not_found`, `no_text`, `message_not_found`,
`unknown_method`). Messages are kept in memory and listed at `GET /_slack/messages`.
`interact` plays a user pressing a button: it signs the payload as Slack does (v0 HMAC-SHA256
of `v0:timestamp:body` with the signing secret) and posts it to the service's URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CHANNEL_PREFIXES = ("C", "G", "D")


@dataclass
class SlackState:
    """Messages by (channel, ts), in the order posted."""

    token: str
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    calls: dict[str, int] = field(default_factory=dict)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}


def _error(code: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": code})


def build_slack_app(token: str) -> Starlette:
    """The stand-in's ASGI app, accepting `token` as the bot token."""
    state = SlackState(token)

    def _auth(request: Request, body: dict[str, Any]) -> str | None:
        header = request.headers.get("authorization", "")
        given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else body.get("token")
        if not given:
            return "not_authed"
        return None if hmac.compare_digest(str(given), state.token) else "invalid_auth"

    async def api(request: Request) -> JSONResponse:
        method = request.path_params["method"]
        state.calls[method] = state.calls.get(method, 0) + 1
        body = await _body(request)
        if method not in ("chat.postMessage", "chat.update"):
            return _error("unknown_method")
        if (problem := _auth(request, body)) is not None:
            return _error(problem)
        channel = str(body.get("channel") or "")
        if not channel.startswith(CHANNEL_PREFIXES):
            return _error("channel_not_found")
        text, blocks = body.get("text"), body.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not text and not blocks:
            return _error("no_text")
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(state.counter):06d}"
            message = {"type": "message", "text": text or "", "blocks": blocks or [], "ts": ts, "bot_id": "B0STANDIN"}
            state.messages[(channel, ts)] = message
            return JSONResponse({"ok": True, "channel": channel, "ts": ts, "message": message})
        ts = str(body.get("ts") or "")
        if (channel, ts) not in state.messages:
            return _error("message_not_found")
        message = {**state.messages[(channel, ts)], "text": text or "", "blocks": blocks or [], "edited": True}
        state.messages[(channel, ts)] = message
        return JSONResponse({"ok": True, "channel": channel, "ts": ts, "text": text or "", "message": message})

    async def messages(request: Request) -> JSONResponse:
        listed = [{"channel": c, **m} for (c, _), m in state.messages.items()]
        return JSONResponse({"messages": listed, "calls": state.calls})

    return Starlette(
        routes=[
            Route("/api/{method}", api, methods=["POST", "GET"]),
            Route("/_slack/messages", messages, methods=["GET"]),
        ]
    )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Slack's v0 signature of a request body."""
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class RunningSlack:
    """A stand-in serving on a socket."""

    root_url: str
    token: str

    @property
    def base_url(self) -> str:
        """The `base_url` to give `slack_sdk.WebClient`."""
        return self.root_url + "/api/"

    def messages(self) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.root_url}/_slack/messages", timeout=30.0)
        r.raise_for_status()
        return r.json()["messages"]

    @staticmethod
    def interact(
        url: str, secret: str, payload: dict[str, Any], *, timestamp: int | None = None, headers: dict | None = None
    ) -> httpx.Response:
        """POST a block-actions payload to `url` as Slack does: form-encoded `payload=`, signed with `secret`."""
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        ts = int(time.time()) if timestamp is None else timestamp
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(secret, ts, body),
            **(headers or {}),
        }
        return httpx.post(url, content=body, headers=sent, timeout=30.0)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    def install_signal_handlers(self) -> None:  # the host process owns signals
        pass


@contextlib.contextmanager
def run_slack_in_thread(token: str, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningSlack]:
    """Serve the stand-in on `host:port` (0: a free port) in a daemon thread until the block ends."""
    config = uvicorn.Config(build_slack_app(token), host=host, port=port, access_log=False, log_level="warning")
    server = _Server(config)
    thread = threading.Thread(target=server.run, name="slack-stand-in", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.ready.wait(0.05):
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the Slack stand-in failed to start on {host}:{port}")
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield RunningSlack(f"http://{host}:{bound[1]}", token)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
