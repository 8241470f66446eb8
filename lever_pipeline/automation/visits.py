"""Reading stage visits from the warehouse: the opportunities a rule covers, their interviewers and forms.

Forms count for a visit when they belong to one of the stage's interviews, or were completed
after the opportunity entered the stage; a form's time is its last update (or completion),
so an edit moves the wait. Interviews canceled in Lever do not make their interviewers required.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from lever_pipeline.automation.evaluate import FieldAnswer, Form, Visit, stage_entered_at
from lever_pipeline.automation.rules import RuleDefinition
from lever_pipeline.warehouse.tables import lever_opportunities, lever_postings
from lever_pipeline.warehouse.tables.feedback import (
    feedback_field_values,
    interview_interviewers,
    lever_feedback,
    lever_interviews,
)


@dataclass(frozen=True)
class Covered:
    """An opportunity a rule covers now: its id, stage, and when it entered that stage."""

    opportunity_id: str
    stage_id: str
    entered_at: datetime
    stage_changes: tuple[dict, ...]


def rule_postings(conn: Connection, rule: RuleDefinition) -> list[str]:
    """The posting ids a rule applies to (its posting, or every posting of its team or department)."""
    if rule.posting_id is not None:
        return [rule.posting_id]
    p = lever_postings
    column = p.c.team if rule.team is not None else p.c.department
    value = rule.team if rule.team is not None else rule.department
    return list(conn.execute(sa.select(p.c.id).where(column == value, p.c.deleted_at.is_(None))).scalars())


def covered_opportunities(conn: Connection, rule: RuleDefinition) -> list[Covered]:
    """Live, unarchived opportunities in the rule's stage on one of its postings."""
    postings = rule_postings(conn, rule)
    if not postings:
        return []
    o = lever_opportunities
    rows = conn.execute(
        sa.select(o.c.id, o.c.stage_id, o.c.raw["stageChanges"].label("changes"), o.c.last_advanced_at, o.c.created_at)
        .where(
            o.c.stage_id == rule.stage_id,
            o.c.is_archived.is_(False),
            o.c.deleted_at.is_(None),
            o.c.posting_ids.op("&&")(sa.cast(sa.literal(postings, o.c.posting_ids.type), o.c.posting_ids.type)),
        )
        .order_by(o.c.id)
    )
    out = []
    for r in rows:
        changes = tuple(r.changes or ())
        entered = stage_entered_at(changes, r.stage_id, r.last_advanced_at or r.created_at)
        out.append(Covered(r.id, r.stage_id, entered, changes))
    return out


def stage_interviewers(conn: Connection, opportunity_ids: Sequence[str], stage_id: str) -> dict[str, set[str]]:
    """Per opportunity, the interviewers of its interviews in `stage_id` that were not canceled."""
    i, ii = lever_interviews, interview_interviewers
    rows = conn.execute(
        sa.select(ii.c.opportunity_id, ii.c.user_id, ii.c.interview_id)
        .join(i, i.c.id == ii.c.interview_id)
        .where(ii.c.opportunity_id.in_(list(opportunity_ids)), i.c.stage_id == stage_id, i.c.canceled_at.is_(None))
    )
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        out[r.opportunity_id].add(r.user_id)
    return out


def stage_interview_ids(conn: Connection, opportunity_ids: Sequence[str], stage_id: str) -> set[str]:
    i = lever_interviews
    return set(
        conn.execute(
            sa.select(i.c.id).where(i.c.opportunity_id.in_(list(opportunity_ids)), i.c.stage_id == stage_id)
        ).scalars()
    )


def completed_forms(conn: Connection, opportunity_ids: Sequence[str]) -> dict[str, list[Form]]:
    """Per opportunity, its completed, undeleted forms with their typed answers."""
    f, v = lever_feedback, feedback_field_values
    forms = conn.execute(
        sa.select(
            f.c.id,
            f.c.opportunity_id,
            f.c.user_id,
            f.c.template_id,
            f.c.interview_id,
            sa.func.coalesce(f.c.updated_at, f.c.completed_at).label("at"),
        ).where(f.c.opportunity_id.in_(list(opportunity_ids)), f.c.deleted_at.is_(None), f.c.completed_at.isnot(None))
    ).all()
    answers: dict[str, list[FieldAnswer]] = defaultdict(list)
    for a in conn.execute(
        sa.select(
            v.c.feedback_id,
            v.c.field_id,
            v.c.raw["text"].astext.label("text"),
            v.c.type,
            v.c.value_score,
            v.c.value_bool,
        )
        .where(v.c.feedback_id.in_([r.id for r in forms]))
        .order_by(v.c.feedback_id, v.c.position)
    ):
        score = float(a.value_score) if a.value_score is not None else None
        answers[a.feedback_id].append(FieldAnswer(a.field_id, a.text, a.type, score, a.value_bool))
    out: dict[str, list[Form]] = defaultdict(list)
    for r in forms:
        out[r.opportunity_id].append(
            Form(r.id, r.user_id, r.template_id, r.interview_id, r.at, tuple(answers.get(r.id, ())))
        )
    return out


def visit_forms(
    forms: Iterable[Form], interview_ids: set[str], start: datetime, end: datetime | None
) -> tuple[Form, ...]:
    """Forms of one visit: tied to one of the stage's interviews, or submitted while the visit lasted."""
    return tuple(
        f
        for f in forms
        if (end is None or f.submitted_at < end)
        and ((f.interview_id is not None and f.interview_id in interview_ids) or f.submitted_at >= start)
    )


def current_visits(conn: Connection, rule: RuleDefinition) -> list[Visit]:
    """The visits a rule would evaluate now: every covered opportunity, as of its latest stage entry."""
    covered = covered_opportunities(conn, rule)
    ids = [c.opportunity_id for c in covered]
    if not ids:
        return []
    interviewers = stage_interviewers(conn, ids, rule.stage_id)
    interview_ids = stage_interview_ids(conn, ids, rule.stage_id)
    forms = completed_forms(conn, ids)
    return [
        Visit(
            c.opportunity_id,
            c.stage_id,
            c.entered_at,
            frozenset(interviewers.get(c.opportunity_id, ())),
            visit_forms(forms.get(c.opportunity_id, ()), interview_ids, c.entered_at, None),
        )
        for c in covered
    ]
