"""Write-back endpoints of the service: review feedback drafts, submit them, and queue other writes.

Feedback: create a draft for a candidate (opportunity), read and edit it, approve it, or
submit it at once (validated against the template as Lever has it now, then sent and the
result or a clear reason returned). Notes, tags, stage changes, archiving and files are
queued in the outbox (the `submit_lever_writes` job sends them) and answer 202 with the
item's id and status. Every route needs the service's bearer token. An `Idempotency-Key`
header makes a queueing request safe to repeat. Drafts and writes are taken only for
candidates the warehouse has (404 otherwise); bodies are bounded by `service.inputs`.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, HTTPException, Path, Request, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.errors import LeverError
from lever_pipeline.service.auth import app_settings, require_service_token
from lever_pipeline.service.errors import BadInput, ErrorBody, error_responses, lever_unavailable
from lever_pipeline.service.inputs import (
    FIELD_VALUES_MAX,
    FILENAME_MAX,
    TAGS_MAX,
    Email,
    FieldValueData,
    IdempotencyKeyText,
    LeverId,
    NoteText,
    RowId,
    Tag,
    has_unstorable,
)
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
from lever_pipeline.writeback.outbox import UnknownOpportunity
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
IdempotencyKey = Annotated[
    IdempotencyKeyText | None, Header(alias="Idempotency-Key", description="Repeat with the same key: queued once.")
]
CandidateId = Annotated[LeverId, Path(description="The candidate's Lever opportunity id, as synced.")]
DraftId = Annotated[RowId, Path(description="The draft's id.")]

router = APIRouter(
    tags=["write-back"], dependencies=[Depends(require_service_token)], responses=error_responses(400, 401)
)


class FieldValue(BaseModel):
    id: LeverId
    value: FieldValueData = None


class DraftIn(BaseModel):
    template_id: LeverId
    field_values: list[FieldValue] = Field(default_factory=list, max_length=FIELD_VALUES_MAX)
    interviewer_email: Email | None = None
    interview_id: LeverId | None = None
    panel_id: LeverId | None = None


class DraftPatch(BaseModel):
    """Only the fields given change; `field_values`, when given, replaces every value (null is refused)."""

    field_values: list[FieldValue] = Field(default=None, max_length=FIELD_VALUES_MAX)  # type: ignore[assignment]
    interviewer_email: Email | None = None
    interview_id: LeverId | None = None
    panel_id: LeverId | None = None


class ApproveIn(BaseModel):
    approved_by: Email | None = Field(default=None, description="Who approved: an email or a name.")


class NoteIn(BaseModel):
    value: NoteText
    secret: bool = False
    score: int | None = Field(default=None, ge=1, le=4)
    author_email: Email | None = None


class TagsIn(BaseModel):
    add: list[Tag] = Field(default_factory=list, max_length=TAGS_MAX)
    remove: list[Tag] = Field(default_factory=list, max_length=TAGS_MAX)
    author_email: Email | None = None


class StageIn(BaseModel):
    stage: LeverId
    author_email: Email | None = None


class ArchiveIn(BaseModel):
    reason: LeverId | None = Field(default=None, description="Archive reason id.")
    author_email: Email | None = None


class Queued(BaseModel):
    """An outbox item as queued."""

    id: int
    kind: str
    status: str


class QueuedTags(BaseModel):
    items: list[Queued]


class SubmitProblem(BaseModel):
    field_id: str
    field: str | None = None
    problem: str


class SubmitResult(BaseModel):
    """What `submit` did: `submitted`, `invalid` (with `errors`), or the outbox outcome (`reason` says why)."""

    status: str
    draft_id: int
    outbox_id: int | None = None
    lever_feedback_id: str | None = None
    reason: str | None = None
    errors: list[SubmitProblem] | None = None


def _draft_or_404(engine: Engine, draft_id: int, candidate_id: str | None = None) -> Draft:
    draft = get_draft(engine, draft_id)
    if draft is None:
        raise BadInput(status.HTTP_404_NOT_FOUND, f"no feedback draft {draft_id}", "path.draft_id")
    if candidate_id is not None and draft.opportunity_id != candidate_id:
        raise BadInput(
            status.HTTP_404_NOT_FOUND, f"no feedback draft {draft_id} for candidate {candidate_id}", "path.draft_id"
        )
    return draft


def _unknown_candidate(err: UnknownOpportunity) -> BadInput:
    return BadInput(status.HTTP_404_NOT_FOUND, str(err), "path.candidate_id")


def _queue(engine: Engine, kind: str, candidate_id: str, payload: dict[str, Any], key: str | None) -> dict[str, Any]:
    try:
        with engine.begin() as conn:
            item = outbox.enqueue(
                conn,
                kind,
                candidate_id,
                payload,
                idempotency_key=f"{kind}:{key}" if key else None,
                known_opportunity=True,
            )
    except UnknownOpportunity as err:
        raise _unknown_candidate(err) from None
    return {"id": item.id, "kind": item.kind, "status": item.status}


async def _template(client: LeverClient, engine: Engine, settings: Settings, template_id: str) -> dict[str, Any] | None:
    try:
        return await get_feedback_template(
            client, WarehouseTemplateStore(engine), template_id, ttl_seconds=settings.lever_template_ttl_seconds
        )
    except LeverError as err:
        raise lever_unavailable(err, f"template {template_id!r}") from None


@router.post(
    "/candidates/{candidate_id}/feedback-drafts",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        404, 422, 502, _404="No such candidate in the warehouse.", _422="No such feedback template in Lever."
    ),
)
async def create_feedback_draft(
    candidate_id: CandidateId, body: DraftIn, engine: EngineDep, client: ClientDep, settings: SettingsDep
) -> dict[str, Any]:
    """A new draft; the template's current version is recorded so later changes can be named."""
    template = await _template(client, engine, settings, body.template_id)
    if template is None:
        raise BadInput(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"no feedback template {body.template_id!r} in Lever",
            "body.template_id",
        )
    updated = template.get("updatedAt")
    try:
        draft = create_draft(
            engine,
            opportunity_id=candidate_id,
            template_id=body.template_id,
            field_values=[v.model_dump() for v in body.field_values],
            interviewer_email=body.interviewer_email,
            interview_id=body.interview_id,
            panel_id=body.panel_id,
            template_updated_at=datetime.fromtimestamp(updated / 1000, UTC) if isinstance(updated, int) else None,
            known_opportunity=True,
        )
    except UnknownOpportunity as err:
        raise _unknown_candidate(err) from None
    return draft.as_dict()


@router.get("/feedback-drafts/{draft_id}", responses=error_responses(404))
def read_feedback_draft(draft_id: DraftId, engine: EngineDep) -> dict[str, Any]:
    return _draft_or_404(engine, draft_id).as_dict()


@router.patch("/feedback-drafts/{draft_id}", responses=error_responses(404, 409))
def patch_feedback_draft(draft_id: DraftId, body: DraftPatch, engine: EngineDep) -> dict[str, Any]:
    """Edit a draft; it goes back to `draft` and any queued submission is cancelled (409 once submitted)."""
    changes = body.model_dump(exclude_unset=True)
    try:
        return edit_draft(engine, draft_id, changes).as_dict()
    except DraftNotFound as err:
        raise BadInput(status.HTTP_404_NOT_FOUND, str(err), "path.draft_id") from err
    except DraftStateError as err:
        raise HTTPException(status.HTTP_409_CONFLICT, str(err)) from err


@router.post("/feedback-drafts/{draft_id}/approve", responses=error_responses(404, 409))
def approve_feedback_draft(draft_id: DraftId, engine: EngineDep, body: ApproveIn | None = None) -> dict[str, Any]:
    """Approve and queue for `submit_approved_feedback`; approving twice queues once."""
    try:
        draft, item = approve_draft(engine, draft_id, approved_by=body.approved_by if body else None)
    except DraftNotFound as err:
        raise BadInput(status.HTTP_404_NOT_FOUND, str(err), "path.draft_id") from err
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


def _submit_answer(code: int, description: str, *, also_error: bool = False) -> dict[str, Any]:
    model: Any = SubmitResult | ErrorBody if also_error else SubmitResult
    return {code: {"model": model, "description": description}}


@router.post(
    "/candidates/{candidate_id}/feedback/{draft_id}/submit",
    response_model=SubmitResult,
    responses={
        **error_responses(404),
        **_submit_answer(202, "Lever failed; a retry is scheduled (`reason` says why)."),
        **_submit_answer(
            409, "The draft is being sent, queued or cancelled; or its state forbids approval.", also_error=True
        ),
        **_submit_answer(
            422, "`invalid`: the values break the template (`errors`); or the template is gone.", also_error=True
        ),
        **_submit_answer(
            502, "Lever refused the key (`auth_failed`), or did not answer for the template.", also_error=True
        ),
        **_submit_answer(503, "The circuit breaker is open; nothing was sent."),
    },
)
async def submit_feedback(
    candidate_id: CandidateId, draft_id: DraftId, engine: EngineDep, client: ClientDep, settings: SettingsDep
) -> JSONResponse:
    """Validate against the current template, approve if needed, and send now; the answer says what happened."""
    draft = _draft_or_404(engine, draft_id, candidate_id)
    if draft.status == "submitted":
        return JSONResponse({"status": "submitted", "lever_feedback_id": draft.lever_feedback_id, "draft_id": draft.id})
    template = await _template(client, engine, settings, draft.template_id)
    if template is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"feedback template {draft.template_id!r} no longer exists in Lever"
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


_QUEUED = error_responses(404, _404="No such candidate in the warehouse.")


@router.post(
    "/candidates/{candidate_id}/notes", status_code=status.HTTP_202_ACCEPTED, response_model=Queued, responses=_QUEUED
)
def queue_note(
    candidate_id: CandidateId, body: NoteIn, engine: EngineDep, key: IdempotencyKey = None
) -> dict[str, Any]:
    return _queue(engine, "note", candidate_id, body.model_dump(), key)


@router.post(
    "/candidates/{candidate_id}/tags",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=QueuedTags,
    responses=error_responses(404, 422, _404="No such candidate in the warehouse.", _422="No tags to add or remove."),
)
def queue_tags(
    candidate_id: CandidateId, body: TagsIn, engine: EngineDep, key: IdempotencyKey = None
) -> dict[str, Any]:
    if not body.add and not body.remove:
        raise BadInput(status.HTTP_422_UNPROCESSABLE_CONTENT, "give tags to add or remove", "body.add")
    items = []
    for kind, tags in (("add_tags", body.add), ("remove_tags", body.remove)):
        if tags:
            items.append(_queue(engine, kind, candidate_id, {"tags": tags, "author_email": body.author_email}, key))
    return {"items": items}


@router.post(
    "/candidates/{candidate_id}/stage", status_code=status.HTTP_202_ACCEPTED, response_model=Queued, responses=_QUEUED
)
def queue_stage(
    candidate_id: CandidateId, body: StageIn, engine: EngineDep, key: IdempotencyKey = None
) -> dict[str, Any]:
    return _queue(engine, "stage_change", candidate_id, body.model_dump(), key)


@router.post(
    "/candidates/{candidate_id}/archive", status_code=status.HTTP_202_ACCEPTED, response_model=Queued, responses=_QUEUED
)
def queue_archive(
    candidate_id: CandidateId, body: ArchiveIn, engine: EngineDep, key: IdempotencyKey = None
) -> dict[str, Any]:
    return _queue(engine, "archive", candidate_id, body.model_dump(), key)


@router.post(
    "/candidates/{candidate_id}/files",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Queued,
    responses=error_responses(404, 413, _404="No such candidate in the warehouse.", _413="File over 30 MB."),
)
async def queue_file(
    candidate_id: CandidateId,
    engine: EngineDep,
    file: Annotated[UploadFile, File(description=f"At most 30 MB; a name of at most {FILENAME_MAX} characters.")],
    author_email: Annotated[Email | None, Form()] = None,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    for where, value in (("filename", file.filename), ("content_type", file.content_type)):
        if value is not None and (has_unstorable(value) or len(value) > FILENAME_MAX):
            raise BadInput(
                status.HTTP_400_BAD_REQUEST,
                f"body.file.{where}: at most {FILENAME_MAX} characters, without NUL (U+0000) or unpaired surrogates",
                f"body.file.{where}",
            )
    content = await file.read()
    if len(content) > MAX_FILE_BYTES:
        raise BadInput(status.HTTP_413_CONTENT_TOO_LARGE, "files are limited to 30 MB", "body.file")
    payload = {
        "filename": file.filename or "upload",
        "content_type": file.content_type,
        "content_b64": base64.b64encode(content).decode(),
        "author_email": author_email,
    }
    return _queue(engine, "file", candidate_id, payload, key)
