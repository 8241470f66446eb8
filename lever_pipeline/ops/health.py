"""The Lever integration's health: healthy, degraded or down, with the reason, and what it rests on.

Rules (as the systems we follow state them): in the last hour a success rate under 95% is
degraded; under 80%, or any 401/403, is down; 5 failures in a row (no success between
them, from any process), the write-back circuit breaker open, or (with OAuth) no grant
stored or a refresh token Lever refused is down. A success is a call
Lever answered (2xx, or a 4xx about the request such as a 404); failures are 401/403, 429,
5xx, timeouts and dropped connections. The report also carries the queues (outbox, drafts,
webhook events), each stream's last successful sync against its schedule, and the
configuration as facts: never a key's or token's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account import oauth_tokens
from lever_pipeline.ops import calls
from lever_pipeline.settings import Settings
from lever_pipeline.sync.freshness import STREAM_FRESHNESS
from lever_pipeline.warehouse.tables import sync_state
from lever_pipeline.warehouse.tables.writeback import feedback_drafts, lever_outbox
from lever_pipeline.webhooks.events import webhook_health
from lever_pipeline.writeback import circuit

Status = Literal["healthy", "degraded", "down"]

DEGRADED_BELOW = 0.95
DOWN_BELOW = 0.80
CONSECUTIVE_FAILURES_DOWN = 5
RATE_WINDOW = timedelta(hours=1)
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


def judge(
    last_hour: calls.WindowFigures,
    consecutive_failures: int,
    auth_failure: calls.CallRef | None,
    circuit_open: bool,
    credential_problem: str | None = None,
) -> Verdict:
    """The status by the rules above, the worst rule winning, with a one-line reason."""
    rate = last_hour.success_rate
    if credential_problem is not None:
        return Verdict("down", credential_problem)
    if auth_failure is not None:
        return Verdict(
            "down",
            f"Lever refused our credentials ({auth_failure.status} on {auth_failure.family}"
            f" at {auth_failure.at:%H:%M} UTC) in the last hour: check LEVER_API_KEY, or the OAuth grant.",
        )
    if consecutive_failures >= CONSECUTIVE_FAILURES_DOWN:
        return Verdict("down", f"{consecutive_failures} Lever calls failed in a row since the last success.")
    if circuit_open:
        return Verdict("down", "The write-back circuit breaker is open after repeated failures.")
    if rate is not None and rate < DOWN_BELOW:
        return Verdict("down", f"Success rate {rate:.1%} in the last hour (under {DOWN_BELOW:.0%}).")
    if rate is not None and rate < DEGRADED_BELOW:
        return Verdict("degraded", f"Success rate {rate:.1%} in the last hour (under {DEGRADED_BELOW:.0%}).")
    if rate is None:
        return Verdict("healthy", "No Lever calls in the last hour.")
    return Verdict("healthy", f"Success rate {rate:.1%} over {last_hour.calls} calls in the last hour.")


@dataclass(frozen=True)
class Queues:
    outbox_pending: int
    outbox_processing: int
    outbox_failed: int
    drafts_awaiting_approval: int
    webhook_events_waiting: int
    oldest_webhook_event_age_s: float | None

    def as_json(self) -> dict[str, object]:
        return {
            "outbox": {
                "pending": self.outbox_pending,
                "processing": self.outbox_processing,
                "failed": self.outbox_failed,
            },
            "draftsAwaitingApproval": self.drafts_awaiting_approval,
            "webhookEvents": {"waiting": self.webhook_events_waiting, "oldestAgeS": self.oldest_webhook_event_age_s},
        }


def queues(engine: Engine) -> Queues:
    """Outbox by state, drafts not yet approved, webhook events not yet processed."""
    o = lever_outbox.c
    with engine.connect() as conn:
        by_status = dict(conn.execute(sa.select(o.status, sa.func.count()).group_by(o.status)).all())
        drafts = conn.execute(sa.select(sa.func.count()).where(feedback_drafts.c.status == "draft")).scalar_one()
    hooks = webhook_health(engine)
    return Queues(
        outbox_pending=int(by_status.get("pending", 0)),
        outbox_processing=int(by_status.get("sending", 0)),
        outbox_failed=int(by_status.get("failed", 0)),
        drafts_awaiting_approval=int(drafts),
        webhook_events_waiting=hooks.unprocessed,
        oldest_webhook_event_age_s=hooks.oldest_unprocessed_age_s,
    )


@dataclass(frozen=True)
class StreamFreshness:
    stream: str
    last_success_at: datetime | None
    age_s: float | None
    schedule: str | None
    allowed_age_s: float | None

    @property
    def state(self) -> Literal["fresh", "stale", "never", "unscheduled"]:
        if self.last_success_at is None:
            return "never"
        if self.allowed_age_s is None:
            return "unscheduled"
        return "fresh" if (self.age_s or 0.0) <= self.allowed_age_s else "stale"

    def as_json(self) -> dict[str, object]:
        return {
            "stream": self.stream,
            "lastSuccessAt": self.last_success_at.isoformat() if self.last_success_at else None,
            "ageS": self.age_s,
            "schedule": self.schedule,
            "allowedAgeS": self.allowed_age_s,
            "state": self.state,
        }


def stream_freshness(engine: Engine, now: datetime) -> list[StreamFreshness]:
    """Every stream with a sync-state row, and every scheduled one, with its last success and age."""
    with engine.connect() as conn:
        last = dict(conn.execute(sa.select(sync_state.c.stream, sync_state.c.last_success_at)).all())
    found = []
    for stream in sorted(set(last) | set(STREAM_FRESHNESS)):
        at = last.get(stream)
        schedule, allowed = STREAM_FRESHNESS.get(stream, (None, None))
        found.append(
            StreamFreshness(
                stream,
                at,
                round((now - at).total_seconds(), 1) if at else None,
                schedule,
                allowed.total_seconds() if allowed else None,
            )
        )
    return found


def oauth_problem(settings: Settings, grant: dict[str, object] | None) -> str | None:
    """Why OAuth cannot work as stored (no grant, or a refresh token Lever refused), or None."""
    if settings.auth_mode != "oauth":
        return None
    if grant is None:
        return "OAuth is configured but no grant is stored: run `lever-pipeline auth login`."
    if grant.get("refusedAt"):
        return (
            f"Lever refused the stored refresh token ({grant.get('refusal')}) at {grant['refusedAt']}: "
            "run `lever-pipeline auth login` to grant access again."
        )
    return None


def config_facts(settings: Settings, grant: dict[str, object] | None = None) -> dict[str, object]:
    """What the integration is configured with, secrets reduced to whether they are set."""
    return {
        "baseUrl": settings.base_url,
        "region": "eu" if settings.lever_eu_region else "us",
        "authMode": settings.auth_mode,
        "apiKeySet": settings.lever_api_key is not None,
        "oauthClientSet": bool(settings.lever_oauth_client_id) and settings.lever_oauth_client_secret is not None,
        "secretKeySet": settings.lever_pipeline_secret_key is not None,
        "oauthGrant": grant,
        "rateLimitPerSecond": settings.lever_rate_limit_per_second,
        "rateLimitAdaptive": settings.lever_rate_limit_adaptive,
        "rateLimitBurst": settings.lever_rate_limit_burst,
        "webhookSecretSet": settings.lever_webhook_secret is not None or bool(settings.lever_webhook_tokens),
        "writebackDryRun": settings.lever_writeback_dry_run,
    }


@dataclass(frozen=True)
class OpsReport:
    """Everything `/ops/lever` answers and `/ops` shows."""

    generated_at: datetime
    verdict: Verdict
    last_hour: calls.WindowFigures
    last_day: calls.WindowFigures
    last_success: calls.CallRef | None
    last_failure: calls.CallRef | None
    consecutive_failures: int
    circuit_open: bool
    queues: Queues
    streams: list[StreamFreshness]
    config: dict[str, object]

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.verdict.status,
            "reason": self.verdict.reason,
            "generatedAt": self.generated_at.isoformat(),
            "lastSuccessfulCall": self.last_success.as_json() if self.last_success else None,
            "lastFailedCall": self.last_failure.as_json() if self.last_failure else None,
            "consecutiveFailures": self.consecutive_failures,
            "circuitBreakerOpen": self.circuit_open,
            "lastHour": self.last_hour.as_json(),
            "last24h": self.last_day.as_json(),
            "queues": self.queues.as_json(),
            "streams": [s.as_json() for s in self.streams],
            "config": self.config,
        }


def ops_report(engine: Engine, settings: Settings, now: datetime | None = None) -> OpsReport:
    """The integration's health from the warehouse's rows, as every process recorded them."""
    now = now or datetime.now(UTC)
    hour = calls.window(engine, now - RATE_WINDOW)
    day = calls.window(engine, now - DAY)
    success = calls.last_success(engine)
    failures = calls.recent_failures(engine, limit=1)
    after = success.at if success else None
    consecutive = calls.failures_since(engine, after)
    auth = None
    if hour.by_outcome.get("401/403"):
        auth_failures = [
            f for f in calls.recent_failures(engine, limit=50) if f.outcome == "401/403" and f.at >= now - RATE_WINDOW
        ]
        auth = auth_failures[0] if auth_failures else calls.CallRef(now, "a Lever endpoint", "401/403", 401)
    breaker = circuit.read_state(engine).is_open(now)
    grant = oauth_tokens.grant_summary(engine) if settings.auth_mode == "oauth" else None
    return OpsReport(
        generated_at=now,
        verdict=judge(hour, consecutive, auth, breaker, oauth_problem(settings, grant)),
        last_hour=hour,
        last_day=day,
        last_success=success,
        last_failure=failures[0] if failures else None,
        consecutive_failures=consecutive,
        circuit_open=breaker,
        queues=queues(engine),
        streams=stream_freshness(engine, now),
        config=config_facts(settings, grant),
    )
