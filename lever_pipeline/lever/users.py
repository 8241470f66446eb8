"""Users (`/users`): the people who own, follow, interview and write feedback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from lever_pipeline.lever.client import LeverClient


def user_pages(client: LeverClient, *, include_deactivated: bool = True) -> AsyncIterator[list[dict[str, Any]]]:
    """Every user as raw pages; deactivated ones too unless told otherwise.

    Lever's own default leaves deactivated users out, but they still own opportunities
    and wrote feedback, so the sync keeps them.
    """
    return client.paginate("/users", {"includeDeactivated": True} if include_deactivated else None)


async def get_user(client: LeverClient, user_id: str) -> dict[str, Any] | None:
    """One user (deactivated or not) as Lever sends it, or None when Lever has no such user (404)."""
    return await client.get(f"/users/{quote(user_id, safe='')}")
