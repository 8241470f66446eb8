"""The call metrics, queues and stream freshness in Prometheus' text format (official `prometheus_client`).

Figures come from the warehouse on every scrape, not from this process's memory, so any
worker of the service answers the same counters (no multiprocess directory to share).
Counters are sums over the retained 30 days: when the oldest minute ages out a counter
can step down, which Prometheus reads as a reset, as it does a restart.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from lever_pipeline.account.call_metrics import LATENCY_BOUNDS_S
from lever_pipeline.ops import calls
from lever_pipeline.ops.health import OpsReport, ops_report
from lever_pipeline.settings import Settings

#: generate_latest writes the 0.0.4 text format; this is its content type.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class WarehouseCollector(Collector):
    """Collects, per scrape, what every process recorded in the warehouse."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    def collect(self) -> Iterator[Metric]:
        totals = calls.series_totals(self._engine)
        report = ops_report(self._engine, self._settings)
        yield from _call_metrics(totals)
        yield from _report_metrics(report)


def _call_metrics(totals: list[calls.SeriesTotal]) -> Iterator[Metric]:
    requests = CounterMetricFamily(
        "lever_api_requests",
        "Lever API requests (attempts, retries included) by endpoint family, outcome and status class.",
        labels=["family", "outcome", "status_class"],
    )
    retries = CounterMetricFamily(
        "lever_api_retries", "Lever API attempts that were retries.", labels=["family", "outcome"]
    )
    latency = HistogramMetricFamily(
        "lever_api_request_duration_seconds",
        "Time from sending a Lever request to its answer (or its failure).",
        labels=["family", "outcome"],
    )
    for t in totals:
        requests.add_metric([t.family, t.outcome, t.status_class], t.calls)
        retries.add_metric([t.family, t.outcome], t.retries)
        cumulative, seen = [], 0
        for bound, n in zip((*map(str, LATENCY_BOUNDS_S), "+Inf"), t.buckets, strict=True):
            seen += n
            cumulative.append((bound, seen))
        latency.add_metric([t.family, t.outcome], cumulative, t.latency_s_sum)
    yield from (requests, retries, latency)


def _report_metrics(report: OpsReport) -> Iterator[Metric]:
    status = GaugeMetricFamily(
        "lever_integration_status", "1 for the integration's current status, 0 for the others.", labels=["status"]
    )
    for name in ("healthy", "degraded", "down"):
        status.add_metric([name], 1.0 if report.verdict.status == name else 0.0)
    q = report.queues
    outbox = GaugeMetricFamily("lever_outbox_items", "Write-back outbox items by state.", labels=["state"])
    for state, n in (("pending", q.outbox_pending), ("processing", q.outbox_processing), ("failed", q.outbox_failed)):
        outbox.add_metric([state], n)
    drafts = GaugeMetricFamily("lever_feedback_drafts_awaiting_approval", "Feedback drafts not yet approved.")
    drafts.add_metric([], q.drafts_awaiting_approval)
    waiting = GaugeMetricFamily("lever_webhook_events_waiting", "Webhook events stored and not yet processed.")
    waiting.add_metric([], q.webhook_events_waiting)
    lag = GaugeMetricFamily(
        "lever_webhook_oldest_waiting_age_seconds", "Age of the oldest waiting webhook event (0 when none waits)."
    )
    lag.add_metric([], q.oldest_webhook_event_age_s or 0.0)
    last_sync = GaugeMetricFamily(
        "lever_stream_last_success_timestamp_seconds", "When each stream last synced successfully.", labels=["stream"]
    )
    age = GaugeMetricFamily(
        "lever_stream_age_seconds", "Seconds since each stream last synced successfully.", labels=["stream"]
    )
    allowed = GaugeMetricFamily(
        "lever_stream_allowed_age_seconds", "The age past which each scheduled stream is stale.", labels=["stream"]
    )
    for s in report.streams:
        if s.last_success_at is not None and s.age_s is not None:
            last_sync.add_metric([s.stream], s.last_success_at.timestamp())
            age.add_metric([s.stream], s.age_s)
        if s.allowed_age_s is not None:
            allowed.add_metric([s.stream], s.allowed_age_s)
    yield from (status, outbox, drafts, waiting, lag, last_sync, age, allowed)


def render_metrics(engine: Engine, settings: Settings) -> bytes:
    """The exposition text of one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WarehouseCollector(engine, settings))
    return generate_latest(registry)
