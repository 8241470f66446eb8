"""Notes on an opportunity (`/opportunities/:id/notes`): read them, add one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import LeverModel, LeverTimestamp, UserRef, to_ms
from lever_pipeline.lever.pagination import iter_models


class NoteField(LeverModel):
    """One entry of a note (the note itself, then any threaded comments)."""

    type: str | None = None
    text: str | None = None
    value: Any = None
    created_at: LeverTimestamp | None = None
    user: UserRef | None = None
    score: int | None = None
    stage: str | None = None


class Note(LeverModel):
    id: str
    text: str | None = None
    fields: list[NoteField] = []
    user: UserRef | None = None
    secret: bool | None = None
    completed_at: LeverTimestamp | None = None
    created_at: LeverTimestamp | None = None
    deleted_at: LeverTimestamp | None = None


async def iter_notes(client: LeverClient, opportunity_id: str) -> AsyncIterator[Note]:
    """Every note of one opportunity."""
    async for note in iter_models(client, f"/opportunities/{opportunity_id}/notes", Note):
        yield note


async def create_note(
    client: LeverClient,
    opportunity_id: str,
    value: str,
    *,
    perform_as: str | None = None,
    secret: bool = False,
    score: int | None = None,
    notify_followers: bool = False,
    created_at: datetime | None = None,
    thread_note_id: str | None = None,
) -> str | None:
    """Add a note (or, with `thread_note_id`, a comment on one); returns the new note's id.

    Without `perform_as` Lever records no author. `score` is 1 (strong no) to 4 (strong yes).
    """
    body: dict[str, Any] = {"value": value, "secret": secret, "notifyFollowers": notify_followers}
    if score is not None:
        body["score"] = score
    if created_at is not None:
        body["createdAt"] = to_ms(created_at)
    params = {"note_id": thread_note_id} if thread_note_id else None
    data = await client.post(f"/opportunities/{opportunity_id}/notes", body, perform_as=perform_as, params=params)
    # Lever's docs answer {"noteId"}; recorded answers are the whole note plus noteId.
    return (data.get("noteId") or data.get("id")) if data else None
