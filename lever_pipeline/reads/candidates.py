"""The read API's queries: candidates (Lever opportunities) with their stage, postings, tags,
recent feedback and write-back drafts, paged by an opaque keyset cursor.

Sorted by last update, newest first (`updated_at`, then id, both descending), so a
client walking the pages sees every candidate once even while new updates arrive (a
candidate updated mid-walk moves to the front and is not seen twice on later pages).
Deleted opportunities are never returned.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql

from lever_pipeline.warehouse.tables import lever_opportunities, lever_postings, lever_stages, lever_users
from lever_pipeline.warehouse.tables.feedback import feedback_field_values, lever_feedback, lever_feedback_templates
from lever_pipeline.warehouse.tables.writeback import feedback_drafts

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RECENT_FEEDBACK = 5


class InvalidCursor(ValueError):
    """The `cursor` parameter is not one this API handed out."""


@dataclass(frozen=True)
class CandidateFilters:
    """Filters of `GET /candidates`; every given one must hold (tags: all of them)."""

    stage: str | None = None
    posting: str | None = None
    archived: bool | None = None
    tags: Sequence[str] = ()
    owner: str | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class CandidatePage:
    data: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(updated_at: datetime, opportunity_id: str) -> str:
    """An opaque cursor naming the last row of a page."""
    raw = orjson.dumps([updated_at.isoformat(), opportunity_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (sort key, id) a cursor names; raises `InvalidCursor` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, opportunity_id = orjson.loads(raw)
        when = datetime.fromisoformat(stamp)
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise InvalidCursor("the cursor is not valid; use `next_cursor` from a previous page") from None
    # A forged cursor may carry a NUL, which PostgreSQL cannot compare as text.
    if not isinstance(opportunity_id, str) or "\x00" in opportunity_id or when.tzinfo is None:
        raise InvalidCursor("the cursor is not valid; use `next_cursor` from a previous page")
    return when, opportunity_id


def _sort_key() -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(lever_opportunities.c.updated_at, sa.literal(_EPOCH, sa.DateTime(timezone=True)))


def _has_all(column: sa.ColumnElement, values: list[str]) -> sa.ColumnElement[bool]:
    # `@>` on text[]: the core tables declare the generic ARRAY type, which has no contains().
    return sa.type_coerce(column, postgresql.ARRAY(sa.Text)).contains(values)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _base_query() -> sa.Select:
    o, s, u = lever_opportunities, lever_stages, lever_users
    return (
        sa.select(
            o.c.id,
            o.c.contact_id,
            o.c.raw["name"].astext.label("name"),
            o.c.raw["headline"].astext.label("headline"),
            o.c.raw["location"].astext.label("location"),
            o.c.raw["emails"].label("emails"),
            o.c.stage_id,
            s.c.text.label("stage_name"),
            o.c.posting_ids,
            o.c.tags,
            o.c.sources,
            o.c.origin,
            o.c.owner_id,
            u.c.name.label("owner_name"),
            o.c.is_archived,
            o.c.archived_reason_id,
            o.c.archived_at,
            o.c.created_at,
            o.c.updated_at,
            _sort_key().label("sort_key"),
        )
        .select_from(o.outerjoin(s, s.c.id == o.c.stage_id).outerjoin(u, u.c.id == o.c.owner_id))
        .where(o.c.deleted_at.is_(None))
    )


def _summary(row: sa.Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "name": row.name,
        "headline": row.headline,
        "location": row.location,
        "emails": list(row.emails or []),
        "stage": {"id": row.stage_id, "name": row.stage_name},
        "posting_ids": list(row.posting_ids or []),
        "tags": list(row.tags or []),
        "sources": list(row.sources or []),
        "origin": row.origin,
        "owner": {"id": row.owner_id, "name": row.owner_name} if row.owner_id else None,
        "archived": (
            {"reason_id": row.archived_reason_id, "archived_at": _iso(row.archived_at)} if row.is_archived else None
        ),
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def list_candidates(engine: Engine, filters: CandidateFilters, *, limit: int, cursor: str | None) -> CandidatePage:
    """One page of candidates, newest update first; `next_cursor` is None on the last page."""
    o = lever_opportunities
    query = _base_query()
    if filters.stage:
        query = query.where(o.c.stage_id == filters.stage)
    if filters.posting:
        query = query.where(_has_all(o.c.posting_ids, [filters.posting]))
    if filters.archived is not None:
        query = query.where(o.c.is_archived.is_(filters.archived))
    if filters.tags:
        query = query.where(_has_all(o.c.tags, list(filters.tags)))
    if filters.owner:
        query = query.where(o.c.owner_id == filters.owner)
    if filters.updated_since is not None:
        query = query.where(o.c.updated_at >= filters.updated_since)
    if cursor:
        after_key, after_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(_sort_key(), o.c.id) < sa.tuple_(sa.literal(after_key), sa.literal(after_id)))
    query = query.order_by(_sort_key().desc(), o.c.id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].sort_key, rows[-1].id) if more and rows else None
    return CandidatePage([_summary(r) for r in rows], next_cursor)


def _feedback_summary(conn: sa.Connection, opportunity_id: str) -> dict[str, Any]:
    f, t, v = lever_feedback, lever_feedback_templates, feedback_field_values
    live = sa.and_(f.c.opportunity_id == opportunity_id, f.c.deleted_at.is_(None))
    count = conn.execute(sa.select(sa.func.count()).select_from(f).where(live)).scalar_one()
    overall = (
        sa.select(v.c.value_option)
        .where(v.c.feedback_id == f.c.id, v.c.type == "score-system")
        .order_by(v.c.position)
        .limit(1)
        .scalar_subquery()
    )
    recent = conn.execute(
        sa.select(f.c.id, f.c.template_id, t.c.text.label("template_name"), f.c.user_id, f.c.completed_at, overall)
        .select_from(f.outerjoin(t, t.c.id == f.c.template_id))
        .where(live)
        .order_by(sa.func.coalesce(f.c.completed_at, f.c.created_at).desc().nulls_last(), f.c.id)
        .limit(RECENT_FEEDBACK)
    ).all()
    return {
        "count": count,
        "recent": [
            {
                "id": r.id,
                "template": {"id": r.template_id, "name": r.template_name},
                "author_id": r.user_id,
                "completed_at": _iso(r.completed_at),
                "overall_score": r[5],
            }
            for r in recent
        ],
    }


def _drafts(conn: sa.Connection, opportunity_id: str) -> list[dict[str, Any]]:
    d = feedback_drafts
    rows = conn.execute(
        sa.select(d.c.id, d.c.status, d.c.template_id, d.c.lever_feedback_id, d.c.updated_at)
        .where(d.c.opportunity_id == opportunity_id)
        .order_by(d.c.updated_at.desc(), d.c.id.desc())
    ).all()
    return [
        {
            "id": r.id,
            "status": r.status,
            "template_id": r.template_id,
            "lever_feedback_id": r.lever_feedback_id,
            "updated_at": _iso(r.updated_at),
        }
        for r in rows
    ]


def get_candidate(engine: Engine, opportunity_id: str) -> dict[str, Any] | None:
    """One candidate with postings, recent feedback and draft statuses; None if unknown or deleted."""
    p = lever_postings
    with engine.connect() as conn:
        row = conn.execute(_base_query().where(lever_opportunities.c.id == opportunity_id)).one_or_none()
        if row is None:
            return None
        out = _summary(row)
        known = {
            r.id: r
            for r in conn.execute(
                sa.select(p.c.id, p.c.text, p.c.state, p.c.team).where(p.c.id.in_(list(row.posting_ids or [])))
            )
        }
        out["postings"] = [
            {"id": pid, "title": known[pid].text, "state": known[pid].state, "team": known[pid].team}
            if pid in known
            else {"id": pid, "title": None, "state": None, "team": None}
            for pid in row.posting_ids or []
        ]
        out["feedback"] = _feedback_summary(conn, opportunity_id)
        out["feedback_drafts"] = _drafts(conn, opportunity_id)
    return out


def list_templates(engine: Engine) -> list[dict[str, Any]]:
    """Active feedback templates as last stored (by the template sync or the TTL cache)."""
    t = lever_feedback_templates
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.id, t.c.text, t.c.group_name, t.c.stage_id, t.c.field_count, t.c.updated_at, t.c.fetched_at)
            .where(t.c.deleted_at.is_(None))
            .order_by(t.c.text, t.c.id)
        ).all()
    return [
        {
            "id": r.id,
            "name": r.text,
            "group": r.group_name,
            "stage_id": r.stage_id,
            "field_count": r.field_count,
            "updated_at": _iso(r.updated_at),
            "fetched_at": _iso(r.fetched_at),
        }
        for r in rows
    ]
