"""Writes on an opportunity: tags, sources, stage, archive state, and file uploads.

Each returns the opportunity (or file) as Lever answers after the change. `perform_as`
(a Lever user id) is sent as a query parameter, as Lever requires; it is optional for
these calls except `upload_file`. Feedback and notes are written from their own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.opportunities import Opportunity
from lever_pipeline.lever.resumes import File


def _opportunity(data: dict[str, Any] | None) -> Opportunity | None:
    return Opportunity.from_raw(data) if data is not None else None


async def add_tags(
    client: LeverClient, opportunity_id: str, tags: Sequence[str], *, perform_as: str | None = None
) -> Opportunity | None:
    """Add tags (case-sensitive texts) to an opportunity."""
    data = await client.post(f"/opportunities/{opportunity_id}/addTags", {"tags": list(tags)}, perform_as=perform_as)
    return _opportunity(data)


async def remove_tags(
    client: LeverClient, opportunity_id: str, tags: Sequence[str], *, perform_as: str | None = None
) -> Opportunity | None:
    """Remove tags from an opportunity."""
    data = await client.post(f"/opportunities/{opportunity_id}/removeTags", {"tags": list(tags)}, perform_as=perform_as)
    return _opportunity(data)


async def add_sources(
    client: LeverClient, opportunity_id: str, sources: Sequence[str], *, perform_as: str | None = None
) -> Opportunity | None:
    """Add sources to an opportunity."""
    data = await client.post(
        f"/opportunities/{opportunity_id}/addSources", {"sources": list(sources)}, perform_as=perform_as
    )
    return _opportunity(data)


async def change_stage(
    client: LeverClient, opportunity_id: str, stage_id: str, *, perform_as: str | None = None
) -> Opportunity | None:
    """Move an opportunity to a stage; Lever appends a `stage_changes` entry."""
    data = await client.put(f"/opportunities/{opportunity_id}/stage", {"stage": stage_id}, perform_as=perform_as)
    return _opportunity(data)


async def archive(
    client: LeverClient,
    opportunity_id: str,
    reason_id: str | None,
    *,
    perform_as: str | None = None,
    clean_interviews: bool = False,
    requisition_id: str | None = None,
) -> Opportunity | None:
    """Archive with an archive reason id; `reason_id=None` unarchives."""
    body: dict[str, Any] = {"reason": reason_id, "cleanInterviews": clean_interviews}
    if requisition_id is not None:
        body["requisitionId"] = requisition_id
    data = await client.put(f"/opportunities/{opportunity_id}/archived", body, perform_as=perform_as)
    return _opportunity(data)


async def upload_file(
    client: LeverClient,
    opportunity_id: str,
    filename: str,
    content: bytes,
    *,
    perform_as: str,
    content_type: str = "application/octet-stream",
) -> File | None:
    """Attach a file (at most 30 MB) to an opportunity as multipart `file`."""
    data = await client.post(
        f"/opportunities/{opportunity_id}/files",
        perform_as=perform_as,
        files={"file": (filename, content, content_type)},
    )
    return File.from_raw(data) if data is not None else None
