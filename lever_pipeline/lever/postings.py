"""Job postings (`/postings`), in every state, with their categories and content."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import to_ms


def posting_pages(client: LeverClient, *, updated_since: datetime | None = None) -> AsyncIterator[list[dict[str, Any]]]:
    """Every posting in every state (no `state` filter) as raw pages, optionally only those updated since a time."""
    return client.paginate("/postings", {"updated_at_start": to_ms(updated_since) if updated_since else None})
