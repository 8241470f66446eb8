r"""Feedback drafts and their review state machine.

    draft --approve--> approved --(sent)--> submitted
      ^                   |  \--(rejected or out of attempts)--> failed
      +------edit---------+------------------edit-------------------+

Approving queues one outbox item of kind `feedback` keyed by the draft id and its revision,
in the same transaction, so approving twice queues once. Editing bumps the revision,
cancels a queued item that has not been claimed yet, and returns the draft to `draft`.
A draft being sent right now, or already submitted, cannot be edited. A draft asked for from
outside (`known_opportunity=True`) is refused for an opportunity the warehouse does not have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from lever_pipeline.warehouse.tables.writeback import feedback_drafts, lever_outbox
from lever_pipeline.writeback.audit import audit
from lever_pipeline.writeback.outbox import OutboxItem, enqueue, require_opportunity


class DraftNotFound(LookupError):
    """No draft has that id."""


class DraftStateError(ValueError):
    """The draft's status does not allow the change asked for; the message says why."""


@dataclass(frozen=True)
class Draft:
    """One feedback draft as stored."""

    id: int
    opportunity_id: str
    template_id: str
    template_updated_at: datetime | None
    interviewer_email: str | None
    interview_id: str | None
    panel_id: str | None
    field_values: list[dict[str, Any]]
    status: str
    revision: int
    lever_feedback_id: str | None
    last_error: str | None
    approved_by: str | None
    approved_at: datetime | None
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else value
        return out

    @property
    def idempotency_key(self) -> str:
        return f"feedback:{self.id}:r{self.revision}"


_COLUMNS = [feedback_drafts.c[f] for f in Draft.__dataclass_fields__]


def _draft(row: Any) -> Draft:
    return Draft(**{f: getattr(row, f) for f in Draft.__dataclass_fields__})


def create_draft(
    engine: Engine,
    *,
    opportunity_id: str,
    template_id: str,
    field_values: Sequence[Mapping[str, Any]],
    interviewer_email: str | None = None,
    interview_id: str | None = None,
    panel_id: str | None = None,
    template_updated_at: datetime | None = None,
    known_opportunity: bool = False,
) -> Draft:
    """Store a new draft; with `known_opportunity`, raise `UnknownOpportunity` if the warehouse lacks it."""
    with engine.begin() as conn:
        if known_opportunity:
            require_opportunity(conn, opportunity_id)
        row = conn.execute(
            sa.insert(feedback_drafts)
            .values(
                opportunity_id=opportunity_id,
                template_id=template_id,
                field_values=[dict(v) for v in field_values],
                interviewer_email=interviewer_email,
                interview_id=interview_id,
                panel_id=panel_id,
                template_updated_at=template_updated_at,
            )
            .returning(*_COLUMNS)
        ).one()
        draft = _draft(row)
        audit(conn, "draft_created", draft_id=draft.id, kind="feedback", summary={"opportunity_id": opportunity_id})
    return draft


def get_draft(engine: Engine, draft_id: int) -> Draft | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(*_COLUMNS).where(feedback_drafts.c.id == draft_id)).one_or_none()
    return _draft(row) if row else None


def list_drafts(
    engine: Engine, *, status: str | None = None, opportunity_id: str | None = None, limit: int = 100
) -> list[Draft]:
    d = feedback_drafts
    query = sa.select(*_COLUMNS).order_by(d.c.id).limit(limit)
    if status:
        query = query.where(d.c.status == status)
    if opportunity_id:
        query = query.where(d.c.opportunity_id == opportunity_id)
    with engine.connect() as conn:
        return [_draft(r) for r in conn.execute(query)]


def _locked(conn: Connection, draft_id: int) -> Draft:
    row = conn.execute(sa.select(*_COLUMNS).where(feedback_drafts.c.id == draft_id).with_for_update()).one_or_none()
    if row is None:
        raise DraftNotFound(f"no feedback draft {draft_id}")
    return _draft(row)


def edit_draft(engine: Engine, draft_id: int, changes: Mapping[str, Any]) -> Draft:
    """Apply `changes` (field_values, interviewer_email, interview_id, panel_id, template_id); back to `draft`.

    Raises DraftStateError for a submitted draft or one being sent right now.
    """
    allowed = {"field_values", "interviewer_email", "interview_id", "panel_id", "template_id", "template_updated_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise DraftStateError(f"cannot change {', '.join(sorted(unknown))} on a draft")
    o = lever_outbox
    with engine.begin() as conn:
        draft = _locked(conn, draft_id)
        if draft.status == "submitted":
            raise DraftStateError(f"draft {draft_id} was already submitted to Lever and cannot be edited")
        sending = conn.execute(
            sa.select(sa.func.count()).where(o.c.draft_id == draft_id, o.c.status == "sending")
        ).scalar_one()
        if sending:
            raise DraftStateError(f"draft {draft_id} is being submitted right now; try again in a moment")
        cancelled = conn.execute(
            sa.update(o)
            .where(o.c.draft_id == draft_id, o.c.status == "pending")
            .values(status="cancelled", updated_at=sa.func.now())
        ).rowcount
        values = dict(changes)
        if "field_values" in values:
            values["field_values"] = [dict(v) for v in values["field_values"]]
        row = conn.execute(
            sa.update(feedback_drafts)
            .where(feedback_drafts.c.id == draft_id)
            .values(
                **values,
                status="draft",
                revision=feedback_drafts.c.revision + 1,
                approved_at=None,
                approved_by=None,
                last_error=None,
                updated_at=sa.func.now(),
            )
            .returning(*_COLUMNS)
        ).one()
        outcome = f"{draft.status} -> draft" + (f"; {cancelled} queued submission cancelled" if cancelled else "")
        audit(conn, "draft_edited", draft_id=draft_id, kind="feedback", outcome=outcome)
    return _draft(row)


def approve_draft(engine: Engine, draft_id: int, approved_by: str | None = None) -> tuple[Draft, OutboxItem]:
    """Approve a draft (or re-approve a failed one) and queue its submission; idempotent for an approved draft."""
    d = feedback_drafts
    with engine.begin() as conn:
        draft = _locked(conn, draft_id)
        if draft.status == "submitted":
            raise DraftStateError(f"draft {draft_id} was already submitted to Lever")
        if draft.status != "approved":
            bump = 1 if draft.status == "failed" else 0  # a failed revision's outbox key is used up
            row = conn.execute(
                sa.update(d)
                .where(d.c.id == draft_id)
                .values(
                    status="approved",
                    revision=d.c.revision + bump,
                    approved_by=approved_by,
                    approved_at=sa.func.now(),
                    last_error=None,
                    updated_at=sa.func.now(),
                )
                .returning(*_COLUMNS)
            ).one()
            draft = _draft(row)
            audit(conn, "draft_approved", draft_id=draft_id, kind="feedback", outcome=f"revision {draft.revision}")
        item = enqueue(
            conn,
            "feedback",
            draft.opportunity_id,
            {"draft_id": draft.id, "revision": draft.revision},
            idempotency_key=draft.idempotency_key,
            draft_id=draft.id,
        )
    return draft, item
