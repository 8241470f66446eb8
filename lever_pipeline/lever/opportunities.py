"""Opportunities: a candidate's candidacy, Lever's central object.

Lists stream as raw pages through concurrent created_at windows, confidential ones
included when the key may read them (`confidentiality`); a single read returns the raw
dict. Callers map dicts straight to rows (see `sync.rows` for why no model).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import Confidentiality, all_or_default
from lever_pipeline.lever.models import to_ms
from lever_pipeline.lever.pagination import windowed_pages

# A list is paged in created_at windows up to here; nothing is created in the future, and a
# day of slack covers clock skew between us and Lever.
_TOMORROW_MS = 86_400_000


def opportunity_params(
    *,
    updated_since: datetime | None = None,
    confidentiality: Confidentiality | None = None,
    archived: bool | None = None,
    expand: Sequence[str] = (),
) -> dict[str, Any]:
    """Query parameters for `/opportunities`; None leaves Lever's default (which is non-confidential)."""
    params: dict[str, Any] = {}
    if expand:
        params["expand"] = list(expand)
    if updated_since is not None:
        params["updated_at_start"] = to_ms(updated_since)
    if confidentiality is not None:
        params["confidentiality"] = confidentiality
    if archived is not None:
        params["archived"] = archived
    return params


def opportunity_pages(
    client: LeverClient,
    *,
    updated_since: datetime | None = None,
    expand: Sequence[str] = (),
    parallel: int = 8,
    confidentiality: Confidentiality = "all",
    archived: bool | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every opportunity (active and archived unless `archived` says) as raw pages, several windows at once.

    Pages arrive in no particular order and each opportunity exactly once; at most a few
    pages are held in memory. `parallel` caps the concurrent windows (1 pages sequentially;
    see `pagination`). Confidential opportunities are included (`all`) when the key may
    read them; otherwise, after one 403, the list is Lever's default, non-confidential only.
    """
    end_ms = int(time.time() * 1000) + _TOMORROW_MS

    def pages(conf: Confidentiality | None) -> AsyncIterator[list[dict[str, Any]]]:
        params = opportunity_params(updated_since=updated_since, confidentiality=conf, archived=archived, expand=expand)
        return windowed_pages(client, "/opportunities", params, end_ms=end_ms, parallel=parallel)

    if confidentiality == "all":
        return all_or_default(client, "/opportunities", pages)
    return pages(confidentiality)


def deleted_opportunity_pages(
    client: LeverClient, *, deleted_since: datetime | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Opportunities Lever deleted (at or after `deleted_since`; all when None), as raw pages.

    Each item is the opportunity as it was, plus `deletedAt` (ms) and `deletedBy` (a user id).
    """
    since = to_ms(deleted_since) if deleted_since is not None else None
    return client.paginate("/opportunities/deleted", {"deleted_at_start": since})


async def get_opportunity(
    client: LeverClient, opportunity_id: str, *, expand: Sequence[str] = ()
) -> dict[str, Any] | None:
    """One opportunity as Lever sends it, or None when Lever no longer has it (404)."""
    return await client.get(f"/opportunities/{opportunity_id}", {"expand": list(expand)} if expand else None)
