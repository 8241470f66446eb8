"""Alerts in Dagster: the Lever integration's health and the streams' freshness as asset checks.

Both checks sit on `lever/opportunities` (the stream everything else hangs off) and are
evaluated every five minutes by the `lever_api_health` sensor without a run (the checks
are cheap warehouse reads; a run would cost more than the check), and in any run that
materializes the asset. Dagster's alerting on failed checks then notifies: down is an
ERROR, degraded and stale streams are WARN. The rules live in `ops/health.py`.
"""

from __future__ import annotations

import dagster as dg

from lever_pipeline.defs.resources import LeverResource, WarehouseResource
from lever_pipeline.ops.health import OpsReport, ops_report

ASSET = dg.AssetKey(["lever", "opportunities"])
HEALTH_CHECK = "lever_api_healthy"
FRESHNESS_CHECK = "lever_streams_fresh"


def health_result(report: OpsReport) -> dg.AssetCheckResult:
    """Passed when healthy; failed as ERROR when down, as WARN when degraded."""
    v, hour = report.verdict, report.last_hour
    return dg.AssetCheckResult(
        asset_key=ASSET,
        check_name=HEALTH_CHECK,
        passed=v.status == "healthy",
        severity=dg.AssetCheckSeverity.ERROR if v.status == "down" else dg.AssetCheckSeverity.WARN,
        metadata={
            "status": v.status,
            "reason": v.reason,
            "calls_last_hour": hour.calls,
            "success_rate_last_hour": round(hour.success_rate, 4) if hour.success_rate is not None else "-",
            "consecutive_failures": report.consecutive_failures,
        },
    )


def freshness_result(report: OpsReport) -> dg.AssetCheckResult:
    """Failed (WARN) when a scheduled stream that has synced before is older than its schedule allows."""
    stale = [s for s in report.streams if s.state == "stale"]
    return dg.AssetCheckResult(
        asset_key=ASSET,
        check_name=FRESHNESS_CHECK,
        passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "stale_streams": ", ".join(f"{s.stream} ({(s.age_s or 0) / 60:.0f} min)" for s in stale) or "-",
            "never_synced": ", ".join(s.stream for s in report.streams if s.state == "never") or "-",
        },
    )


@dg.asset_check(
    asset=ASSET,
    name=HEALTH_CHECK,
    description="Lever calls in the last hour: success rate at least 95%, no 401/403, no 5 failures in a row.",
)
def lever_api_healthy(warehouse: WarehouseResource, lever: LeverResource) -> dg.AssetCheckResult:
    return health_result(ops_report(warehouse.engine(), lever.settings()))


@dg.asset_check(
    asset=ASSET, name=FRESHNESS_CHECK, description="Every scheduled stream synced within its schedule's window."
)
def lever_streams_fresh(warehouse: WarehouseResource, lever: LeverResource) -> dg.AssetCheckResult:
    return freshness_result(ops_report(warehouse.engine(), lever.settings()))


def _evaluation(result: dg.AssetCheckResult) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=ASSET,
        check_name=result.check_name or "",
        passed=result.passed,
        severity=result.severity,
        metadata=result.metadata,
    )


@dg.sensor(
    name="lever_api_health",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Every 5 minutes: evaluates the Lever health and stream freshness checks without a run.",
)
def lever_api_health(warehouse: WarehouseResource, lever: LeverResource) -> dg.SensorResult:
    report = ops_report(warehouse.engine(), lever.settings())
    return dg.SensorResult(asset_events=[_evaluation(health_result(report)), _evaluation(freshness_result(report))])


OPS_CHECKS = [lever_api_healthy, lever_streams_fresh]
OPS_SENSORS = [lever_api_health]
