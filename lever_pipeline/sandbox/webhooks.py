"""Signed webhook deliveries, as Lever sends them.

Each event goes to the configured `webhook_url` (signed with the event's token from the
config) and to every webhook registered through `POST /v1/webhooks` for that event whose
origin conditions match (signed with that webhook's own `signatureToken`). The body is
`{id, triggeredAt, event, data, token, signature}` with a fresh 48-character `token` and
`signature = hex(HMAC_SHA256(key=signatureToken, msg=token + str(triggeredAt)))`, posted
with `User-Agent: Lever-Webhooks`. Any non-2xx answer (3xx included) or transport error
counts as a failure and is retried five times with doubling gaps; Lever's real schedule
is unconfirmed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from lever_pipeline.sandbox.stats import Stats

log = logging.getLogger(__name__)

RETRIES = 5
USER_AGENT = "Lever-Webhooks"
TOKEN_ALPHABET = "0123456789abcdef"


def sign(signature_token: str, token: str, triggered_at: int) -> str:
    """Lever's delivery signature: hex HMAC-SHA256 of token + str(triggeredAt)."""
    return hmac.new(signature_token.encode(), f"{token}{triggered_at}".encode(), hashlib.sha256).hexdigest()


def delivery_body(event: str, data: dict[str, Any], signature_token: str | None, triggered_at: int) -> bytes:
    """One delivery's JSON body; `signature` is left out when there is no signing token."""
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(48))
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "triggeredAt": triggered_at,
        "event": event,
        "data": data,
        "token": token,
    }
    if signature_token:
        body["signature"] = sign(signature_token, token, triggered_at)
    return orjson.dumps(body)


@dataclass
class Delivery:
    url: str
    body: bytes
    event: str


class WebhookDispatcher:
    """Queues deliveries and sends them from background tasks on the server's loop."""

    def __init__(self, stats: Stats, retry_base_s: float = 0.5, workers: int = 4) -> None:
        self.stats = stats
        self.retry_base_s = retry_base_s
        self.workers = workers
        self.queue: asyncio.Queue[Delivery] | None = None
        self.tasks: list[asyncio.Task] = []
        self.client: httpx.AsyncClient | None = None
        self.pending = 0

    async def start(self) -> None:
        self.queue = asyncio.Queue()
        self.client = httpx.AsyncClient(timeout=10.0, headers={"User-Agent": USER_AGENT})
        self.tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks = []
        if self.client is not None:
            await self.client.aclose()

    def send(self, url: str, event: str, data: dict[str, Any], signature_token: str | None) -> None:
        """Queue one signed delivery (no-op before the server started)."""
        if self.queue is None:
            return
        triggered_at = int(time.time() * 1000)
        self.pending += 1
        self.queue.put_nowait(Delivery(url, delivery_body(event, data, signature_token, triggered_at), event))

    async def _worker(self) -> None:
        assert self.queue is not None and self.client is not None
        while True:
            d = await self.queue.get()
            try:
                ok = await self._deliver(d)
            finally:
                self.pending -= 1
            if ok:
                self.stats.webhooks_sent += 1
            else:
                self.stats.webhooks_failed += 1
                log.warning("webhook %s to %s failed after %d retries", d.event, d.url, RETRIES)

    async def _deliver(self, d: Delivery) -> bool:
        assert self.client is not None
        for attempt in range(RETRIES + 1):
            if attempt:
                await asyncio.sleep(self.retry_base_s * 2 ** (attempt - 1))
            try:
                r = await self.client.post(d.url, content=d.body, headers={"Content-Type": "application/json"})
                if 200 <= r.status_code < 300:
                    return True
            except httpx.HTTPError as err:
                log.debug("webhook delivery to %s: %s", d.url, type(err).__name__)
            self.stats.webhook_attempts_failed += 1
        return False
