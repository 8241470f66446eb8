"""Job postings (`/postings`), in every state, with their categories and content."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Literal

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp, Urls, UserRef, to_ms
from lever_pipeline.lever.pagination import iter_models


class PostingCategories(LeverModel):
    commitment: str | None = None
    department: str | None = None
    level: str | None = None
    location: str | None = None
    team: str | None = None
    all_locations: list[str] = []


class ContentList(LeverModel):
    """One titled list of a posting's content, e.g. "Requirements"; `content` is HTML `<li>` items."""

    text: str | None = None
    content: str | None = None


class PostingContent(LeverModel):
    description: str | None = None
    description_html: str | None = None
    lists: list[ContentList] = []
    closing: str | None = None
    closing_html: str | None = None


class SalaryRange(LeverModel):
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    interval: str | None = None


class Posting(LeverModel):
    """A job posting. `state` is published, internal, closed, draft, pending or rejected."""

    id: str
    text: str | None = None
    state: str | None = None
    distribution_channels: list[str] | None = None
    user: UserRef | None = None
    owner: UserRef | None = None
    hiring_manager: UserRef | None = None
    categories: PostingCategories | None = None
    tags: list[str] = []
    content: PostingContent | None = None
    country: str | None = None
    followers: list[UserRef] = []
    req_code: str | None = None
    requisition_codes: list[str] = []
    salary_range: SalaryRange | None = None
    salary_description: str | None = None
    urls: Urls | None = None
    confidentiality: str | None = None
    workplace_type: str | None = None
    created_at: LeverTimestamp | None = None
    updated_at: LeverTimestamp | None = None


async def iter_postings(
    client: LeverClient,
    updated_since: datetime | None = None,
    *,
    confidentiality: Literal["non-confidential", "confidential", "all"] | None = None,
    expand: Sequence[str] = (),
) -> AsyncIterator[Posting]:
    """Every posting in every state (no `state` filter), optionally only those updated since a time."""
    params: dict[str, Any] = {"include": ["content", "followers"], "confidentiality": confidentiality}
    if updated_since is not None:
        params["updated_at_start"] = to_ms(updated_since)
    if expand:
        params["expand"] = list(expand)
    async for posting in iter_models(client, "/postings", Posting, params):
        yield posting


async def get_posting(client: LeverClient, posting_id: str) -> Posting | None:
    """One posting, or None when Lever has no such posting."""
    data = await client.get(f"/postings/{posting_id}")
    return Posting.from_raw(data) if data is not None else None
