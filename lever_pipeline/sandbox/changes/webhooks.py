"""Registering webhooks through the API (deliveries are sandbox/webhooks.py's)."""

from __future__ import annotations

from lever_pipeline.sandbox.data import Doc
from lever_pipeline.sandbox.store import Store

#: Event types a webhook may be registered for.
WEBHOOK_EVENTS = (
    "applicationCreated",
    "candidateHired",
    "candidateStageChange",
    "candidateArchiveChange",
    "candidateDeleted",
    "interviewCreated",
    "interviewUpdated",
    "interviewDeleted",
    "contactCreated",
    "contactUpdated",
)


def create_webhook(store: Store, url: str, event: str, origins: list[str]) -> tuple[Doc, str]:
    """Register a webhook; returns it and its signature token (shown only at creation)."""
    at = store.now()
    token = "".join(store.rng.choice("0123456789abcdef") for _ in range(48))
    hook = {
        "id": store.new_id(),
        "url": url,
        "event": event,
        "configuration": {"conditions": {"origins": origins}},
        "createdAt": at,
        "updatedAt": at,
        "_token": token,
    }
    store.webhooks[hook["id"]] = hook
    return hook, token
