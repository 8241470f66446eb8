"""Notes on an opportunity (`/opportunities/:id/notes`); `writes.create_note` adds one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from lever_pipeline.lever.client import LeverClient


def note_pages(client: LeverClient, opportunity_id: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Every note of one opportunity, as raw pages."""
    return client.paginate(f"/opportunities/{opportunity_id}/notes")
