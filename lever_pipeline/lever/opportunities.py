"""Opportunities: a candidate's candidacy, Lever's central object.

Lists stream as raw pages through concurrent created_at windows (the warehouse maps
dicts straight to rows), or as `Opportunity` models; single reads return a model or None.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp, Phone, Urls, UserRef, to_ms
from lever_pipeline.lever.pagination import iter_windowed_pages


class Archived(LeverModel):
    reason: str | None = None
    archived_at: LeverTimestamp | None = None


class StageChange(LeverModel):
    to_stage_id: str | None = None
    to_stage_index: int | None = None
    updated_at: LeverTimestamp | None = None
    user_id: str | None = None


class Opportunity(LeverModel):
    """One candidacy. Reference fields (`stage`, `owner`, ...) are ids, or objects when expanded."""

    id: str
    name: str | None = None
    contact: str | dict[str, Any] | None = None
    headline: str | None = None
    stage: str | dict[str, Any] | None = None
    confidentiality: str | None = None
    location: str | None = None
    emails: list[str] = []
    phones: list[Phone] = []
    links: list[str] = []
    archived: Archived | None = None
    tags: list[str] = []
    sources: list[str] = []
    stage_changes: list[StageChange] = []
    origin: str | None = None
    sourced_by: UserRef | None = None
    owner: UserRef | None = None
    followers: list[UserRef] = []
    applications: list[str | dict[str, Any]] = []
    created_at: LeverTimestamp | None = None
    updated_at: LeverTimestamp | None = None
    last_interaction_at: LeverTimestamp | None = None
    last_advanced_at: LeverTimestamp | None = None
    snoozed_until: LeverTimestamp | None = None
    urls: Urls | None = None
    is_anonymized: bool | None = None
    opportunity_location: str | None = None


Confidentiality = Literal["non-confidential", "confidential", "all"]


def opportunity_params(
    *,
    updated_since: datetime | None = None,
    confidentiality: Confidentiality | None = None,
    archived: bool | None = None,
    expand: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Query parameters for `/opportunities`; None leaves Lever's default (which is non-confidential)."""
    params: dict[str, Any] = dict(extra or {})
    if expand:
        params["expand"] = list(expand)
    if updated_since is not None:
        params["updated_at_start"] = to_ms(updated_since)
    if confidentiality is not None:
        params["confidentiality"] = confidentiality
    if archived is not None:
        params["archived"] = archived
    return params


async def iter_opportunity_pages(
    client: LeverClient,
    *,
    updated_since: datetime | None = None,
    expand: Sequence[str] = (),
    parallel: int = 8,
    confidentiality: Confidentiality | None = None,
    extra: dict[str, Any] | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every opportunity (active and archived) as raw pages, several created_at windows at a time.

    Pages arrive in no particular order and each opportunity exactly once; at most a few
    pages are held in memory. `parallel` caps the concurrent windows (see `pagination`).
    """
    params = opportunity_params(
        updated_since=updated_since, confidentiality=confidentiality, expand=expand, extra=extra
    )
    end_ms = int(time.time() * 1000) + 86_400_000  # tomorrow: nothing is created after
    async for page in iter_windowed_pages(client, "/opportunities", params, end_ms=end_ms, parallel=parallel):
        yield page


async def iter_opportunities(
    client: LeverClient,
    *,
    updated_since: datetime | None = None,
    windows: int = 8,
    confidentiality: Confidentiality | None = None,
    archived: bool | None = None,
    expand: Sequence[str] = (),
) -> AsyncIterator[Opportunity]:
    """Every opportunity (active and archived unless `archived` says) as a model, in no set order.

    `windows` caps the created_at windows paged concurrently (1 pages sequentially).
    Lever's default confidentiality (non-confidential) applies unless `confidentiality` is given.
    """
    extra = {"archived": archived} if archived is not None else None
    async for page in iter_opportunity_pages(
        client,
        updated_since=updated_since,
        expand=expand,
        parallel=windows,
        confidentiality=confidentiality,
        extra=extra,
    ):
        for opportunity in Opportunity.from_page(page):
            yield opportunity


async def get_opportunity(
    client: LeverClient, opportunity_id: str, *, expand: Sequence[str] = ()
) -> Opportunity | None:
    """One opportunity, or None when Lever no longer has it."""
    data = await client.get(f"/opportunities/{opportunity_id}", {"expand": list(expand)} if expand else None)
    return Opportunity.from_raw(data) if data is not None else None
