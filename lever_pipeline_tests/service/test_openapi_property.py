"""The service against its own OpenAPI schema (Schemathesis): arbitrary strings and numbers at every
route and parameter, over real HTTP, on the real test PostgreSQL, with the sandbox as Lever.

Every answer must be below 500 and match what `/openapi.json` documents for its status
(status code, content type, body schema); input the schema rules out must be refused
with a 4xx. Requests carry the bearer token; webhook bodies generated as valid are signed
the way Lever signs them, so the store path is reached too. Half of the generated ids
are swapped for rows that exist (a candidate, a draft, a template), so success paths
answer as well as 404s. Deterministic (`derandomize`), a bounded number of examples per
route, so CI sees the same cases every run.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine, create_engine

from lever_pipeline.lever.webhook_signature import sign
from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import RunningService, run_service_in_thread
from lever_pipeline.sync import rows
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.upsert import upsert_rows
from lever_pipeline.writeback.drafts import create_draft
from lever_pipeline_tests.service.conftest import SERVICE_TOKEN, SHARED_SECRET, STAGE_TOKEN, service_settings

#: Examples per route and phase: enough to reach every parameter's edges, small enough for ~1 minute.
EXAMPLES_PER_ROUTE = 25
CANDIDATE = "opp-property"
DRAFT_ID = 1
TEMPLATE = "no-feedback"  # a sandbox template with no fields: any draft for it is valid
AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}

#: What every call is checked for: no 5xx, and the answer is the documented one.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


def _service_openapi() -> dict[str, Any]:
    """The app's OpenAPI document, built as the service builds it (building opens no connection)."""
    return create_app(service_settings(), create_engine("postgresql+psycopg://")).openapi()


def _config() -> schemathesis.Config:
    bound = {"probability": 0.5}
    return schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": EXAMPLES_PER_ROUTE, "deterministic": True, "mode": "all"},
            "phases": {"stateful": {"enabled": False}},
            "dictionaries": {
                "candidates": {"values": [CANDIDATE]},
                "drafts": {"values": [DRAFT_ID]},
                "templates": {"values": [TEMPLATE]},
            },
            "parameters": {
                "path.candidate_id": {"dictionary": "candidates", **bound},
                "path.draft_id": {"dictionary": "drafts", **bound},
                "path.template_id": {"dictionary": "templates", **bound},
                "body.template_id": {"dictionary": "templates", **bound},
            },
        }
    )


OPENAPI = _service_openapi()
schema = schemathesis.openapi.from_dict(OPENAPI, config=_config())
TALLY: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="module")
def property_service(engine: Engine, sandbox: RunningSandbox) -> Iterator[RunningService]:
    """The app on the test database, Lever played by the (reset) sandbox; prints what was called at the end."""
    sandbox.reset()
    settings_ = service_settings(
        lever_base_url=sandbox.base_url,
        lever_api_key=sandbox.api_key,
        lever_rate_limit_per_second=100,  # the sandbox limits nothing; the test should not wait at 8/s
        lever_rate_limit_burst=20,
        # Slack configured, as in production: every generated request then meets the signature check
        # (a service without a signing secret answers 503 there by design, which the 5xx check forbids).
        slack_signing_secret="property-test-signing-secret",
    )
    TALLY.clear()
    with run_service_in_thread(create_app(settings_, engine)) as running:
        yield running
    by_code = Counter(code for (_, code) in TALLY.elements())
    routes = {route for route, _ in TALLY}
    print(f"\nschemathesis: {sum(TALLY.values())} calls on {len(routes)} routes; by status {sorted(by_code.items())}")


@pytest.fixture
def seeded(clean_engine: Engine) -> Engine:
    """One candidate and its draft (id 1: identities restart with every clean warehouse)."""
    with clean_engine.begin() as conn:
        upsert_rows(conn, lever_opportunities, [rows.opportunity_row({"id": CANDIDATE, "stage": "applicant-new"})])
    draft = create_draft(clean_engine, opportunity_id=CANDIDATE, template_id=TEMPLATE, field_values=[])
    assert draft.id == DRAFT_ID
    return clean_engine


def _sign_webhook(case: schemathesis.Case) -> None:
    """Sign a webhook body generated as valid, as Lever would sign it now (so it can be stored)."""
    body = case.body
    mode = case.meta.generation.mode if case.meta else None
    if mode is not GenerationMode.POSITIVE or not isinstance(body, dict) or not isinstance(body.get("token"), str):
        return
    event = case.path_parameters.get("event_type") if case.path_parameters else None
    body["event"] = event
    body["triggeredAt"] = int(time.time() * 1000)
    secret = STAGE_TOKEN if event == "candidateStageChange" else SHARED_SECRET
    body["signature"] = sign(secret, body["token"], body["triggeredAt"])


@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_every_route_answers_arbitrary_input_as_documented(
    case: schemathesis.Case, property_service: RunningService, seeded: Engine
) -> None:
    if case.path.startswith("/webhooks/"):
        _sign_webhook(case)
    response = case.call_and_validate(base_url=property_service.url, headers=AUTH, checks=CHECKS)
    TALLY[(case.operation.label, response.status_code)] += 1


def test_the_schema_tested_is_the_one_the_service_serves(property_service: RunningService) -> None:
    assert httpx.get(f"{property_service.url}/openapi.json").json() == OPENAPI
