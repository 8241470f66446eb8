"""Pipeline stages (`/stages`): the ids opportunities point at, including Lever's fixed ones
(`lead-new`, `lead-reached-out`, `lead-responded`, `applicant-new`, `offer`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def stage_pages(client: LeverClient) -> AsyncIterator[list[dict[str, Any]]]:
    """Every stage of the account, as raw pages in Lever's order (the order is the stage position)."""
    return client.paginate("/stages")
