"""The write-back routes over HTTP (FastAPI's TestClient on the real app) against the sandbox and a real PostgreSQL.

Writes are taken only for candidates the warehouse has, so each test first stores the
sandbox's opportunities as the sync does; the unknown-candidate tests skip that for one id.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from lever_pipeline.service.app import create_app
from lever_pipeline.sync import rows
from lever_pipeline.warehouse.tables import lever_opportunities
from lever_pipeline.warehouse.upsert import upsert_rows
from lever_pipeline.writeback import outbox
from lever_pipeline_tests.account.sandbox_account import sandbox_settings
from lever_pipeline_tests.writeback.conftest import World, api, valid_values

TOKEN = "test-service-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def store_opportunities(world: World, skip: str | None = None) -> None:
    """The world's opportunities in the warehouse, mapped as the sync maps them (all but `skip`)."""
    with world.engine.begin() as conn:
        upsert_rows(
            conn, lever_opportunities, [rows.opportunity_row(o) for o in world.opportunities if o["id"] != skip]
        )


@pytest.fixture
def http(world: World) -> Iterator[TestClient]:
    """The service app for the world's sandbox: its settings, its engine, its one Lever client."""
    store_opportunities(world, skip=world.opportunity(5))
    settings = sandbox_settings(
        world.sandbox,
        service_api_token=TOKEN,
        lever_service_user_id=world.active_user(3)["id"],
        lever_rate_limit_per_second=100,  # the sandbox limits nothing; tests need not wait at 8/s
        lever_rate_limit_burst=20,
    )
    with TestClient(create_app(settings, world.engine)) as tc:
        yield tc


def test_routes_need_the_bearer_token(http: TestClient) -> None:
    assert http.get("/feedback-drafts/1").status_code == 401
    assert http.get("/feedback-drafts/1", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/feedback-drafts/1", headers=AUTH).status_code == 404


def test_draft_review_and_submit_flow(http: TestClient, world: World) -> None:
    template = world.template("text")
    opp = world.opportunity()
    user = world.active_user()
    r = http.post(
        f"/candidates/{opp}/feedback-drafts",
        json={"template_id": template["id"], "field_values": [], "interviewer_email": user["email"]},
        headers=AUTH,
    )
    assert r.status_code == 201
    draft = r.json()
    assert draft["status"] == "draft" and draft["template_updated_at"]
    # Submitting with required fields empty fails with the fields named, and sends nothing.
    r = http.post(f"/candidates/{opp}/feedback/{draft['id']}/submit", headers=AUTH)
    assert r.status_code == 422 and r.json()["errors"] and "is required" in r.json()["reason"]
    r = http.patch(f"/feedback-drafts/{draft['id']}", json={"field_values": valid_values(template)}, headers=AUTH)
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert (
        http.post(f"/feedback-drafts/{draft['id']}/approve", json={"approved_by": "r@x"}, headers=AUTH).json()["draft"][
            "status"
        ]
        == "approved"
    )
    r = http.post(f"/candidates/{opp}/feedback/{draft['id']}/submit", headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["lever_feedback_id"]
    form = next(f for f in api(world.sandbox, f"/opportunities/{opp}/feedback") if f["id"] == body["lever_feedback_id"])
    assert form["user"] == user["id"]
    assert http.get(f"/feedback-drafts/{draft['id']}", headers=AUTH).json()["status"] == "submitted"
    assert http.patch(f"/feedback-drafts/{draft['id']}", json={"field_values": []}, headers=AUTH).status_code == 409


def test_queue_routes_then_job_sends(http: TestClient, world: World) -> None:
    opp = world.opportunity()
    stage = api(world.sandbox, "/stages")[3]["id"]
    n = http.post(f"/candidates/{opp}/notes", json={"value": "Great"}, headers={**AUTH, "Idempotency-Key": "k1"})
    again = http.post(f"/candidates/{opp}/notes", json={"value": "Great"}, headers={**AUTH, "Idempotency-Key": "k1"})
    assert n.status_code == 202 and n.json()["id"] == again.json()["id"] and n.json()["status"] == "pending"
    t = http.post(f"/candidates/{opp}/tags", json={"add": ["api-tag"]}, headers=AUTH)
    s = http.post(f"/candidates/{opp}/stage", json={"stage": stage}, headers=AUTH)
    f = http.post(f"/candidates/{opp}/files", files={"file": ("cv.txt", b"resume", "text/plain")}, headers=AUTH)
    assert t.status_code == s.status_code == f.status_code == 202
    result = world.send(("note", "add_tags", "stage_change", "file"), service_user_id=world.active_user()["id"])
    assert result.totals()["sent"] == 4
    o = api(world.sandbox, f"/opportunities/{opp}")
    assert "api-tag" in o["tags"] and o["stage"] == stage
    assert any(x["name"] == "cv.txt" for x in api(world.sandbox, f"/opportunities/{opp}/files"))


def test_writes_for_a_candidate_the_warehouse_lacks_are_refused_at_once(http: TestClient, world: World) -> None:
    """Lever has this opportunity but the warehouse does not (not synced yet): 404 naming it, nothing queued."""
    unknown = world.opportunity(5)
    template = world.template("text")
    answers = [
        http.post(f"/candidates/{unknown}/feedback-drafts", json={"template_id": template["id"]}, headers=AUTH),
        http.post(f"/candidates/{unknown}/notes", json={"value": "Great"}, headers=AUTH),
        http.post(f"/candidates/{unknown}/tags", json={"add": ["t"]}, headers=AUTH),
        http.post(f"/candidates/{unknown}/stage", json={"stage": "offer"}, headers=AUTH),
        http.post(f"/candidates/{unknown}/archive", json={}, headers=AUTH),
        http.post(f"/candidates/{unknown}/files", files={"file": ("cv.txt", b"x", "text/plain")}, headers=AUTH),
    ]
    for r in answers:
        assert r.status_code == 404, r.text
        assert r.json()["field"] == "path.candidate_id" and unknown in r.json()["detail"]
    assert outbox.list_items(world.engine) == []
    assert world.scalar("SELECT count(*) FROM feedback_drafts") == 0


def test_a_deleted_candidate_takes_no_writes(http: TestClient, world: World) -> None:
    opp = world.opportunity()
    with world.engine.begin() as conn:
        conn.execute(
            lever_opportunities.update().where(lever_opportunities.c.id == opp).values(deleted_at=sa.func.now())
        )
    r = http.post(f"/candidates/{opp}/notes", json={"value": "Great"}, headers=AUTH)
    assert r.status_code == 404 and r.json()["field"] == "path.candidate_id"
