"""Interview panels of an opportunity (`/opportunities/:id/panels`): interviews scheduled together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def panel_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every panel of one opportunity, as raw pages; raises `LeverNotFound` if the opportunity is gone."""
    return client.paginate(f"/opportunities/{opportunity_id}/panels")
