"""Requisitions (`/requisitions`): headcount plans, and the custom fields they carry (`/requisition_fields`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.confidentiality import Confidentiality, all_or_default


def requisition_pages(
    client: LeverClient, *, confidentiality: Confidentiality = "all"
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every requisition in every status as raw pages.

    Lever's list takes no `updated_at` filter, so this is always the whole list (a few
    pages even for a large account). Confidential requisitions are included (`all`) when
    the key may read them; otherwise, after one 403, the list is Lever's default,
    non-confidential only (see `confidentiality`).
    """

    def pages(conf: Confidentiality | None) -> AsyncIterator[list[dict[str, Any]]]:
        return client.paginate("/requisitions", {"confidentiality": conf})

    if confidentiality == "all":
        return all_or_default(client, "/requisitions", pages)
    return pages(confidentiality)


def requisition_field_pages(client: LeverClient) -> AsyncIterator[list[dict[str, Any]]]:
    """Every requisition custom field the account defines (one page: Lever sends no `hasNext` here)."""
    return client.paginate("/requisition_fields")
