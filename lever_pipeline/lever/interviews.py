"""Interviews of an opportunity (`/opportunities/:id/interviews`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def interview_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every interview of one opportunity, as raw pages; raises `LeverNotFound` if the opportunity is gone."""
    return client.paginate(f"/opportunities/{opportunity_id}/interviews")
