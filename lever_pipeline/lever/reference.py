"""Account reference lists: archive reasons (`/archive_reasons`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from lever_pipeline.lever.client import LeverClient


def archive_reason_pages(
    client: LeverClient, *, type: Literal["hired", "non-hired"] | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every archive reason as raw pages, or only those of one `type` (every account has one "hired")."""
    return client.paginate("/archive_reasons", {"type": type})
