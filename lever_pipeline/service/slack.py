"""Slack's interactive requests: the buttons on automation messages (`POST /slack/interactions`).

Slack signs every request with the app's signing secret (`SLACK_SIGNING_SECRET`): the route
answers 401 to a missing, forged or stale signature (more than 5 minutes old) before it reads
the payload, and 503 while no secret is configured. It needs no bearer token: the signature
is the authentication. "Archive" queues the archive through the outbox; "Keep" records the override.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lever_pipeline.automation.slack import InteractionError, handle_interaction, slack_client, verify_signature
from lever_pipeline.service.errors import error_responses

router = APIRouter(tags=["slack"], responses=error_responses(400))


@router.post(
    "/slack/interactions",
    summary="Slack button presses on automation messages",
    responses={
        401: {"description": "Missing, forged or stale Slack signature."},
        503: {"description": "No signing secret."},
    },
)
async def slack_interactions(request: Request) -> JSONResponse:
    """Verify Slack's v0 signature, then act on the button: Archive (via the outbox) or Keep."""
    settings = request.app.state.settings
    if settings.slack_signing_secret is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "SLACK_SIGNING_SECRET is not set")
    body = await request.body()
    valid = verify_signature(
        settings.slack_signing_secret.get_secret_value(),
        body,
        request.headers.get("x-slack-request-timestamp"),
        request.headers.get("x-slack-signature"),
    )
    if not valid:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or stale Slack signature")
    try:
        form = urllib.parse.parse_qs(body.decode())
        payload: Any = json.loads(form["payload"][0])
        if not isinstance(payload, dict):
            raise ValueError
    except (KeyError, IndexError, ValueError, UnicodeDecodeError):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "expected a form field `payload` holding Slack's JSON"
        ) from None
    engine = request.app.state.engine
    try:
        result = await run_in_threadpool(handle_interaction, engine, slack_client(settings), payload)
    except InteractionError as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from None
    return JSONResponse({"decision_id": result.decision_id, "action": result.action, "outbox_id": result.outbox_id})
