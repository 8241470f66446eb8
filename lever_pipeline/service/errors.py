"""The service's one error body, the handlers that produce it, and the safety net for the unexpected.

Every error answer is `ErrorBody`: `detail` (one line: what was wrong and what to do),
`field` when one input is to blame (`path.draft_id`, `query.stage`,
`body.field_values.0.value`, `header.Idempotency-Key`), `errors` listing every problem of
a request that failed validation, and `request_id` on a 500. Validation failures answer
400 (never FastAPI's 422 with its own shape); the OpenAPI schema says so on every route
through `error_responses`.

`SafetyNet` is the outermost handler inside Starlette's: an exception no route expected
becomes a JSON 500 with a request id and `Connection: close` (the server then closes the
connection cleanly instead of dropping it), and is logged once, with its stack but
without exception messages, which can quote SQL parameters and so personal data.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from typing import Any

import orjson
from fastapi import HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lever_pipeline.lever.errors import LeverError

logger = logging.getLogger(__name__)


class ErrorItem(BaseModel):
    """One problem found while validating a request."""

    loc: list[str | int] = Field(description="Where: `path`, `query`, `header` or `body`, then the field's path.")
    msg: str = Field(description="What is wrong with it.")


class ErrorBody(BaseModel):
    """Every error the service answers (the webhook receiver's too)."""

    detail: str = Field(description="One line: what was wrong and what to do.")
    field: str | None = Field(default=None, description="The input to blame, e.g. `path.draft_id`, `query.stage`.")
    errors: list[ErrorItem] | None = Field(default=None, description="Every validation problem (400 only).")
    request_id: str | None = Field(default=None, description="On a 500: quote it; the server's log has the same id.")


class BadInput(HTTPException):
    """An HTTP error blamed on one input (`field`), answered as an `ErrorBody`."""

    def __init__(
        self, status_code: int, detail: str, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, detail, headers)
        self.field = field


def lever_unavailable(err: LeverError, what: str) -> HTTPException:
    """The 502 for a Lever failure while reading `what`, something the route cannot answer without."""
    return HTTPException(
        status.HTTP_502_BAD_GATEWAY, f"Lever did not answer for {what} ({err.status or 'no status'}); retry later"
    )


_DESCRIPTIONS: dict[int | str, str] = {
    400: "Bad input: a parameter or body field breaks its documented rule; `field` names it.",
    401: "Missing or wrong `Authorization: Bearer` token (or none configured on the server).",
    404: "No such resource; `field` names the id.",
    409: "The resource's state does not allow this now; `detail` says why.",
    413: "Body or file larger than allowed.",
    422: "Understood but refused: `detail` says which rule (e.g. no such feedback template in Lever).",
    502: "Lever did not answer usably.",
    503: "Temporarily unavailable; retry later.",
    "default": "Any other error (an unknown route, a method not allowed, or a 500 with a request id).",
}


def error_responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, all with `ErrorBody`, plus `default`.

    Declaring `default` is also what keeps FastAPI from documenting its own 422, which this
    app never answers. `descriptions` overrides a description by status (`_404="..."`).
    """
    out: dict[int | str, dict[str, Any]] = {}
    for code in (*codes, "default"):
        text = descriptions.get(f"_{code}", _DESCRIPTIONS[code])
        out[code] = {"model": ErrorBody, "description": text}
    return out


def _dotted(loc: list[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def _json(status_code: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status_code, headers=headers)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """400 naming the first bad field; every problem is listed, never the rejected input itself."""
    # Only where and what: the rejected input may be personal data.
    items = [ErrorItem(loc=list(e.get("loc", ())), msg=str(e.get("msg", ""))) for e in exc.errors()]
    if not items:
        return _json(status.HTTP_400_BAD_REQUEST, ErrorBody(detail="the request is not valid"))
    first = items[0]
    where = _dotted(first.loc)
    return _json(
        status.HTTP_400_BAD_REQUEST,
        ErrorBody(detail=f"{where}: {first.msg}" if where else first.msg, field=where or None, errors=items),
    )


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """An `HTTPException` (ours, FastAPI's or Starlette's 404/405) as an `ErrorBody`."""
    body = ErrorBody(detail=str(exc.detail), field=getattr(exc, "field", None))
    return _json(exc.status_code, body, headers=exc.headers)


def _stack(exc: BaseException) -> str:
    """The traceback's frames and exception types along the cause chain, without messages."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n{frames}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "caused by:\n".join(parts)


class SafetyNet:
    """ASGI middleware: an unexpected exception answers a JSON 500 with a request id, logged once.

    Costs one wrapped `send` per request and nothing else until something fails.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            request_id = uuid.uuid4().hex[:16]
            route = getattr(scope.get("route"), "path", None) or "(no route)"
            logger.error(
                "request %s: unexpected %s on %s %s\n%s",
                request_id,
                type(exc).__name__,
                scope.get("method", "?"),
                route,
                _stack(exc),
            )
            if started:
                # Too late for an answer: returning unfinished makes the server close the connection.
                return
            body = orjson.dumps(
                ErrorBody(
                    detail=f"the service failed unexpectedly; retry later, or report request id {request_id}",
                    request_id=request_id,
                ).model_dump(exclude_none=True)
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": status.HTTP_500_INTERNAL_SERVER_ERROR,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                        (b"x-request-id", request_id.encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
