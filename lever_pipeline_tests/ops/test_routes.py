"""`/ops/lever`, `/metrics` and `/ops` after a run with 5% seeded faults: the counts per outcome the
sandbox injected, in the warehouse's call metrics and the ops report, in JSON, in Prometheus' text
format, and on the page as a real browser renders it. The faulty run is made once for the module.

Real HTTP to the sandbox and the service, real PostgreSQL; the browser is the machine's Chromium
(headless `--dump-dom`), and its test skips with the reason when no Chromium is installed.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from lever_pipeline.account.client import open_lever_client
from lever_pipeline.ops import calls
from lever_pipeline.ops.health import OpsReport, ops_report
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import RunningService, run_service_in_thread
from lever_pipeline.warehouse.tables.account import lever_account
from lever_pipeline_tests.account.sandbox_account import sandbox_settings
from lever_pipeline_tests.fixtures_sandbox import SandboxFactory
from lever_pipeline_tests.service.conftest import SERVICE_TOKEN, service_settings

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@dataclass(frozen=True)
class FaultRun:
    service: RunningService
    expected: dict[str, int]
    #: What the sandbox counted: every request it answered, and the faults per kind (zeros kept).
    requests_total: int
    faults: dict[str, int]
    #: The warehouse's figures for the last hour and the ops report, read right after the run.
    figures: calls.WindowFigures
    report: OpsReport


async def _read_some(settings, engine: Engine, opportunities: int) -> None:
    async with open_lever_client(settings, engine, timeout=0.5) as client:
        ids = [o["id"] async for page in client.paginate("/opportunities", limit=50) for o in page][:opportunities]
        for start in range(0, len(ids), 10):
            await asyncio.gather(*(client.get(f"/opportunities/{i}/feedback") for i in ids[start : start + 10]))


@pytest.fixture(scope="module")
def fault_run(sandbox_factory: SandboxFactory, engine: Engine) -> Iterator[FaultRun]:
    """A read of 150 opportunities' feedback with 5% faults, then the service on the same warehouse."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE lever_api_calls, lever_api_failures, lever_account"))
    with sandbox_factory(fault_rate=0.05, hang_s=5.0, seed=11) as sb:
        # No test here counts the pace: at Lever's default 10/s the ~160 requests alone took 16 s.
        fast = sandbox_settings(sb, lever_rate_limit_per_second=100, lever_rate_limit_burst=20)
        asyncio.run(_read_some(fast, engine, 150))
        stats = sb.stats()
    injected = stats["faults_injected"]
    faults = {
        "5xx": injected.get("500", 0) + injected.get("503", 0),
        "timeout": injected.get("hang", 0),
        "dropped": injected.get("drop", 0),
    }
    expected = {"ok": stats["requests_total"] - sum(faults.values()), **{k: v for k, v in faults.items() if v}}
    figures = calls.window(engine, datetime.now(UTC) - timedelta(hours=1))
    report = ops_report(engine, sandbox_settings(sb))
    with engine.begin() as conn:  # the service names another (unreachable) Lever: forget the sandbox's account
        conn.execute(sa.delete(lever_account))
    with run_service_in_thread(create_app(service_settings(), engine)) as running:
        yield FaultRun(running, expected, stats["requests_total"], faults, figures, report)


def test_faults_are_counted_per_outcome_as_the_sandbox_injected_them(fault_run: FaultRun) -> None:
    figures, expected, total = fault_run.figures, fault_run.faults, fault_run.requests_total
    assert sum(expected.values()) > 0, "the seed should inject some faults"
    assert figures.calls == total
    assert {k: figures.by_outcome.get(k, 0) for k in expected} == expected
    assert figures.by_outcome["ok"] == total - sum(expected.values())
    # Every failure was retried (and succeeded): the retries are exactly the failures.
    assert figures.retries == figures.failures
    report = fault_run.report
    assert report.last_day.by_outcome == figures.by_outcome
    assert report.last_success is not None and report.last_failure is not None
    assert report.last_failure.family.startswith("GET /opportunities")


def test_ops_lever_counts_each_outcome_the_sandbox_injected(fault_run: FaultRun) -> None:
    body = httpx.get(f"{fault_run.service.url}/ops/lever", headers=AUTH, timeout=30).raise_for_status().json()
    assert body["last24h"]["byOutcome"] == fault_run.expected
    assert body["last24h"]["calls"] == sum(fault_run.expected.values())
    assert body["last24h"]["failures"] == sum(n for o, n in fault_run.expected.items() if o != "ok")
    assert body["last24h"]["retries"] == body["last24h"]["failures"]
    assert body["status"] in ("healthy", "degraded") and body["reason"]
    assert body["lastSuccessfulCall"]["endpoint"].startswith("GET /opportunities")
    assert body["lastFailedCall"]["outcome"] in fault_run.expected
    assert 0 < len(body["recentFailures"]) <= 10
    assert body["config"]["apiKeySet"] is True and "sandbox-key" not in str(body)
    assert {"outbox", "draftsAwaitingApproval", "webhookEvents"} <= set(body["queues"])
    assert {s["stream"] for s in body["streams"]} >= {"opportunities", "postings", "stages"}


def test_metrics_counts_each_outcome_in_prometheus_text(fault_run: FaultRun) -> None:
    response = httpx.get(f"{fault_run.service.url}/metrics", headers=AUTH, timeout=30).raise_for_status()
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    by_outcome: Counter[str] = Counter()
    for sample in families["lever_api_requests"].samples:
        if sample.name == "lever_api_requests_total":
            by_outcome[sample.labels["outcome"]] += int(sample.value)
    assert dict(by_outcome) == fault_run.expected
    histogram_counts = Counter()
    for sample in families["lever_api_request_duration_seconds"].samples:
        if sample.name.endswith("_count"):
            histogram_counts[sample.labels["outcome"]] += int(sample.value)
    assert dict(histogram_counts) == fault_run.expected
    families_seen = {s.labels["family"] for s in families["lever_api_requests"].samples}
    assert {"GET /opportunities", "GET /opportunities/:id/feedback"} <= families_seen
    status = {s.labels["status"]: s.value for s in families["lever_integration_status"].samples}
    assert sum(status.values()) == 1.0
    assert "lever_outbox_items" in families and "lever_webhook_events_waiting" in families


@pytest.mark.parametrize("path", ["/ops/lever", "/metrics", "/ops"])
def test_ops_routes_refuse_requests_without_the_token(fault_run: FaultRun, path: str) -> None:
    assert httpx.get(f"{fault_run.service.url}{path}", timeout=30).status_code == 401
    wrong = httpx.get(f"{fault_run.service.url}{path}", headers={"Authorization": "Bearer nope"}, timeout=30)
    assert wrong.status_code == 401


def test_ops_page_opens_with_basic_auth_for_a_browser(fault_run: FaultRun) -> None:
    bare = httpx.get(f"{fault_run.service.url}/ops", timeout=30)
    assert bare.headers["www-authenticate"].startswith("Basic ")
    page = httpx.get(f"{fault_run.service.url}/ops", auth=("ops", SERVICE_TOKEN), timeout=30).raise_for_status()
    assert page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and "http://" not in page.text.replace(fault_run.service.url, "")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_ops_page_renders_chart_and_failures_in_chromium(fault_run: FaultRun) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    url = fault_run.service.url.replace("http://", f"http://ops:{SERVICE_TOKEN}@") + "/ops"
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = done.stdout
    assert '<svg id="requests-chart"' in dom
    points = re.search(r'class="series-requests"[^>]*points="([^"]+)"', dom)
    assert points is not None and len(points.group(1).split()) == 24 * 60
    assert max(float(p.split(",")[1]) for p in points.group(1).split()) > min(
        float(p.split(",")[1]) for p in points.group(1).split()
    )  # a line with a peak: the run's calls are drawn
    failures_table = re.search(r'<table id="failures">(.*?)</table>', dom, re.S)
    assert failures_table is not None
    rows = re.findall(r"<tr>(.*?)</tr>", failures_table.group(1), re.S)
    assert len(rows) - 1 == min(10, sum(n for o, n in fault_run.expected.items() if o != "ok"))
    assert re.search(r'<div class="status" id="status">(healthy|degraded|down)</div>', dom)
