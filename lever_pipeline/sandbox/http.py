"""A minimal request/response layer over raw ASGI, and a path-template router.

The sandbox serves list pages at thousands per second, so the hot path avoids framework
validation and per-request object graphs: a request is a few slots, a response is status,
bytes and headers, and routing is a dict lookup by (method, segment count).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from lever_pipeline.sandbox.errors import ApiError, bad_request
from lever_pipeline.sandbox.params import Query, parse_query

JSON = b"application/json; charset=utf-8"


class Request:
    """One HTTP request as the handlers see it."""

    __slots__ = ("_body", "headers", "method", "params", "path", "query", "raw_query", "receive", "root", "scope")

    def __init__(self, scope: dict, receive: Callable[[], Awaitable[dict]]) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.raw_query: bytes = scope.get("query_string", b"")
        self.query: Query = parse_query(self.raw_query)
        self.headers: list[tuple[bytes, bytes]] = scope["headers"]
        self.params: dict[str, str] = {}
        self._body: bytes | None = None
        self.root = ""

    def header(self, name: bytes) -> bytes | None:
        for k, v in self.headers:
            if k == name:
                return v
        return None

    async def body(self) -> bytes:
        if self._body is None:
            chunks = []
            while True:
                msg = await self.receive()
                if msg["type"] == "http.disconnect":
                    break
                chunks.append(msg.get("body", b""))
                if not msg.get("more_body"):
                    break
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        """The JSON body; 400 when it is not JSON. An empty body reads as {}."""
        raw = await self.body()
        if not raw.strip():
            return {}
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise bad_request("Request body is not valid JSON") from None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    content_type: bytes | None = JSON


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(status, orjson.dumps(obj))


def data_response(raw: bytes, status: int = 200) -> Response:
    """`{"data": <raw>}` around already-serialized JSON."""
    return Response(status, b'{"data":' + raw + b"}")


def error_response(err: ApiError) -> Response:
    return Response(err.status, err.body())


Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    segments: tuple[str, ...]
    write: str | None  # kind name counted in stats when a write succeeds


class Router:
    """Matches `/v1/opportunities/{id}/feedback`-style templates; literal segments win."""

    def __init__(self) -> None:
        self._table: dict[tuple[str, int], list[Route]] = {}
        self._paths: dict[int, list[tuple[str, ...]]] = {}
        self._literal: dict[tuple[str, str], Route] = {}

    def add(self, method: str, template: str, handler: Handler, write: str | None = None) -> None:
        segs = tuple(template.strip("/").split("/"))
        if not any(s.startswith("{") for s in segs):
            self._literal[(method, template)] = Route(method, template, handler, segs, write)
        routes = self._table.setdefault((method, len(segs)), [])
        routes.append(Route(method, template, handler, segs, write))
        routes.sort(key=lambda r: sum(s.startswith("{") for s in r.segments))
        self._paths.setdefault(len(segs), []).append(segs)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], str | None]:
        """(route, path params, template). Without a route for this method, the template of a
        route for another method is still returned, so stats can name the path."""
        route = self._literal.get((method, path))
        if route is not None:
            return route, {}, route.template
        parts = path.strip("/").split("/")
        for route in self._table.get((method, len(parts)), ()):
            params = _bind(route.segments, parts)
            if params is not None:
                return route, params, route.template
        for segs in self._paths.get(len(parts), ()):
            if _bind(segs, parts) is not None:
                return None, {}, "/" + "/".join(segs)
        return None, {}, None


def _bind(segments: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for s, p in zip(segments, parts, strict=True):
        if s.startswith("{"):
            if not p:
                return None
            params[s[1:-1]] = p
        elif s != p:
            return None
    return params
