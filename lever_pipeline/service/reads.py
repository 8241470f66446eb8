"""The read API: candidates and feedback templates, behind the service's bearer token.

Routes are thin: they validate parameters and call `service.candidates` (SQL) or the
TTL-cached template read (`lever.templates.get_feedback_template`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from lever_pipeline.lever.errors import LeverError
from lever_pipeline.reads.candidates import (
    CandidateFilters,
    InvalidCursor,
    get_candidate,
    list_candidates,
    list_templates,
)
from lever_pipeline.service.auth import require_service_token
from lever_pipeline.service.errors import BadInput, error_responses, lever_unavailable
from lever_pipeline.service.inputs import TAGS_MAX, Cursor, IsoTime, LeverId, Tag
from lever_pipeline.sync.template_cache import get_feedback_template

router = APIRouter(tags=["read"], dependencies=[Depends(require_service_token)], responses=error_responses(401))

CandidateId = Annotated[LeverId, Path(description="The candidate's Lever opportunity id.")]
TemplateId = Annotated[LeverId, Path(description="The feedback template's Lever id.")]


@router.get("/candidates", summary="Candidates, most recently updated first", responses=error_responses(400))
async def read_candidates(
    request: Request,
    stage: Annotated[LeverId | None, Query(description="Stage id.")] = None,
    posting: Annotated[LeverId | None, Query(description="Posting id the candidate applied to.")] = None,
    archived: Annotated[bool | None, Query(description="true: archived only; false: active only.")] = None,
    tag: Annotated[
        list[Tag] | None, Query(max_length=TAGS_MAX, description="Tag; repeat for several (all must match).")
    ] = None,
    owner: Annotated[LeverId | None, Query(description="Owner's Lever user id.")] = None,
    updated_since: Annotated[
        IsoTime | None, Query(description="ISO 8601 time with a time zone; updated at or after it.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[Cursor | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    """One page of candidates; follow `next_cursor` until it is null."""
    filters = CandidateFilters(
        stage=stage, posting=posting, archived=archived, tags=tuple(tag or ()), owner=owner, updated_since=updated_since
    )
    try:
        page = await run_in_threadpool(list_candidates, request.app.state.engine, filters, limit=limit, cursor=cursor)
    except InvalidCursor as err:
        raise BadInput(status.HTTP_400_BAD_REQUEST, f"query.cursor: {err}", "query.cursor") from None
    return {"data": page.data, "next_cursor": page.next_cursor, "has_more": page.next_cursor is not None}


@router.get(
    "/candidates/{candidate_id}",
    summary="One candidate, with postings, feedback and drafts",
    responses=error_responses(400, 404),
)
async def read_candidate(candidate_id: CandidateId, request: Request) -> dict[str, Any]:
    """The candidate (opportunity) with its stage name, postings, tags, recent feedback and draft statuses."""
    found = await run_in_threadpool(get_candidate, request.app.state.engine, candidate_id)
    if found is None:
        raise BadInput(
            status.HTTP_404_NOT_FOUND, f"no candidate {candidate_id!r} in the warehouse", "path.candidate_id"
        )
    return {"data": found}


@router.get("/feedback-templates", summary="Feedback templates as last stored")
async def read_feedback_templates(request: Request) -> dict[str, Any]:
    """Active templates from the warehouse (kept fresh by the template sync and the TTL cache)."""
    return {"data": await run_in_threadpool(list_templates, request.app.state.engine)}


@router.get(
    "/feedback-templates/{template_id}",
    summary="One feedback template, through the TTL cache",
    responses=error_responses(400, 404, 502),
)
async def read_feedback_template(template_id: TemplateId, request: Request) -> dict[str, Any]:
    """The template with its fields: from the warehouse if younger than the TTL, else fetched from Lever."""
    state = request.app.state
    try:
        template = await get_feedback_template(
            state.lever, state.template_store, template_id, ttl_seconds=state.settings.lever_template_ttl_seconds
        )
    except LeverError as err:
        raise lever_unavailable(err, f"template {template_id!r}") from None
    if template is None:
        raise BadInput(status.HTTP_404_NOT_FOUND, f"no feedback template {template_id!r}", "path.template_id")
    return {"data": template}
