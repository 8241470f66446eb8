"""Resumes, files and offers of an opportunity: metadata lists, and resume and file downloads.

A download of a file Lever has not processed answers 422 (raised as `LeverError` with
`status == 422`); a deleted one answers 404 (`LeverNotFound`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def resume_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every resume of one opportunity (file metadata and Lever's parse, not bytes), as raw pages."""
    return client.paginate(f"/opportunities/{opportunity_id}/resumes")


def file_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every file of one opportunity (metadata, not bytes), as raw pages."""
    return client.paginate(f"/opportunities/{opportunity_id}/files")


def offer_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every offer of one opportunity, as raw pages."""
    return client.paginate(f"/opportunities/{opportunity_id}/offers")


async def _download(client: LeverClient, path: str) -> bytes:
    return (await client.request("GET", path)).content


async def download_resume(client: LeverClient, opportunity_id: str, resume_id: str) -> bytes:
    """The resume's file bytes."""
    return await _download(client, f"/opportunities/{opportunity_id}/resumes/{resume_id}/download")


async def download_file(client: LeverClient, opportunity_id: str, file_id: str) -> bytes:
    """The file's bytes."""
    return await _download(client, f"/opportunities/{opportunity_id}/files/{file_id}/download")
