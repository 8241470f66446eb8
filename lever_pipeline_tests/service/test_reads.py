"""The read API over real HTTP on real PostgreSQL: bearer auth, every filter, cursor pagination,
the candidate detail (stage name, postings, feedback summary, drafts) and the templates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from lever_pipeline.sandbox.server import RunningSandbox
from lever_pipeline.service.app import create_app
from lever_pipeline.service.server import run_service_in_thread
from lever_pipeline.sync import rows
from lever_pipeline.warehouse.tables import lever_opportunities, lever_postings, lever_stages, lever_users
from lever_pipeline.warehouse.tables.feedback import feedback_field_values, lever_feedback
from lever_pipeline.warehouse.upsert import upsert_rows
from lever_pipeline.writeback.drafts import create_draft
from lever_pipeline_tests.service.conftest import SERVICE_TOKEN, service_settings

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
DAY_MS = 86_400_000
BASE_MS = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)


def opportunity(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"opp-{n}",
        "name": f"Candidate {n}",
        "contact": f"contact-{n}",
        "stage": "applicant-new",
        "owner": "user-1",
        "tags": [],
        "sources": ["LinkedIn"],
        "origin": "applied",
        "applications": [{"id": f"app-{n}", "posting": "posting-1"}],
        "createdAt": BASE_MS,
        "updatedAt": BASE_MS + n * DAY_MS,
        "archived": None,
        **fields,
    }


OPPORTUNITIES = [
    opportunity(1, tags=["python", "senior"]),
    opportunity(2, tags=["python"], stage="offer"),
    opportunity(3, owner="user-2", applications=[{"id": "a3", "posting": "posting-2"}]),
    opportunity(4, archived={"reason": "reason-hired", "archivedAt": BASE_MS + 4 * DAY_MS}, stage="offer"),
    opportunity(5, tags=["senior"]),
    opportunity(6),
    opportunity(7, updatedAt=BASE_MS + 6 * DAY_MS),  # ties with opp-6 on the sort key: id breaks it
]


@pytest.fixture
def world(clean_engine: Engine) -> Engine:
    with clean_engine.begin() as conn:
        upsert_rows(
            conn,
            lever_stages,
            [
                rows.stage_row({"id": "applicant-new", "text": "New applicant"}, 0),
                rows.stage_row({"id": "offer", "text": "Offer"}, 1),
            ],
        )
        upsert_rows(
            conn,
            lever_users,
            [
                rows.user_row({"id": "user-1", "name": "Owner One"}),
                rows.user_row({"id": "user-2", "name": "Owner Two"}),
            ],
        )
        upsert_rows(
            conn,
            lever_postings,
            [
                rows.posting_row(
                    {"id": "posting-1", "text": "Engineer", "state": "published", "categories": {"team": "Eng"}}
                )
            ],
        )
        upsert_rows(conn, lever_opportunities, [rows.opportunity_row(o) for o in OPPORTUNITIES])
        upsert_rows(
            conn, lever_opportunities, [{**rows.opportunity_row(opportunity(8)), "deleted_at": datetime.now(UTC)}]
        )
        conn.execute(
            lever_feedback.insert(),
            [
                {
                    "id": "fb-1",
                    "opportunity_id": "opp-1",
                    "template_id": "no-feedback",
                    "user_id": "user-1",
                    "completed_at": datetime(2026, 2, 1, tzinfo=UTC),
                    "raw": {},
                },
                {
                    "id": "fb-2",
                    "opportunity_id": "opp-1",
                    "template_id": "no-feedback",
                    "user_id": "user-2",
                    "completed_at": datetime(2026, 2, 2, tzinfo=UTC),
                    "raw": {},
                },
            ],
        )
        conn.execute(
            feedback_field_values.insert(),
            [
                {
                    "feedback_id": "fb-2",
                    "field_id": "f1",
                    "opportunity_id": "opp-1",
                    "position": 0,
                    "type": "score-system",
                    "known_type": True,
                    "value_option": "Strong Hire",
                    "raw": {},
                }
            ],
        )
    create_draft(clean_engine, opportunity_id="opp-1", template_id="no-feedback", field_values=[])
    return clean_engine


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {SERVICE_TOKEN}"}],
    ids=["no header", "wrong token", "not bearer"],
)
@pytest.mark.parametrize("path", ["/candidates", "/candidates/opp-1", "/feedback-templates", "/feedback-drafts/1"])
def test_read_routes_require_the_bearer_token(http: httpx.Client, path: str, headers: dict[str, str]) -> None:
    r = http.get(path, headers=headers)
    assert r.status_code == 401
    assert r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"


def test_read_routes_refuse_everything_without_a_configured_token(engine: Engine) -> None:
    app = create_app(service_settings(service_api_token=None), engine)
    with run_service_in_thread(app) as service:
        answers = [httpx.get(f"{service.url}{path}", headers=AUTH) for path in ("/candidates", "/feedback-drafts/1")]
    for r in answers:  # the read and the write-back routes share the one check, on the app's settings
        assert r.status_code == 401 and "SERVICE_API_TOKEN is not set" in r.json()["detail"]


def test_candidates_sorted_by_last_update_without_deleted(http: httpx.Client, world: Engine) -> None:
    assert ids(http.get("/candidates", headers=AUTH)) == ["opp-7", "opp-6", "opp-5", "opp-4", "opp-3", "opp-2", "opp-1"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "offer"}, ["opp-4", "opp-2"]),
        ({"posting": "posting-2"}, ["opp-3"]),
        ({"archived": "true"}, ["opp-4"]),
        ({"archived": "false"}, ["opp-7", "opp-6", "opp-5", "opp-3", "opp-2", "opp-1"]),
        ({"tag": "python"}, ["opp-2", "opp-1"]),
        ({"tag": ["python", "senior"]}, ["opp-1"]),
        ({"owner": "user-2"}, ["opp-3"]),
        ({"updated_since": "2026-01-06T00:00:00Z"}, ["opp-7", "opp-6", "opp-5"]),
        ({"stage": "offer", "archived": "false"}, ["opp-2"]),
        ({"stage": "no-such-stage"}, []),
    ],
)
def test_candidates_filters(http: httpx.Client, world: Engine, params: dict[str, Any], expected: list[str]) -> None:
    assert ids(http.get("/candidates", params=params, headers=AUTH)) == expected


def test_candidates_cursor_pagination_walks_every_candidate_once(http: httpx.Client, world: Engine) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        r = http.get("/candidates", params={"limit": 3, **({"cursor": cursor} if cursor else {})}, headers=AUTH)
        body = r.json()
        seen += ids(r)
        pages += 1
        cursor = body["next_cursor"]
        assert body["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert pages == 3
    assert seen == ["opp-7", "opp-6", "opp-5", "opp-4", "opp-3", "opp-2", "opp-1"]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"cursor": "not-a-cursor"}, "cursor is not valid"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"archived": "perhaps"}, "archived"),
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"updated_since": "2026-01-06T00:00:00"}, "time zone"),
    ],
)
def test_candidates_bad_parameters_answer_400(http: httpx.Client, world: Engine, params: dict, reason: str) -> None:
    r = http.get("/candidates", params=params, headers=AUTH)
    assert r.status_code == 400, r.text
    assert reason in r.json()["detail"]


def test_candidate_detail(http: httpx.Client, world: Engine) -> None:
    r = http.get("/candidates/opp-1", headers=AUTH)
    assert r.status_code == 200, r.text
    c = r.json()["data"]
    assert c["stage"] == {"id": "applicant-new", "name": "New applicant"}
    assert c["owner"] == {"id": "user-1", "name": "Owner One"}
    assert c["tags"] == ["python", "senior"]
    assert c["postings"] == [{"id": "posting-1", "title": "Engineer", "state": "published", "team": "Eng"}]
    assert c["feedback"]["count"] == 2
    assert [f["id"] for f in c["feedback"]["recent"]] == ["fb-2", "fb-1"]
    assert c["feedback"]["recent"][0]["overall_score"] == "Strong Hire"
    assert [(d["status"], d["template_id"]) for d in c["feedback_drafts"]] == [("draft", "no-feedback")]


@pytest.mark.parametrize("candidate", ["opp-404", "opp-8"], ids=["unknown", "deleted"])
def test_candidate_detail_unknown_or_deleted_is_404(http: httpx.Client, world: Engine, candidate: str) -> None:
    assert http.get(f"/candidates/{candidate}", headers=AUTH).status_code == 404


@pytest.fixture
def templates_service(sandbox: RunningSandbox, engine: Engine, clean_engine: Engine) -> Iterator[httpx.Client]:
    settings = service_settings(lever_base_url=sandbox.base_url, lever_api_key=sandbox.api_key)
    with (
        run_service_in_thread(create_app(settings, engine)) as service,
        httpx.Client(base_url=service.url, headers=AUTH, timeout=10.0) as client,
    ):
        yield client


def test_feedback_template_read_through_the_ttl_cache(templates_service: httpx.Client, sandbox: RunningSandbox) -> None:
    sandbox.reset()
    assert templates_service.get("/feedback-templates").json()["data"] == []
    first = templates_service.get("/feedback-templates/no-feedback")
    assert first.status_code == 200, first.text
    assert first.json()["data"]["id"] == "no-feedback"
    requests_after_first = sandbox.stats()["requests_total"]
    again = templates_service.get("/feedback-templates/no-feedback")
    assert again.json() == first.json()
    assert sandbox.stats()["requests_total"] == requests_after_first  # answered from the warehouse within the TTL
    listed = templates_service.get("/feedback-templates").json()["data"]
    assert [t["id"] for t in listed] == ["no-feedback"]
    assert templates_service.get("/feedback-templates/no-such-template").status_code == 404


def test_openapi_documents_every_route(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for path in (
        "/webhooks/lever/{event_type}",
        "/health",
        "/candidates",
        "/candidates/{candidate_id}",
        "/feedback-templates",
        "/feedback-templates/{template_id}",
    ):
        assert path in paths
    assert http.get("/docs").status_code == 200
