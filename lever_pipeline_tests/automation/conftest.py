"""Fixtures for automation tests: a reset sandbox over HTTP, its users and stages in a real PostgreSQL,
and builders that store one candidacy's interviews and forms as the sync stores them (its row mappers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from lever_pipeline.automation.rules import Rule, create_rule
from lever_pipeline.sync.per_opportunity_rows import feedback_rows, interview_rows
from lever_pipeline.sync.rows import opportunity_row, stage_row
from lever_pipeline.warehouse.tables import lever_opportunities, lever_stages
from lever_pipeline.warehouse.tables.feedback import (
    feedback_field_values,
    interview_interviewers,
    lever_feedback,
    lever_interviews,
)
from lever_pipeline_tests.defs.conftest import warehouse_resource  # noqa: F401  (shared fixture)
from lever_pipeline_tests.writeback.conftest import World, api, make_world

TEMPLATE = "tmpl-onsite"
CULTURE = "Culture add"


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass
class Candidacy:
    """One sandbox opportunity mirrored in the warehouse, in stage `stage` of posting `posting`."""

    world: World
    opportunity_id: str
    stage: str
    next_stage: str
    posting: str
    entered_at: datetime

    def interview(self, *user_ids: str, stage: str | None = None, canceled: bool = False) -> str:
        iid = f"iv-{uuid.uuid4().hex[:10]}"
        iv = {
            "id": iid,
            "interviewers": [{"id": u, "feedbackTemplate": TEMPLATE} for u in user_ids],
            "stage": stage or self.stage,
            "createdAt": to_ms(self.entered_at),
            "date": to_ms(self.entered_at + timedelta(hours=1)),
            "canceledAt": to_ms(self.entered_at) if canceled else None,
            "postings": [self.posting],
        }
        rows, people = interview_rows(self.opportunity_id, [iv])
        with self.world.engine.begin() as conn:
            conn.execute(sa.insert(lever_interviews), rows)
            if people:
                conn.execute(sa.insert(interview_interviewers), people)
        return iid

    def form(
        self,
        user_id: str,
        at: datetime,
        *,
        overall: str | None = "3 - Hire",
        culture: str | None = "yes",
        interview: str | None = None,
        template: str = TEMPLATE,
    ) -> str:
        fid = f"fb-{uuid.uuid4().hex[:10]}"
        form = {
            "id": fid,
            "type": "interview",
            "baseTemplateId": template,
            "interview": interview,
            "user": user_id,
            "createdAt": to_ms(at),
            "completedAt": to_ms(at),
            "updatedAt": None,
            "deletedAt": None,
            "fields": [
                {
                    "id": "f-overall",
                    "type": "score-system",
                    "text": "Overall rating",
                    "options": [
                        {"text": t} for t in ("4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire")
                    ],
                    "value": overall,
                },
                {"id": "f-culture", "type": "yes-no", "text": CULTURE, "value": culture},
                {"id": "f-notes", "type": "textarea", "text": "Evidence", "value": "fine"},
            ],
        }
        forms, values = feedback_rows(self.opportunity_id, [form])
        with self.world.engine.begin() as conn:
            conn.execute(sa.insert(lever_feedback), forms)
            conn.execute(sa.insert(feedback_field_values), values)
        return fid


def store_stages(world: World) -> list[dict[str, Any]]:
    stages = api(world.sandbox, "/stages")
    with world.engine.begin() as conn:
        conn.execute(sa.insert(lever_stages), [stage_row(s, i) for i, s in enumerate(stages)])
    return stages


def candidacy(world: World, n: int = 0, *, days_in_stage: float = 1.0) -> Candidacy:
    """Opportunity `n` of the sandbox, stored as in an interview stage it entered `days_in_stage` ago."""
    stages = store_stages(world)
    opp = world.opportunities[n]
    position = next(i for i, s in enumerate(stages) if s["id"] == opp["stage"])
    if position + 1 >= len(stages) - 1:
        position = 4
    entered = datetime.now(UTC) - timedelta(days=days_in_stage)
    stage, after = stages[position]["id"], stages[position + 1]["id"]
    posting = f"posting-{n}"
    raw = {
        **opp,
        "stage": stage,
        "stageChanges": [{"toStageId": stage, "toStageIndex": position, "updatedAt": to_ms(entered)}],
    }
    row = opportunity_row(raw) | {"posting_ids": [posting]}
    with world.engine.begin() as conn:
        conn.execute(sa.insert(lever_opportunities), [row])
    return Candidacy(world, opp["id"], stage, after, posting, entered)


def rule_for(world: World, c: Candidacy, **overrides: Any) -> Rule:
    reasons = api(world.sandbox, "/archive_reasons")
    body: dict[str, Any] = {
        "name": f"onsite-{uuid.uuid4().hex[:6]}",
        "stage_id": c.stage,
        "posting_id": c.posting,
        "template_ids": [TEMPLATE],
        "thresholds": [{"kind": "overall", "min": 3}, {"kind": "yes_no", "field": CULTURE}],
        "on_fail": {
            "action": "notify",
            "archive_reason_id": next(r["id"] for r in reasons if r["type"] == "non-hired"),
        },
        "owner_email": world.active_user()["email"],
        "slack_channel": "C0RECRUIT",
        "dry_run": False,
    }
    return create_rule(world.engine, body | overrides)


@pytest.fixture
def world(sandbox: Any, clean_engine: sa.Engine, warehouse_resource) -> World:  # noqa: F811
    return make_world(sandbox, clean_engine, warehouse_resource)
