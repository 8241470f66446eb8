"""Data-quality queries behind the per-opportunity asset checks; each returns a `Finding`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine, Table

from lever_pipeline.sync.checks import Finding, _finding
from lever_pipeline.warehouse.tables import (
    lever_applications,
    lever_opportunities,
    lever_postings,
)
from lever_pipeline.warehouse.tables.feedback import (
    feedback_field_values,
    feedback_template_fields,
    lever_feedback,
    lever_feedback_templates,
    lever_interviews,
)


def feedback_with_unknown_template(engine: Engine) -> Finding:
    """Feedback forms whose `baseTemplateId` is not a stored template."""
    f = lever_feedback
    return _finding(
        engine,
        sa.select(f.c.id).where(
            f.c.template_id.is_not(None),
            ~sa.exists().where(lever_feedback_templates.c.id == f.c.template_id),
        ),
    )


def _option_texts(options: sa.ColumnElement) -> sa.ScalarSelect:
    opt = sa.func.jsonb_array_elements(sa.func.coalesce(options, sa.text("'[]'::jsonb"))).table_valued("value")
    return sa.select(sa.func.array_agg(opt.c.value.op("->>")("text"))).scalar_subquery()


def invalid_field_values(engine: Engine) -> Finding:
    """Field values (as `feedback_id/field_id`) that do not fit their field type.

    Invalid: a value that could not be parsed into its type's column (`parse_error`); an
    option, or a multiple-select choice, that is not among the template field's options;
    a `score` outside 1-4. Unknown future types are not judged (they are counted apart).
    """
    v, t = feedback_field_values, feedback_template_fields
    options = _option_texts(t.c.options)
    key = (v.c.feedback_id + "/" + v.c.field_id).label("id")
    bad = sa.or_(
        v.c.parse_error.is_not(None),
        sa.and_(
            v.c.value_option.is_not(None),
            t.c.options.is_not(None),
            sa.func.array_position(options, v.c.value_option).is_(None),
        ),
        sa.and_(v.c.value_options.is_not(None), t.c.options.is_not(None), ~v.c.value_options.op("<@")(options)),
        sa.and_(v.c.type == "score", v.c.value_score.is_not(None), ~v.c.value_score.between(1, 4)),
    )
    joined = v.outerjoin(t, sa.and_(t.c.template_id == v.c.template_id, t.c.field_id == v.c.field_id))
    return _finding(engine, sa.select(key).select_from(joined).where(bad))


def interviews_with_unknown_opportunity(engine: Engine) -> Finding:
    """Interviews whose opportunity is not in `lever_opportunities`."""
    i = lever_interviews
    return _finding(
        engine,
        sa.select(i.c.id).where(~sa.exists().where(lever_opportunities.c.id == i.c.opportunity_id)),
    )


def children_with_unknown_opportunity(engine: Engine, table: Table) -> Finding:
    """Rows of a per-opportunity table whose opportunity is not in `lever_opportunities`."""
    return _finding(
        engine,
        sa.select(table.c.id).where(~sa.exists().where(lever_opportunities.c.id == table.c.opportunity_id)),
    )


def applications_with_unknown_posting(engine: Engine) -> Finding:
    """Applications of live opportunities whose posting is not in `lever_postings`."""
    a, o = lever_applications, lever_opportunities
    return _finding(
        engine,
        sa.select(a.c.id).where(
            a.c.posting_id.is_not(None),
            sa.exists().where(o.c.id == a.c.opportunity_id, o.c.deleted_at.is_(None)),
            ~sa.exists().where(lever_postings.c.id == a.c.posting_id),
        ),
    )


def panels_with_unsynced_interviews(engine: Engine) -> Finding:
    """Panels (of live opportunities) naming an interview `lever_interviews` lacks."""
    ids = sa.text(
        "SELECT DISTINCT p.id FROM lever_panels p"
        " JOIN lever_opportunities o ON o.id = p.opportunity_id AND o.deleted_at IS NULL"
        " CROSS JOIN LATERAL unnest(p.interview_ids) AS iv(interview_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM lever_interviews i WHERE i.id = iv.interview_id)"
    ).columns(sa.column("id"))
    return _finding(engine, sa.select(ids.subquery().c.id))
