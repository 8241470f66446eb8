"""Write-back endpoints of the service: review feedback drafts, submit them, and queue other writes.

Feedback: create a draft for a candidate (opportunity), read and edit it, approve it, or
submit it at once (validated against the template as Lever has it now, then sent and the
result or a clear reason returned). Notes, tags, stage changes, archiving and files are
queued in the outbox (the `submit_lever_writes` job sends them) and answer 202 with the
item's id and status. Every route needs the service's bearer token. An `Idempotency-Key`
header makes a queueing request safe to repeat.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Request, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.service.auth import app_settings, require_service_token
from lever_pipeline.settings import Settings
from lever_pipeline.sync.template_cache import get_feedback_template
from lever_pipeline.sync.template_store import WarehouseTemplateStore
from lever_pipeline.writeback import outbox
from lever_pipeline.writeback.drafts import (
    Draft,
    DraftNotFound,
    DraftStateError,
    approve_draft,
    create_draft,
    edit_draft,
    get_draft,
)
from lever_pipeline.writeback.sender import WritebackOptions, submit_now
from lever_pipeline.writeback.validation import validate_field_values

MAX_FILE_BYTES = 30 * 1024 * 1024


def app_engine(request: Request) -> Engine:
    """The warehouse engine the app was built with."""
    return request.app.state.engine


def app_client(request: Request) -> LeverClient:
    """The app's Lever client: opened with the app, on the rate limit every process shares."""
    return request.app.state.lever


EngineDep = Annotated[Engine, Depends(app_engine)]
ClientDep = Annotated[LeverClient, Depends(app_client)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]

router = APIRouter(tags=["write-back"], dependencies=[Depends(require_service_token)])


class FieldValue(BaseModel):
    id: str
    value: Any = None


class DraftIn(BaseModel):
    template_id: str
    field_values: list[FieldValue] = Field(default_factory=list)
    interviewer_email: str | None = None
    interview_id: str | None = None
    panel_id: str | None = None


class DraftPatch(BaseModel):
    field_values: list[FieldValue] | None = None
    interviewer_email: str | None = None
    interview_id: str | None = None
    panel_id: str | None = None


class ApproveIn(BaseModel):
    approved_by: str | None = None


class NoteIn(BaseModel):
    value: str = Field(min_length=1)
    secret: bool = False
    score: int | None = Field(default=None, ge=1, le=4)
    author_email: str | None = None


class TagsIn(BaseModel):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    author_email: str | None = None


class StageIn(BaseModel):
    stage: str = Field(min_length=1)
    author_email: str | None = None


class ArchiveIn(BaseModel):
    reason: str | None = None
    author_email: str | None = None


def _draft_or_404(engine: Engine, draft_id: int, candidate_id: str | None = None) -> Draft:
    draft = get_draft(engine, draft_id)
    if draft is None or (candidate_id is not None and draft.opportunity_id != candidate_id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no feedback draft {draft_id}" + (f" for candidate {candidate_id}" if candidate_id else ""),
        )
    return draft


def _queue(engine: Engine, kind: str, candidate_id: str, payload: dict[str, Any], key: str | None) -> dict[str, Any]:
    with engine.begin() as conn:
        item = outbox.enqueue(conn, kind, candidate_id, payload, idempotency_key=f"{kind}:{key}" if key else None)
    return {"id": item.id, "kind": item.kind, "status": item.status}


@router.post("/candidates/{candidate_id}/feedback-drafts", status_code=status.HTTP_201_CREATED)
async def create_feedback_draft(
    candidate_id: str, body: DraftIn, engine: EngineDep, client: ClientDep, settings: SettingsDep
) -> dict[str, Any]:
    """A new draft; the template's current version is recorded so later changes can be named."""
    template = await get_feedback_template(
        client, WarehouseTemplateStore(engine), body.template_id, ttl_seconds=settings.lever_template_ttl_seconds
    )
    if template is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"no feedback template {body.template_id} in Lever")
    updated = template.get("updatedAt")
    draft = create_draft(
        engine,
        opportunity_id=candidate_id,
        template_id=body.template_id,
        field_values=[v.model_dump() for v in body.field_values],
        interviewer_email=body.interviewer_email,
        interview_id=body.interview_id,
        panel_id=body.panel_id,
        template_updated_at=datetime.fromtimestamp(updated / 1000, UTC) if isinstance(updated, int) else None,
    )
    return draft.as_dict()


@router.get("/feedback-drafts/{draft_id}")
def read_feedback_draft(draft_id: int, engine: EngineDep) -> dict[str, Any]:
    return _draft_or_404(engine, draft_id).as_dict()


@router.patch("/feedback-drafts/{draft_id}")
def patch_feedback_draft(draft_id: int, body: DraftPatch, engine: EngineDep) -> dict[str, Any]:
    """Edit a draft; it goes back to `draft` and any queued submission is cancelled (409 once submitted)."""
    changes = body.model_dump(exclude_unset=True)
    try:
        return edit_draft(engine, draft_id, changes).as_dict()
    except DraftNotFound as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(err)) from err
    except DraftStateError as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err


@router.post("/feedback-drafts/{draft_id}/approve")
def approve_feedback_draft(draft_id: int, engine: EngineDep, body: ApproveIn | None = None) -> dict[str, Any]:
    """Approve and queue for `submit_approved_feedback`; approving twice queues once."""
    try:
        draft, item = approve_draft(engine, draft_id, approved_by=body.approved_by if body else None)
    except DraftNotFound as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(err)) from err
    except DraftStateError as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err
    return {"draft": draft.as_dict(), "outbox": item.as_dict()}


_SUBMIT_STATUS = {
    "sent": 200,
    "reconciled": 200,
    "failed": 422,
    "retry_scheduled": 202,
    "circuit_open": 503,
    "auth_failed": 502,
    "sending": 409,
    "pending": 409,
    "cancelled": 409,
}


@router.post("/candidates/{candidate_id}/feedback/{draft_id}/submit")
async def submit_feedback(
    candidate_id: str, draft_id: int, engine: EngineDep, client: ClientDep, settings: SettingsDep
) -> JSONResponse:
    """Validate against the current template, approve if needed, and send now; the answer says what happened."""
    draft = _draft_or_404(engine, draft_id, candidate_id)
    if draft.status == "submitted":
        return JSONResponse({"status": "submitted", "lever_feedback_id": draft.lever_feedback_id, "draft_id": draft.id})
    template = await get_feedback_template(
        client, WarehouseTemplateStore(engine), draft.template_id, ttl_seconds=settings.lever_template_ttl_seconds
    )
    if template is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, f"feedback template {draft.template_id} no longer exists"
        )
    errors = validate_field_values(template, draft.field_values)
    if errors:
        return JSONResponse(
            {
                "status": "invalid",
                "draft_id": draft.id,
                "reason": "; ".join(map(str, errors)),
                "errors": [{"field_id": e.field_id, "field": e.field_text, "problem": e.problem} for e in errors],
            },
            status_code=422,
        )
    try:
        _, item = approve_draft(engine, draft_id, approved_by="service:submit")
    except DraftStateError as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err
    options = WritebackOptions(
        service_user_id=settings.lever_service_user_id,
        template_ttl_seconds=settings.lever_template_ttl_seconds,
        run_id="service",
    )
    outcome = await submit_now(client, engine, item.id, options)
    body = {
        "status": "submitted" if outcome.status in ("sent", "reconciled") else outcome.status,
        "draft_id": draft.id,
        "outbox_id": item.id,
        "lever_feedback_id": outcome.lever_id,
        "reason": outcome.reason,
    }
    return JSONResponse(body, status_code=_SUBMIT_STATUS.get(outcome.status, 200))


@router.post("/candidates/{candidate_id}/notes", status_code=status.HTTP_202_ACCEPTED)
def queue_note(candidate_id: str, body: NoteIn, engine: EngineDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _queue(engine, "note", candidate_id, body.model_dump(), key)


@router.post("/candidates/{candidate_id}/tags", status_code=status.HTTP_202_ACCEPTED)
def queue_tags(candidate_id: str, body: TagsIn, engine: EngineDep, key: IdempotencyKey = None) -> dict[str, Any]:
    if not body.add and not body.remove:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "give tags to add or remove")
    items = []
    for kind, tags in (("add_tags", body.add), ("remove_tags", body.remove)):
        if tags:
            items.append(_queue(engine, kind, candidate_id, {"tags": tags, "author_email": body.author_email}, key))
    return {"items": items}


@router.post("/candidates/{candidate_id}/stage", status_code=status.HTTP_202_ACCEPTED)
def queue_stage(candidate_id: str, body: StageIn, engine: EngineDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _queue(engine, "stage_change", candidate_id, body.model_dump(), key)


@router.post("/candidates/{candidate_id}/archive", status_code=status.HTTP_202_ACCEPTED)
def queue_archive(candidate_id: str, body: ArchiveIn, engine: EngineDep, key: IdempotencyKey = None) -> dict[str, Any]:
    return _queue(engine, "archive", candidate_id, body.model_dump(), key)


@router.post("/candidates/{candidate_id}/files", status_code=status.HTTP_202_ACCEPTED)
async def queue_file(
    candidate_id: str,
    engine: EngineDep,
    file: Annotated[UploadFile, File()],
    author_email: Annotated[str | None, Form()] = None,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    content = await file.read()
    if len(content) > MAX_FILE_BYTES:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "files are limited to 30 MB")
    payload = {
        "filename": file.filename or "upload",
        "content_type": file.content_type,
        "content_b64": base64.b64encode(content).decode(),
        "author_email": author_email,
    }
    return _queue(engine, "file", candidate_id, payload, key)
