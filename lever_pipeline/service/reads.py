"""The read API: candidates and feedback templates, behind the service's bearer token.

Routes are thin: they validate parameters and call `service.candidates` (SQL) or the
TTL-cached template read (`lever.templates.get_feedback_template`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
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
from lever_pipeline.sync.template_cache import get_feedback_template

router = APIRouter(tags=["read"], dependencies=[Depends(require_service_token)])


@router.get("/candidates", summary="Candidates, most recently updated first")
async def read_candidates(
    request: Request,
    stage: Annotated[str | None, Query(description="Stage id.")] = None,
    posting: Annotated[str | None, Query(description="Posting id the candidate applied to.")] = None,
    archived: Annotated[bool | None, Query(description="true: archived only; false: active only.")] = None,
    tag: Annotated[list[str] | None, Query(description="Tag; repeat for several (all must match).")] = None,
    owner: Annotated[str | None, Query(description="Owner's Lever user id.")] = None,
    updated_since: Annotated[datetime | None, Query(description="ISO 8601 time; updated at or after it.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
) -> dict[str, Any]:
    """One page of candidates; follow `next_cursor` until it is null."""
    if updated_since is not None and updated_since.tzinfo is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "updated_since needs a time zone (e.g. 2026-01-01T00:00:00Z)")
    filters = CandidateFilters(
        stage=stage, posting=posting, archived=archived, tags=tuple(tag or ()), owner=owner, updated_since=updated_since
    )
    try:
        page = await run_in_threadpool(list_candidates, request.app.state.engine, filters, limit=limit, cursor=cursor)
    except InvalidCursor as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from None
    return {"data": page.data, "next_cursor": page.next_cursor, "has_more": page.next_cursor is not None}


@router.get("/candidates/{candidate_id}", summary="One candidate, with postings, feedback and drafts")
async def read_candidate(candidate_id: str, request: Request) -> dict[str, Any]:
    """The candidate (opportunity) with its stage name, postings, tags, recent feedback and draft statuses."""
    found = await run_in_threadpool(get_candidate, request.app.state.engine, candidate_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no candidate {candidate_id!r} in the warehouse")
    return {"data": found}


@router.get("/feedback-templates", summary="Feedback templates as last stored")
async def read_feedback_templates(request: Request) -> dict[str, Any]:
    """Active templates from the warehouse (kept fresh by the template sync and the TTL cache)."""
    return {"data": await run_in_threadpool(list_templates, request.app.state.engine)}


@router.get("/feedback-templates/{template_id}", summary="One feedback template, through the TTL cache")
async def read_feedback_template(template_id: str, request: Request) -> dict[str, Any]:
    """The template with its fields: from the warehouse if younger than the TTL, else fetched from Lever."""
    state = request.app.state
    try:
        template = await get_feedback_template(
            state.lever, state.template_store, template_id, ttl_seconds=state.settings.lever_template_ttl_seconds
        )
    except LeverError as err:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"Lever did not answer for template {template_id!r} ({err.status or 'no status'})",
        ) from None
    if template is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feedback template {template_id!r}")
    return {"data": template}
