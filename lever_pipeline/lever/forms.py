"""Profile forms of an opportunity (`/opportunities/:id/forms`): forms filled in about the candidate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def profile_form_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every profile form of one opportunity, as raw pages; raises `LeverNotFound` if the opportunity is gone."""
    return client.paginate(f"/opportunities/{opportunity_id}/forms")
