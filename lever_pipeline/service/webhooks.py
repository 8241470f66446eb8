"""`POST /webhooks/lever/{event_type}`: verify a Lever delivery, store it once, answer at once.

The request does three things: read at most `MAX_BODY_BYTES`, verify the signature and
age (`lever.webhook_signature`), and one `INSERT … ON CONFLICT DO NOTHING`. A redelivery
answers 200 like the first delivery (Lever retries anything else). Bad input answers
400/401/413 with a reason; a warehouse outage answers 503 so Lever retries later.
Nothing here logs tokens, signatures or payload data.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Literal

import orjson
import psycopg
from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response
from pydantic import BaseModel

from lever_pipeline.lever.webhook_signature import LEVER_EVENTS, WebhookRejected, verify_delivery
from lever_pipeline.service.errors import error_responses

logger = logging.getLogger(__name__)

#: Lever's deliveries are a few hundred bytes; anything near this is not one.
MAX_BODY_BYTES = 64 * 1024

router = APIRouter(tags=["webhooks"])


EventType = Annotated[
    str,
    Path(description="Lever's event name; any other answers 400.", json_schema_extra={"enum": sorted(LEVER_EVENTS)}),
]

#: A delivery as Lever sends it (REFERENCE.md §5), for the OpenAPI schema only.
DELIVERY_SCHEMA: dict[str, object] = {
    "type": "object",
    "required": ["event", "token", "triggeredAt", "signature"],
    "properties": {
        "id": {"type": "string", "description": "Lever's event id; a redelivery repeats it."},
        "event": {"type": "string", "description": "The event name; must equal the URL's."},
        "triggeredAt": {"type": "integer", "minimum": 1, "description": "Epoch ms, within the tolerance of now."},
        "token": {"type": "string", "minLength": 1, "description": "A fresh random token per delivery."},
        "signature": {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{64}$",
            "description": "Hex HMAC-SHA256 of token + triggeredAt under the event's signature token.",
        },
        "data": {"type": "object", "description": "The event's data (opportunityId, ...)."},
    },
}


class WebhookStored(BaseModel):
    """The receiver's 200: `stored` with the event's id, or `duplicate` for a redelivery."""

    status: Literal["stored", "duplicate"]
    id: int | None = None


def _json(status_code: int, body: dict[str, object]) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def _reject(event_type: str, status_code: int, reason: str) -> Response:
    logger.info("webhook %.40r refused (%d): %s", event_type, status_code, reason)
    return _json(status_code, {"detail": reason})


class _TooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/webhooks/lever/{event_type}",
    summary="Receive one Lever webhook delivery",
    responses={
        200: {"model": WebhookStored, "description": "Stored (or already stored: a redelivery)."},
        **error_responses(
            400,
            401,
            413,
            503,
            _400="Malformed body, unknown event type, body/URL event mismatch, or a NUL character in the JSON.",
            _401="Unsigned, forged, signed with another token, or stale.",
            _413="Body larger than a Lever delivery can be.",
            _503="Warehouse unavailable; Lever will retry.",
        ),
    },
    # The body is read raw (verified before it is parsed into anything); this documents it.
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": DELIVERY_SCHEMA}}}},
)
async def receive_lever_webhook(event_type: EventType, request: Request) -> Response:
    """Verify the delivery's signature (HMAC-SHA256 of token + triggeredAt) and store the event once."""
    settings = request.app.state.settings
    try:
        body = await _read_body(request)
    except _TooLarge:
        return _reject(event_type, status.HTTP_413_CONTENT_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _reject(event_type, status.HTTP_400_BAD_REQUEST, "the body is not valid JSON")
    try:
        delivery = verify_delivery(
            payload,
            event_type,
            settings.webhook_token_for(event_type),
            now_ms=int(time.time() * 1000),
            tolerance_s=settings.webhook_tolerance_seconds,
        )
    except WebhookRejected as err:
        return _reject(event_type, err.status, err.reason)
    try:
        result = await request.app.state.event_writer.store(delivery, body.decode())
    except psycopg.DataError:
        return _reject(event_type, status.HTTP_400_BAD_REQUEST, "the body's JSON cannot be stored (e.g. a \\u0000)")
    except psycopg.Error as err:
        logger.warning("webhook %s not stored: warehouse error %s", event_type, type(err).__name__)
        return _json(status.HTTP_503_SERVICE_UNAVAILABLE, {"detail": "the warehouse is unavailable; retry later"})
    if result.duplicate:
        return _json(status.HTTP_200_OK, {"status": "duplicate"})
    return _json(status.HTTP_200_OK, {"status": "stored", "id": result.id})
