"""Users (`/users`): the people who own, follow, interview and write feedback."""

from __future__ import annotations

from collections.abc import AsyncIterator

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp
from lever_pipeline.lever.pagination import iter_models


class User(LeverModel):
    """A Lever user; `deactivated_at` is set for users who left (they still own old records)."""

    id: str
    name: str | None = None
    username: str | None = None
    email: str | None = None
    access_role: str | None = None
    photo: str | None = None
    created_at: LeverTimestamp | None = None
    deactivated_at: LeverTimestamp | None = None
    external_directory_id: str | None = None
    linked_contact_ids: list[str] | None = None
    job_title: str | None = None
    manager_id: str | None = None


async def iter_users(client: LeverClient, include_deactivated: bool = True) -> AsyncIterator[User]:
    """Every user; deactivated ones too unless told otherwise (Lever's own default leaves them out)."""
    params = {"includeDeactivated": True} if include_deactivated else None
    async for user in iter_models(client, "/users", User, params):
        yield user


async def get_user(client: LeverClient, user_id: str) -> User | None:
    """One user, or None when Lever has no such user."""
    data = await client.get(f"/users/{user_id}")
    return User.from_raw(data) if data is not None else None
