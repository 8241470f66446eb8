"""Automation endpoints: advancement rules (list, show, create, update, disable, backtest) and stats.

Every change to a rule is a new version; a rule body is validated by the rule model and a bad
one is a 400 naming the field. The backtest replays the warehouse's history and sends nothing
to Lever. Every route needs the service's bearer token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from lever_pipeline.automation.backtest import backtest, parse_since
from lever_pipeline.automation.rules import (
    RuleError,
    RuleNotFound,
    create_rule,
    disable_rule,
    get_rule,
    list_rules,
    update_rule,
)
from lever_pipeline.automation.stats import automation_stats
from lever_pipeline.service.auth import require_service_token
from lever_pipeline.service.errors import error_responses

router = APIRouter(
    tags=["automation"], dependencies=[Depends(require_service_token)], responses=error_responses(400, 401)
)

RuleRef = Annotated[str, Path(min_length=1, max_length=120, description="The rule's id or name.")]
RuleBody = Annotated[dict[str, Any], Body(description="A rule definition (see README: Automated advancement).")]


def _engine(request: Request) -> Any:
    return request.app.state.engine


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except RuleNotFound as err:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(err)) from None
    except (RuleError, ValueError) as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from None


@router.get("/automation/rules", summary="Every rule at its current version")
async def rules_list(request: Request) -> list[dict[str, Any]]:
    return [r.as_dict() for r in await _call(list_rules, _engine(request))]


@router.get("/automation/rules/{rule}", summary="One rule", responses=error_responses(404))
async def rules_show(request: Request, rule: RuleRef) -> dict[str, Any]:
    return (await _call(get_rule, _engine(request), rule)).as_dict()


@router.post(
    "/automation/rules", status_code=201, summary="Create a rule (version 1; dry-run unless it says otherwise)"
)
async def rules_create(request: Request, body: RuleBody) -> dict[str, Any]:
    return (await _call(create_rule, _engine(request), body, changed_by="service")).as_dict()


@router.patch("/automation/rules/{rule}", summary="Change a rule (a new version)", responses=error_responses(404))
async def rules_update(request: Request, rule: RuleRef, body: RuleBody) -> dict[str, Any]:
    return (await _call(update_rule, _engine(request), rule, body, changed_by="service")).as_dict()


@router.post(
    "/automation/rules/{rule}/disable", summary="Disable a rule (a new version)", responses=error_responses(404)
)
async def rules_disable(request: Request, rule: RuleRef) -> dict[str, Any]:
    return (await _call(disable_rule, _engine(request), rule, changed_by="service")).as_dict()


@router.get(
    "/automation/rules/{rule}/backtest",
    summary="Replay a rule over the warehouse's history (no request to Lever)",
    responses=error_responses(404),
)
async def rules_backtest(
    request: Request,
    rule: RuleRef,
    since: Annotated[str, Query(min_length=2, max_length=8, description="How far back: 90d, 12h, 2w.")] = "90d",
    rows: Annotated[bool, Query(description="Include every replayed visit.")] = False,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    try:
        start = parse_since(since, now)
    except ValueError as err:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(err)) from None
    found = await _call(get_rule, _engine(request), rule)
    report = await _call(backtest, _engine(request), found.definition, start, now)
    return report.as_dict(with_rows=rows)


@router.get("/automation/stats", summary="Decisions by outcome per rule, pending evaluations, failed actions, Slack")
async def stats(request: Request) -> dict[str, Any]:
    return await _call(automation_stats, _engine(request))
