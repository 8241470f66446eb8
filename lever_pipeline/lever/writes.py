"""Every write on an opportunity: notes, feedback forms, tags, sources, stage, archive state
and file uploads (registering webhooks is in `webhooks`).

A write is built first, as a `LeverWrite` (method, path, JSON body or multipart file), so a
caller can show or audit it before anything is sent; `send` then makes the call, with
`perform_as` (a Lever user id) as the query parameter Lever takes it as. Lever requires
`perform_as` for feedback and file uploads; without it a note has no author.

Lever takes no idempotency key, so after an attempt whose answer was lost, `find_landed`
looks at what Lever shows to tell whether the write is already there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.feedback import feedback_pages
from lever_pipeline.lever.models import to_ms
from lever_pipeline.lever.notes import note_pages
from lever_pipeline.lever.opportunities import get_opportunity
from lever_pipeline.lever.resumes import file_pages

Action = Literal["note", "feedback", "add_tags", "remove_tags", "add_sources", "stage", "archive", "file"]
_CREATING: frozenset[Action] = frozenset({"note", "feedback", "file"})
"""Writes that make a new object (with its own id); the others change the opportunity."""

FieldValues = Sequence[Mapping[str, Any]] | Mapping[str, Any]
"""Feedback answers: `[{"id": field id, "value": ...}]` as Lever takes them, or `{field id: value}`."""


@dataclass(frozen=True)
class LeverWrite:
    """One write on an opportunity as Lever takes it. Its repr leaves out the body and file,
    which may hold personal data; method and path are safe to show."""

    action: Action
    opportunity_id: str
    method: Literal["POST", "PUT"]
    path: str
    json: dict[str, Any] | None = field(default=None, repr=False)
    files: dict[str, tuple[str, bytes, str]] | None = field(default=None, repr=False)
    params: dict[str, str] | None = None

    @property
    def needs_perform_as(self) -> bool:
        """Lever refuses feedback and file uploads made as nobody."""
        return self.action in ("feedback", "file")


@dataclass(frozen=True)
class Written:
    """Lever's answer to a write: `id` of the note, form or file made, or of the opportunity changed."""

    id: str
    data: dict[str, Any] | None = field(repr=False)


def _path(opportunity_id: str, tail: str) -> str:
    return f"/opportunities/{opportunity_id}/{tail}"


def field_value_list(values: FieldValues) -> list[dict[str, Any]]:
    """`values` as the `[{"id", "value"}]` list Lever takes."""
    if isinstance(values, Mapping):
        return [{"id": fid, "value": value} for fid, value in values.items()]
    return [dict(v) for v in values]


def create_note(
    opportunity_id: str,
    value: str,
    *,
    secret: bool = False,
    score: int | None = None,
    notify_followers: bool = False,
    created_at: datetime | None = None,
    thread_note_id: str | None = None,
) -> LeverWrite:
    """The write that adds a note (or, with `thread_note_id`, a comment on one).

    `score` is 1 (strong no) to 4 (strong yes). `created_at` (in the past) is what
    `find_landed` recognises the note by.
    """
    body: dict[str, Any] = {"value": value, "secret": secret}
    if notify_followers:  # Lever notifies nobody unless asked
        body["notifyFollowers"] = True
    if score is not None:
        body["score"] = score
    if created_at is not None:
        body["createdAt"] = to_ms(created_at)
    params = {"note_id": thread_note_id} if thread_note_id else None
    return LeverWrite("note", opportunity_id, "POST", _path(opportunity_id, "notes"), body, params=params)


def create_feedback(
    opportunity_id: str,
    *,
    template_id: str,
    field_values: FieldValues,
    panel_id: str | None = None,
    interview_id: str | None = None,
    created_at: datetime | None = None,
    completed_at: datetime | None = None,
) -> LeverWrite:
    """The write that submits a feedback form on template `template_id` (send it with `perform_as`).

    `panel_id` and `interview_id` go together (Lever rejects one without the other).
    `created_at` (in the past) is what `find_landed` recognises the form by. When Lever
    refuses the values, `send` raises `LeverValidationError` with Lever's message.
    """
    if (panel_id is None) != (interview_id is None):
        raise ValueError("panel_id and interview_id must be given together")
    body: dict[str, Any] = {"baseTemplateId": template_id, "fieldValues": field_value_list(field_values)}
    if panel_id is not None:
        body["panel"], body["interview"] = panel_id, interview_id
    if created_at is not None:
        body["createdAt"] = to_ms(created_at)
    if completed_at is not None:
        body["completedAt"] = to_ms(completed_at)
    return LeverWrite("feedback", opportunity_id, "POST", _path(opportunity_id, "feedback"), body)


def add_tags(opportunity_id: str, tags: Sequence[str]) -> LeverWrite:
    """The write that adds tags (case-sensitive texts) to an opportunity."""
    return LeverWrite("add_tags", opportunity_id, "POST", _path(opportunity_id, "addTags"), {"tags": list(tags)})


def remove_tags(opportunity_id: str, tags: Sequence[str]) -> LeverWrite:
    """The write that removes tags from an opportunity."""
    return LeverWrite("remove_tags", opportunity_id, "POST", _path(opportunity_id, "removeTags"), {"tags": list(tags)})


def add_sources(opportunity_id: str, sources: Sequence[str]) -> LeverWrite:
    """The write that adds sources to an opportunity."""
    body = {"sources": list(sources)}
    return LeverWrite("add_sources", opportunity_id, "POST", _path(opportunity_id, "addSources"), body)


def change_stage(opportunity_id: str, stage_id: str) -> LeverWrite:
    """The write that moves an opportunity to a stage; Lever appends a `stageChanges` entry."""
    return LeverWrite("stage", opportunity_id, "PUT", _path(opportunity_id, "stage"), {"stage": stage_id})


def archive(
    opportunity_id: str,
    reason_id: str | None,
    *,
    clean_interviews: bool = False,
    requisition_id: str | None = None,
) -> LeverWrite:
    """The write that archives an opportunity with an archive reason id; `reason_id=None` unarchives."""
    body: dict[str, Any] = {"reason": reason_id}
    if clean_interviews:  # Lever keeps upcoming interviews unless asked
        body["cleanInterviews"] = True
    if requisition_id is not None:
        body["requisitionId"] = requisition_id
    return LeverWrite("archive", opportunity_id, "PUT", _path(opportunity_id, "archived"), body)


def upload_file(
    opportunity_id: str, filename: str, content: bytes, content_type: str = "application/octet-stream"
) -> LeverWrite:
    """The write that attaches a file (at most 30 MB) to an opportunity, as multipart part `file`."""
    files = {"file": (filename, content, content_type)}
    return LeverWrite("file", opportunity_id, "POST", _path(opportunity_id, "files"), files=files)


async def send(
    client: LeverClient, write: LeverWrite, *, perform_as: str | None, attempts: int | None = None
) -> Written:
    """Make the write as user `perform_as`; raises the client's `LeverError`s.

    `attempts=1` when a resent request could land twice (see `find_landed`); the client's
    own retry count otherwise.
    """
    data = await client.write(
        write.method,
        write.path,
        json=write.json,
        perform_as=perform_as,
        params=write.params,
        files=write.files,
        attempts=attempts,
    )
    # Lever's docs answer a note with {"noteId"}; recorded answers are the whole note plus noteId.
    made = (data.get("id") or data.get("noteId")) if write.action in _CREATING and data else None
    return Written(str(made) if made is not None else write.opportunity_id, data)


async def find_landed(
    client: LeverClient, write: LeverWrite, *, perform_as: str | None, not_before: datetime
) -> str | None:
    """The id `send` would have answered if Lever already shows `write`, else None.

    Feedback is recognised by template, `createdAt` and author, a note by `createdAt` and
    text (so both must be built with `created_at`), a file by name and size, uploaded at
    or after `not_before`; a change to the opportunity by the opportunity's state now.
    """
    body = write.json or {}
    opp = write.opportunity_id
    if write.action in ("feedback", "note") and "createdAt" not in body:
        raise ValueError(f"a {write.action} built without created_at cannot be recognised in Lever")
    if write.action == "feedback":
        return await _first(feedback_pages(client, opp), lambda form: _same_form(form, body, perform_as))
    if write.action == "note":
        return await _first(note_pages(client, opp), lambda note: _same_note(note, body))
    if write.action == "file":
        name, content, _ = (write.files or {})["file"]
        since = to_ms(not_before)
        return await _first(
            file_pages(client, opp),
            lambda f: f.get("name") == name and f.get("size") == len(content) and (f.get("uploadedAt") or 0) >= since,
        )
    current = await get_opportunity(client, opp)
    return opp if current is not None and _changed(write.action, body, current) else None


async def _first(pages: AsyncIterator[list[dict[str, Any]]], match: Callable[[dict[str, Any]], bool]) -> str | None:
    async for page in pages:
        for obj in page:
            if match(obj):
                return str(obj["id"])
    return None


def _same_form(form: dict[str, Any], body: dict[str, Any], perform_as: str | None) -> bool:
    return (
        form.get("baseTemplateId") == body["baseTemplateId"]
        and form.get("createdAt") == body["createdAt"]
        and form.get("user") == perform_as
        and not form.get("deletedAt")
    )


def _same_note(note: dict[str, Any], body: dict[str, Any]) -> bool:
    values = [f.get("value") for f in note.get("fields") or []]
    return note.get("createdAt") == body["createdAt"] and body["value"] in values


def _changed(action: Action, body: dict[str, Any], current: dict[str, Any]) -> bool:
    if action == "stage":
        return current.get("stage") == body["stage"]
    if action == "archive":
        return (current.get("archived") or {}).get("reason") == body["reason"]
    if action == "add_sources":
        return set(body["sources"]) <= set(current.get("sources") or [])
    tags = set(current.get("tags") or [])
    if action == "add_tags":
        return set(body["tags"]) <= tags
    return not (set(body["tags"]) & tags)  # remove_tags
