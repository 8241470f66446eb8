"""Call metrics: every attempt counted by family and outcome, summed in the warehouse, judged by the rules.

Runs over real HTTP against the sandbox and on real PostgreSQL. The counts of a run with the sandbox's
seeded fault injection are checked in test_routes.py, on the one faulty run that module makes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.account.call_metrics import (
    LATENCY_BOUNDS_S,
    CallRecorder,
    family,
    outcome_of,
    safe_message,
)
from lever_pipeline.account.client import open_lever_client
from lever_pipeline.lever.errors import LeverAuthError
from lever_pipeline.ops import calls
from lever_pipeline.ops.health import judge, ops_report
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.warehouse.tables import lever_api_calls
from lever_pipeline_tests.account.sandbox_account import sandbox_settings

UUID = "0f3c2a1e-8b7d-4c6e-9a5b-1d2e3f4a5b6c"


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/opportunities", "GET /opportunities"),
        ("GET", f"/v1/opportunities/{UUID}/feedback", "GET /opportunities/:id/feedback"),
        ("post", f"/v1/opportunities/{UUID}/notes", "POST /opportunities/:id/notes"),
        ("GET", "/v1/stages/lead-new", "GET /stages/lead-new"),
        ("GET", "/v1/files/12345/download", "GET /files/:id/download"),
    ],
)
def test_family_replaces_ids_and_strips_the_api_root(method: str, path: str, expected: str) -> None:
    assert family(method, path, "/v1") == expected


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "ok"),
        (204, "ok"),
        (404, "4xx"),
        (400, "4xx"),
        (401, "401/403"),
        (403, "401/403"),
        (429, "429"),
        (503, "5xx"),
    ],
)
def test_outcome_of_status(status: int, outcome: str) -> None:
    assert outcome_of(status) == outcome


def test_safe_message_masks_emails_and_ids_and_caps_length() -> None:
    text = safe_message("BadRequestError", f"jane.doe@example.com is not a user of {UUID}")
    assert text == "BadRequestError: <email> is not a user of :id"
    assert len(safe_message("E", "x" * 500) or "") == 200
    assert safe_message(None, None) is None


def test_recorder_flush_sums_processes_rows_and_keeps_histogram(clean_engine: Engine) -> None:
    t = [1_800_000_000.0]
    first, second = CallRecorder(clock=lambda: t[0]), CallRecorder(clock=lambda: t[0])
    first.record("GET /opportunities", "ok", 0.03)
    first.record("GET /opportunities", "ok", 40.0, retry=True)
    second.record("GET /opportunities", "ok", 0.2)
    second.record("GET /opportunities", "429", 0.01, status=429, message="TooManyRequests")
    assert first.flush(clean_engine) == 1 and second.flush(clean_engine) == 2
    assert first.flush(clean_engine) == 0  # drained
    with clean_engine.connect() as conn:
        rows = {r.outcome: r for r in conn.execute(sa.select(lever_api_calls))}
    assert rows["ok"].calls == 3 and rows["ok"].retries == 1 and rows["429"].calls == 1
    assert rows["ok"].status_class == "2xx" and rows["429"].status_class == "4xx"
    assert sum(rows["ok"].latency_buckets) == 3 and rows["ok"].latency_buckets[-1] == 1
    assert rows["ok"].latency_buckets[LATENCY_BOUNDS_S.index(0.05)] == 1
    assert rows["ok"].latency_ms_max == pytest.approx(40_000.0)
    failures = calls.recent_failures(clean_engine)
    assert [(f.family, f.outcome, f.status, f.message) for f in failures] == [
        ("GET /opportunities", "429", 429, "TooManyRequests")
    ]


def test_wrong_key_turns_status_down_with_the_reason(sandbox: RunningSandbox, clean_engine: Engine) -> None:
    settings = sandbox_settings(sandbox, lever_api_key="not-the-key")

    async def go() -> None:
        async with open_lever_client(settings, clean_engine) as client:
            await client.get("/stages/lead-new")

    with pytest.raises(LeverAuthError):
        asyncio.run(go())
    report = ops_report(clean_engine, settings)
    assert report.verdict.status == "down"
    assert "401 on GET /stages/lead-new" in report.verdict.reason and "LEVER_API_KEY" in report.verdict.reason
    assert report.last_failure is not None and report.last_failure.status == 401
    assert "not-the-key" not in str(report.as_json())


def _figures(**by_outcome: int) -> calls.WindowFigures:
    return calls.WindowFigures(datetime.now(UTC), dict(by_outcome), 0, 0.0, 0.0, [0] * (len(LATENCY_BOUNDS_S) + 1))


@pytest.mark.parametrize(
    ("figures", "consecutive", "circuit_open", "status"),
    [
        (_figures(ok=96, **{"5xx": 4}), 0, False, "healthy"),
        (_figures(ok=94, **{"5xx": 6}), 0, False, "degraded"),
        (_figures(ok=90, **{"4xx": 6, "429": 4}), 0, False, "healthy"),
        (_figures(ok=79, timeout=21), 0, False, "down"),
        (_figures(ok=99, dropped=5), 5, False, "down"),
        (_figures(ok=100), 0, True, "down"),
        (_figures(), 0, False, "healthy"),
    ],
)
def test_judge_applies_the_status_rules(
    figures: calls.WindowFigures, consecutive: int, circuit_open: bool, status: str
) -> None:
    assert judge(figures, consecutive, None, circuit_open).status == status
