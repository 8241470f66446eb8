"""Webhook events as the service stores them (`store_event`), for tests that start from stored events."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.lever.webhook_signature import VerifiedDelivery
from lever_pipeline.warehouse.tables.webhooks import lever_webhook_events
from lever_pipeline.webhooks.events import store_event

_tokens = itertools.count()


def store(engine: Engine, event_type: str, opportunity_id: str | None, **data: Any) -> int:
    """Store one signed-and-verified delivery as the receiver does; returns the new row's id."""
    at = int(datetime.now(UTC).timestamp() * 1000)
    payload = {"event": event_type, "triggeredAt": at, "data": {"opportunityId": opportunity_id, **data}}
    token = f"test-token-{next(_tokens)}-{at}"
    result = store_event(engine, VerifiedDelivery(event_type, None, token, at, opportunity_id, payload))
    assert result.id is not None
    return result.id


def events(engine: Engine) -> list[Any]:
    """Every stored event, oldest first."""
    with engine.connect() as conn:
        return conn.execute(sa.select(lever_webhook_events).order_by(lever_webhook_events.c.id)).all()
