"""Counters the control plane reports: what clients asked for, and what the sandbox did to them."""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any


class Stats:
    """Request, fault, write, webhook and OAuth counters.

    Requests are counted for /v1 only; the `oauth_*` counters count the OAuth endpoints beside
    it (`/authorize`, `/oauth/token`) and Bearer calls refused for a missing scope.
    """

    def __init__(self) -> None:
        self.requests_total = 0
        self.requests_by_path: Counter[str] = Counter()
        self.requests_by_key: Counter[str] = Counter()
        self.unauthorized_401 = 0
        self.rate_limited_429 = 0
        self.faults_injected: Counter[str] = Counter()
        self.writes: Counter[str] = Counter()
        self.webhooks_sent = 0
        self.webhooks_failed = 0
        self.webhook_attempts_failed = 0
        self.activity_ticks = 0
        self.activity_changes = 0
        self.peak_requests_1s = 0
        self.oauth_authorizations = 0
        self.oauth_authorize_refused = 0
        self.oauth_code_grants = 0
        self.oauth_refresh_grants = 0
        self.oauth_token_failures = 0
        self.oauth_scope_403 = 0
        self._window: deque[float] = deque()

    def request(self, template: str, now: float | None = None) -> None:
        """Count one /v1 request under its templated path, and track the busiest second."""
        self.requests_total += 1
        self.requests_by_path[template] += 1
        t = time.monotonic() if now is None else now
        window = self._window
        window.append(t)
        edge = t - 1.0
        while window[0] <= edge:
            window.popleft()
        if len(window) > self.peak_requests_1s:
            self.peak_requests_1s = len(window)

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests_total": self.requests_total,
            "requests_by_path": dict(sorted(self.requests_by_path.items())),
            "requests_by_key": dict(sorted(self.requests_by_key.items())),
            "unauthorized_401": self.unauthorized_401,
            "rate_limited_429": self.rate_limited_429,
            "faults_injected": dict(sorted(self.faults_injected.items())),
            "peak_requests_1s": self.peak_requests_1s,
            "writes": dict(sorted(self.writes.items())),
            "webhooks_sent": self.webhooks_sent,
            "webhooks_failed": self.webhooks_failed,
            "webhook_attempts_failed": self.webhook_attempts_failed,
            "activity_ticks": self.activity_ticks,
            "activity_changes": self.activity_changes,
            "oauth_authorizations": self.oauth_authorizations,
            "oauth_authorize_refused": self.oauth_authorize_refused,
            "oauth_code_grants": self.oauth_code_grants,
            "oauth_refresh_grants": self.oauth_refresh_grants,
            "oauth_token_failures": self.oauth_token_failures,
            "oauth_scope_403": self.oauth_scope_403,
        }
