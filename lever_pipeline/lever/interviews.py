"""Interviews and panels of an opportunity (`/opportunities/:id/interviews`, `/panels`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp, UserRef
from lever_pipeline.lever.pagination import iter_models


class Interviewer(LeverModel):
    id: str | None = None
    name: str | None = None
    email: str | None = None
    feedback_template: str | None = None
    response_status: str | None = None


class Interview(LeverModel):
    """One scheduled interview; `feedback_forms` lists the ids of the forms filed for it."""

    id: str
    panel: str | None = None
    subject: str | None = None
    note: str | None = None
    interviewers: list[Interviewer] = []
    timezone: str | None = None
    created_at: LeverTimestamp | None = None
    date: LeverTimestamp | None = None
    duration: int | None = None
    location: str | None = None
    feedback_template: str | None = None
    feedback_forms: list[str] = []
    feedback_reminder: str | None = None
    user: UserRef | None = None
    stage: str | None = None
    canceled_at: LeverTimestamp | None = None
    postings: list[str] = []
    gcal_event_url: str | None = None
    opportunity_id: str | None = None


class PanelInterview(LeverModel):
    """An interview as listed inside its panel."""

    id: str | None = None
    subject: str | None = None
    note: str | None = None
    date: LeverTimestamp | None = None
    duration: int | None = None
    location: str | None = None
    feedback_template: str | None = None
    feedback_reminder: str | None = None
    interviewers: list[Interviewer] = []


class Panel(LeverModel):
    """A group of interviews; only `externally_managed` panels can be changed through the API."""

    id: str
    applications: list[str] = []
    canceled_at: LeverTimestamp | None = None
    created_at: LeverTimestamp | None = None
    start: LeverTimestamp | None = None
    end: LeverTimestamp | None = None
    externally_managed: bool | None = None
    external_url: str | None = None
    feedback_reminder: str | None = None
    interviews: list[PanelInterview] = []
    note: str | None = None
    stage: str | None = None
    timezone: str | None = None
    user: UserRef | None = None


async def iter_interviews(client: LeverClient, opportunity_id: str) -> AsyncIterator[Interview]:
    """Every interview of one opportunity."""
    async for interview in iter_models(client, f"/opportunities/{opportunity_id}/interviews", Interview):
        yield interview


async def iter_panels(client: LeverClient, opportunity_id: str) -> AsyncIterator[Panel]:
    """Every interview panel of one opportunity."""
    async for panel in iter_models(client, f"/opportunities/{opportunity_id}/panels", Panel):
        yield panel
