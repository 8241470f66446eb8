"""Account reference lists: archive reasons (`/archive_reasons`), sources (`/sources`), tags (`/tags`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel
from lever_pipeline.lever.pagination import iter_models


class ArchiveReason(LeverModel):
    """Why an opportunity was archived; every account has one `type="hired"` reason."""

    id: str
    text: str | None = None
    status: str | None = None
    type: str | None = None


class Source(LeverModel):
    """A source text and how many opportunities carry it (sources have no id)."""

    text: str
    count: int | None = None


class Tag(LeverModel):
    """A tag text and how many opportunities carry it (tags have no id)."""

    text: str
    count: int | None = None


async def iter_archive_reasons(
    client: LeverClient, type: Literal["hired", "non-hired"] | None = None
) -> AsyncIterator[ArchiveReason]:
    """Every archive reason, or only those of one `type`."""
    async for reason in iter_models(client, "/archive_reasons", ArchiveReason, {"type": type}):
        yield reason


async def iter_sources(client: LeverClient) -> AsyncIterator[Source]:
    """Every source in use."""
    async for source in iter_models(client, "/sources", Source):
        yield source


async def iter_tags(client: LeverClient) -> AsyncIterator[Tag]:
    """Every tag in use."""
    async for tag in iter_models(client, "/tags", Tag):
        yield tag
