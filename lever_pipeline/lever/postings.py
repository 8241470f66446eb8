"""Job postings (`/postings`), in every state, with their categories and content."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import Confidentiality, all_or_default
from lever_pipeline.lever.models import to_ms


def posting_pages(
    client: LeverClient, *, updated_since: datetime | None = None, confidentiality: Confidentiality = "all"
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every posting in every state (no `state` filter) as raw pages, optionally only those updated since a time.

    Confidential postings are included (`all`) when the key may read them; otherwise, after
    one 403, the list is Lever's default, non-confidential only (see `confidentiality`).
    """
    since = to_ms(updated_since) if updated_since else None

    def pages(conf: Confidentiality | None) -> AsyncIterator[list[dict[str, Any]]]:
        return client.paginate("/postings", {"updated_at_start": since, "confidentiality": conf})

    if confidentiality == "all":
        return all_or_default(client, "/postings", pages)
    return pages(confidentiality)


def deleted_posting_pages(
    client: LeverClient, *, deleted_since: datetime | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Postings Lever deleted (at or after `deleted_since`; all when None), as raw pages, each with `deletedAt`."""
    since = to_ms(deleted_since) if deleted_since is not None else None
    return client.paginate("/postings/deleted", {"deleted_at_start": since})


async def get_posting(client: LeverClient, posting_id: str) -> dict[str, Any] | None:
    """One posting as Lever sends it, or None when Lever has no such posting (404).

    Raises `LeverAuthError` (403) for a confidential posting the key may not read.
    """
    return await client.get(f"/postings/{quote(posting_id, safe='')}")
