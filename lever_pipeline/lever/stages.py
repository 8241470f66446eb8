"""Pipeline stages (`/stages`): the ids opportunities point at, including Lever's fixed ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel
from lever_pipeline.lever.pagination import iter_models


class Stage(LeverModel):
    """A stage: a UUID, or one of `lead-new`, `lead-reached-out`, `lead-responded`, `applicant-new`, `offer`."""

    id: str
    text: str | None = None


async def iter_stages(client: LeverClient) -> AsyncIterator[Stage]:
    """Every stage of the account."""
    async for stage in iter_models(client, "/stages", Stage):
        yield stage


async def get_stage(client: LeverClient, stage_id: str) -> Stage | None:
    """One stage, or None when Lever has no such stage."""
    data = await client.get(f"/stages/{stage_id}")
    return Stage.from_raw(data) if data is not None else None
