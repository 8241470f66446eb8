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

import orjson
import psycopg
from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from lever_pipeline.lever.webhook_signature import WebhookRejected, verify_delivery

logger = logging.getLogger(__name__)

#: Lever's deliveries are a few hundred bytes; anything near this is not one.
MAX_BODY_BYTES = 64 * 1024

router = APIRouter(tags=["webhooks"])


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
        200: {"description": "Stored (or already stored: a redelivery)."},
        400: {"description": "Malformed body, unknown event type, or body/URL event mismatch."},
        401: {"description": "Unsigned, forged, signed with another token, or stale."},
        413: {"description": "Body larger than a Lever delivery can be."},
        503: {"description": "Warehouse unavailable; Lever will retry."},
    },
)
async def receive_lever_webhook(event_type: str, request: Request) -> Response:
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
