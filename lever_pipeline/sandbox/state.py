"""Everything one sandbox holds apart from its HTTP surface: the account, the counters, the
rate buckets, the fault plan, the webhook dispatcher and the seeded RNGs.

The ASGI app (app.py) serves it and the control plane (routes/control.py) inspects and resets
it; both depend on this module, never on each other.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from lever_pipeline.sandbox.config import SandboxConfig
from lever_pipeline.sandbox.faults import FaultPlan
from lever_pipeline.sandbox.mutations import ACTIVITY_KINDS, apply_random
from lever_pipeline.sandbox.ratelimit import RateLimiter
from lever_pipeline.sandbox.stats import Stats
from lever_pipeline.sandbox.store import Store
from lever_pipeline.sandbox.webhooks import WebhookDispatcher

#: Events Lever lets a webhook filter by candidate origin.
ORIGIN_EVENTS = ("applicationCreated", "candidateHired", "candidateStageChange", "candidateArchiveChange")


class SandboxState:
    """The state of one sandbox; `reset()` returns it to a fresh start."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store(config)
        self.store.emit = self._on_event
        self.stats = Stats()
        self.webhooks = WebhookDispatcher(self.stats, config.webhook_retry_base_s)
        self._reset_runtime()

    def _reset_runtime(self) -> None:
        seed = self.config.seed
        self.limiter = RateLimiter(self.config.rate_limit, self.config.burst)
        self.faults = FaultPlan(self.config)
        self.mutation_rng = random.Random(seed ^ 0xAC71)
        self.activity_rng = random.Random(seed ^ 0xAC72)
        self.latency_rng = random.Random(seed ^ 0x1A7E)
        self.activity_paused = False

    def reset(self) -> None:
        """Back to the state of a fresh start: same data, zero counters, empty queues."""
        self.store.reset()
        self.stats = Stats()
        self.webhooks.stats = self.stats
        self._reset_runtime()

    def stats_snapshot(self) -> dict[str, Any]:
        """What GET /_sandbox/stats answers: counters, queues, dataset sizes and the config."""
        snap = self.stats.snapshot()
        snap["webhooks_pending"] = self.webhooks.pending
        snap["faults_queued"] = len(self.faults.queue)
        snap["activity_paused"] = self.activity_paused
        snap["dataset"] = self.store.dataset()
        cfg = self.config
        snap["config"] = {
            "seed": cfg.seed,
            "opportunities": cfg.opportunities,
            "confidential_access": cfg.confidential_access,
            "rate_limit": cfg.rate_limit,
            "burst": cfg.burst,
            "latency_ms": cfg.latency_ms,
            "fault_rate": cfg.fault_rate,
            "write_fault": cfg.write_fault,
            "activity": cfg.activity,
        }
        return snap

    def _on_event(self, event: str, data: dict[str, Any], origin: str) -> None:
        """Send a store event to the configured receiver and to every matching registered webhook."""
        cfg = self.config
        if cfg.webhook_url:
            self.webhooks.send(cfg.webhook_url.replace("{event}", event), event, data, cfg.token_for(event))
        for hook in self.store.webhooks.values():
            if hook["event"] != event:
                continue
            if event in ORIGIN_EVENTS and origin not in hook["configuration"]["conditions"]["origins"]:
                continue
            self.webhooks.send(hook["url"], event, data, hook["_token"])

    async def run_activity(self) -> None:
        """Apply `config.activity` seeded mutations per second until cancelled.

        While `activity_paused` the ticks go on and change nothing (the changes owed are
        dropped, not caught up), so a benchmark can stop the traffic and watch the backlog drain.
        """
        loop = asyncio.get_running_loop()
        rate = self.config.activity
        tick = min(1.0, max(0.05, 1.0 / rate))
        owed = 0.0
        last = loop.time()
        while True:
            await asyncio.sleep(tick)
            now = loop.time()
            owed += (now - last) * rate
            last = now
            n = int(owed)
            owed -= n
            self.stats.activity_ticks += 1
            if n and not self.activity_paused:
                apply_random(self.store, self.activity_rng, n, ACTIVITY_KINDS)
                self.stats.activity_changes += n
