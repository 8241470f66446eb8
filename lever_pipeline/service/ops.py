"""Operations routes: `/ops/lever` (health as JSON), `/metrics` (Prometheus) and `/ops` (the page).

All three read the warehouse (`ops/`), so every worker answers alike, and all need the
service token: `/ops/lever` and `/metrics` as `Authorization: Bearer`, and `/ops`, meant
for a browser, also as HTTP Basic with the token as the password, so a browser's own
login prompt opens it. Nothing they show is secret or personal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from lever_pipeline.ops import calls
from lever_pipeline.ops.health import DAY, ops_report
from lever_pipeline.ops.page import render_page
from lever_pipeline.ops.prometheus import CONTENT_TYPE, render_metrics
from lever_pipeline.service.auth import require_service_token, require_token_or_basic
from lever_pipeline.service.errors import error_responses
from lever_pipeline.settings import Settings

router = APIRouter(tags=["ops"], responses=error_responses(401))


def _json_error(description: str) -> dict[str, Any]:
    """An error answer documented as the JSON `ErrorBody` whatever the route's own media type."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def _report_json(engine: Engine, settings: Settings) -> dict[str, Any]:
    report = ops_report(engine, settings)
    body = report.as_json()
    body["recentFailures"] = [f.as_json() for f in calls.recent_failures(engine, limit=10)]
    return body


@router.get(
    "/ops/lever",
    summary="Lever integration health: status, calls, queues, stream freshness",
    dependencies=[Depends(require_service_token)],
)
async def lever_health(request: Request) -> dict[str, Any]:
    """`status` healthy, degraded or down with its `reason`, the last successful and failed calls,
    the last hour's and 24 hours' figures, queue depths, each stream's freshness and the
    configuration (whether secrets are set, never their values)."""
    return await run_in_threadpool(_report_json, request.app.state.engine, request.app.state.settings)


@router.get(
    "/metrics",
    summary="Prometheus metrics: Lever calls by family and outcome, queues, stream freshness",
    dependencies=[Depends(require_service_token)],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format 0.0.4."}},
)
async def metrics(request: Request) -> Response:
    """Counters and latency histograms of every process's Lever calls (from the warehouse), queue depths,
    webhook lag and stream freshness."""
    body = await run_in_threadpool(render_metrics, request.app.state.engine, request.app.state.settings)
    return Response(body, media_type=CONTENT_TYPE)


def _page(engine: Engine, settings: Settings) -> str:
    now = datetime.now(UTC)
    report = ops_report(engine, settings, now)
    points = calls.per_minute(engine, now - DAY + timedelta(minutes=1))
    return render_page(report, points, calls.recent_failures(engine, limit=10))


@router.get(
    "/ops",
    summary="Lever integration page for people",
    dependencies=[Depends(require_token_or_basic)],
    response_class=HTMLResponse,
    # The page is HTML, its errors are not: FastAPI would document them under the route's media type.
    responses={
        200: {"content": {"text/html": {}}, "description": "A self-contained HTML page."},
        **{code: _json_error(answer["description"]) for code, answer in error_responses(401).items()},
    },
)
async def ops_page(request: Request) -> HTMLResponse:
    """Status card with its reason, requests, 429s and failures per minute over 24 hours (inline SVG),
    the last 10 failures, queue depths and stream freshness."""
    return HTMLResponse(await run_in_threadpool(_page, request.app.state.engine, request.app.state.settings))
