"""Resumes, files and offers of an opportunity: metadata lists and byte downloads.

A download of a file Lever has not processed answers 422 (raised as `LeverError` with
`status == 422`); a deleted one answers 404 (`LeverNotFound`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp, UserRef
from lever_pipeline.lever.pagination import iter_models


class ResumeFile(LeverModel):
    name: str | None = None
    ext: str | None = None
    download_url: str | None = None
    uploaded_at: LeverTimestamp | None = None
    status: str | None = None
    size: int | None = None


class Resume(LeverModel):
    """A resume; `parsed_data` holds Lever's parse (`positions`, `schools`) as sent."""

    id: str
    created_at: LeverTimestamp | None = None
    file: ResumeFile | None = None
    parsed_data: dict[str, Any] | None = None


class File(LeverModel):
    """A file attached to an opportunity; `status` is processing, processed, unsupported, error or None."""

    id: str
    name: str | None = None
    ext: str | None = None
    download_url: str | None = None
    uploaded_at: LeverTimestamp | None = None
    status: str | None = None
    size: int | None = None


class OfferField(LeverModel):
    text: str | None = None
    identifier: str | None = None
    value: Any = None


class OfferDocument(LeverModel):
    file_name: str | None = None
    uploaded_at: LeverTimestamp | None = None
    download_url: str | None = None


class Offer(LeverModel):
    """An offer; `status` is draft, approval-sent, approved, sent, sent-manually, opened, denied or signed."""

    id: str
    created_at: LeverTimestamp | None = None
    status: str | None = None
    creator: UserRef | None = None
    fields: list[OfferField] = []
    sent_document: OfferDocument | None = None
    signed_document: OfferDocument | None = None
    approved_at: LeverTimestamp | None = None
    sent_at: LeverTimestamp | None = None
    signatures: Any = None


async def iter_resumes(client: LeverClient, opportunity_id: str) -> AsyncIterator[Resume]:
    """Every resume of one opportunity."""
    async for resume in iter_models(client, f"/opportunities/{opportunity_id}/resumes", Resume):
        yield resume


async def iter_files(client: LeverClient, opportunity_id: str) -> AsyncIterator[File]:
    """Every file of one opportunity."""
    async for file in iter_models(client, f"/opportunities/{opportunity_id}/files", File):
        yield file


async def iter_offers(client: LeverClient, opportunity_id: str) -> AsyncIterator[Offer]:
    """Every offer of one opportunity."""
    async for offer in iter_models(client, f"/opportunities/{opportunity_id}/offers", Offer):
        yield offer


async def download_resume(client: LeverClient, opportunity_id: str, resume_id: str) -> bytes:
    """The resume's file bytes."""
    return await client.download(f"/opportunities/{opportunity_id}/resumes/{resume_id}/download")


async def download_file(client: LeverClient, opportunity_id: str, file_id: str) -> bytes:
    """The file's bytes."""
    return await client.download(f"/opportunities/{opportunity_id}/files/{file_id}/download")


async def download_offer(
    client: LeverClient, opportunity_id: str, offer_id: str, status: Literal["sent", "signed"] = "signed"
) -> bytes:
    """The offer document as sent, or as signed."""
    return await client.download(f"/opportunities/{opportunity_id}/offers/{offer_id}/download", {"status": status})
