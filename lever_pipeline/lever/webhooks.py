"""Webhook subscriptions (`/webhooks`): list, create, delete.

The signature token comes back only when a webhook is created; it is kept as a
`SecretStr` so no repr or log shows it. Verifying deliveries is `webhook_signature`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp

ORIGINS = ("applied", "sourced", "referred", "university", "agency", "internal")


class WebhookConfiguration(LeverModel):
    conditions: dict[str, Any] | None = None
    signature_token: SecretStr | None = None


class Webhook(LeverModel):
    """A subscription of `url` to one `event` (e.g. candidateStageChange)."""

    id: str
    url: str | None = None
    event: str | None = None
    configuration: WebhookConfiguration | None = None
    created_at: LeverTimestamp | None = None
    updated_at: LeverTimestamp | None = None

    def __repr__(self) -> str:
        # `raw` of a created webhook holds the signature token: never part of a repr.
        return f"Webhook(id={self.id!r}, event={self.event!r}, url={self.url!r})"


async def list_webhooks(client: LeverClient) -> list[Webhook]:
    """Every webhook of the account (one page: Lever sends no `hasNext` here); no tokens."""
    return [hook async for page in client.paginate("/webhooks") for hook in Webhook.from_page(page)]


async def create_webhook(client: LeverClient, url: str, event: str, *, origins: Sequence[str] | None = None) -> Webhook:
    """Subscribe `url` (HTTPS for real Lever) to `event`; the result carries the signature token.

    `origins` limits the events to opportunities of those origins (default: all six).
    """
    body: dict[str, Any] = {"url": url, "event": event}
    if origins is not None:
        body["configuration"] = {"conditions": {"origins": list(origins)}}
    data = await client.post("/webhooks", body)
    if data is None:
        raise ValueError("Lever answered POST /webhooks without the created webhook")
    return Webhook.from_raw(data)


async def delete_webhook(client: LeverClient, webhook_id: str) -> None:
    """Remove a webhook (only those created through the API can be)."""
    await client.delete(f"/webhooks/{webhook_id}")
