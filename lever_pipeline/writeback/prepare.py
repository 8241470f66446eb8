"""Turning a queued outbox item into the Lever write it stands for, and choosing whom it acts as.

Feedback is checked against its template as Lever has it now (through the TTL cache), so a
draft made on an older template fails with the field named rather than a bare 400.
`perform_as` is the active Lever user with the interviewer's or author's email (any case),
else `LEVER_SERVICE_USER_ID`; Lever refuses feedback and files made as nobody. An item that
can never be sent as it stands raises `PermanentFailure` naming what is wrong.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.lever import writes
from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.models import to_ms
from lever_pipeline.lever.writes import LeverWrite
from lever_pipeline.sync.template_cache import get_feedback_template
from lever_pipeline.sync.template_store import WarehouseTemplateStore
from lever_pipeline.warehouse.tables.core import lever_users
from lever_pipeline.writeback.drafts import Draft, get_draft
from lever_pipeline.writeback.outbox import OutboxItem
from lever_pipeline.writeback.validation import FieldError, validate_field_values


class PermanentFailure(Exception):
    """The item can never be sent as it stands; the message names what is wrong."""


@dataclass(frozen=True)
class PreparedWrite:
    """The write one item becomes, whom it acts as, and what may be recorded about it."""

    write: LeverWrite
    perform_as: str | None
    summary: dict[str, Any]  # ids and kinds only: goes to audit rows and run metadata


def base_summary(item: OutboxItem) -> dict[str, Any]:
    """What is recorded about any item, even one that cannot be prepared."""
    return {"outbox_id": item.id, "kind": item.kind, "opportunity_id": item.opportunity_id}


async def prepare(
    client: LeverClient,
    engine: Engine,
    store: WarehouseTemplateStore,
    item: OutboxItem,
    *,
    service_user_id: str | None,
    template_ttl_seconds: float,
) -> PreparedWrite:
    """The write for `item`; raises PermanentFailure naming what makes it unsendable.

    Reads the template from Lever when the cache is stale, so `LeverError`s can come out too.
    """
    if item.kind == "feedback":
        write, email, details = await _feedback(client, engine, store, item, template_ttl_seconds)
    elif item.kind in _BUILDERS:
        write, details = _BUILDERS[item.kind](item)
        email = item.payload.get("author_email")
    else:
        raise PermanentFailure(f"unknown write kind {item.kind!r}")
    perform_as, source = resolve_perform_as(engine, email, service_user_id)
    if perform_as is None and write.needs_perform_as:
        who = "no Lever user has the interviewer's email" if email else "no interviewer email is set"
        raise PermanentFailure(f"cannot choose perform_as: {who} and LEVER_SERVICE_USER_ID is not set")
    summary = base_summary(item) | details
    summary |= {"method": write.method, "path": write.path, "perform_as": perform_as, "perform_as_source": source}
    return PreparedWrite(write, perform_as, summary)


def resolve_perform_as(engine: Engine, email: str | None, service_user_id: str | None) -> tuple[str | None, str | None]:
    """(user id, source): the active Lever user with `email` (any case), else the service user, else (None, None)."""
    if email:
        u = lever_users
        with engine.connect() as conn:
            uid = conn.execute(
                sa.select(u.c.id)
                .where(sa.func.lower(u.c.email) == email.strip().lower(), u.c.deactivated_at.is_(None))
                .order_by(u.c.id)
                .limit(1)
            ).scalar_one_or_none()
        if uid:
            return uid, "email"
    if service_user_id:
        return service_user_id, "service_user"
    return None, None


# ------------------------------------------------------------------ one builder per kind
# Notes and feedback carry the item's (past) creation time as `createdAt`: it marks this
# submission, so after an ambiguous attempt `writes.find_landed` can find it again.


async def _feedback(
    client: LeverClient, engine: Engine, store: WarehouseTemplateStore, item: OutboxItem, ttl_seconds: float
) -> tuple[LeverWrite, str | None, dict[str, Any]]:
    draft = get_draft(engine, int(item.payload["draft_id"]))
    if draft is None:
        raise PermanentFailure(f"feedback draft {item.payload['draft_id']} no longer exists")
    template = await get_feedback_template(client, store, draft.template_id, ttl_seconds=ttl_seconds)
    if template is None:
        raise PermanentFailure(f"feedback template {draft.template_id} no longer exists in Lever")
    errors = validate_field_values(template, draft.field_values)
    if errors:
        raise PermanentFailure(_invalid(template, draft, errors))
    # Lever takes a panel and its interview together or not at all.
    panel, interview = (draft.panel_id, draft.interview_id) if draft.panel_id and draft.interview_id else (None, None)
    write = writes.create_feedback(
        item.opportunity_id,
        template_id=draft.template_id,
        field_values=draft.field_values,
        panel_id=panel,
        interview_id=interview,
        created_at=item.created_at,
    )
    details = {"draft_id": draft.id, "template_id": draft.template_id, "fields": len(draft.field_values)}
    return write, draft.interviewer_email, details


def _invalid(template: dict[str, Any], draft: Draft, errors: list[FieldError]) -> str:
    changed, seen = template.get("updatedAt"), draft.template_updated_at
    moved = seen is not None and isinstance(changed, int) and changed != to_ms(seen)
    note = "the template changed since the draft was made; " if moved else ""
    return f"{note}invalid feedback: " + "; ".join(str(e) for e in errors)


def _note(item: OutboxItem) -> tuple[LeverWrite, dict[str, Any]]:
    p = item.payload
    secret = bool(p.get("secret", False))
    write = writes.create_note(
        item.opportunity_id, p["value"], secret=secret, score=p.get("score"), created_at=item.created_at
    )
    return write, {}


def _tags(item: OutboxItem) -> tuple[LeverWrite, dict[str, Any]]:
    tags = list(item.payload["tags"])
    build = writes.add_tags if item.kind == "add_tags" else writes.remove_tags
    return build(item.opportunity_id, tags), {"tags": len(tags)}


def _stage(item: OutboxItem) -> tuple[LeverWrite, dict[str, Any]]:
    stage = item.payload["stage"]
    return writes.change_stage(item.opportunity_id, stage), {"stage": stage}


def _archive(item: OutboxItem) -> tuple[LeverWrite, dict[str, Any]]:
    reason = item.payload.get("reason")
    return writes.archive(item.opportunity_id, reason), {"reason": reason}


def _file(item: OutboxItem) -> tuple[LeverWrite, dict[str, Any]]:
    p = item.payload
    content = base64.b64decode(p["content_b64"])
    content_type = p.get("content_type") or "application/octet-stream"
    return writes.upload_file(item.opportunity_id, p["filename"], content, content_type), {"bytes": len(content)}


_BUILDERS: dict[str, Callable[[OutboxItem], tuple[LeverWrite, dict[str, Any]]]] = {
    "note": _note,
    "add_tags": _tags,
    "remove_tags": _tags,
    "stage_change": _stage,
    "archive": _archive,
    "file": _file,
}
