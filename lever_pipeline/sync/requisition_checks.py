"""Data-quality queries behind the requisition asset checks; each returns a `Finding`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from lever_pipeline.sync.checks import Finding, _finding


def requisitions_with_unknown_posting(engine: Engine) -> Finding:
    """Live requisitions that name a posting the warehouse does not have."""
    ids = sa.text(
        "SELECT DISTINCT r.id FROM lever_requisitions r CROSS JOIN LATERAL unnest(r.posting_ids) AS p(posting_id)"
        " WHERE r.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM lever_postings lp WHERE lp.id = p.posting_id)"
    ).columns(sa.column("id"))
    return _finding(engine, sa.select(ids.subquery().c.id))


def custom_field_values_with_unknown_field(engine: Engine) -> Finding:
    """Custom field values (as `requisition_id/field_id`) whose field is not a live requisition field."""
    ids = sa.text(
        "SELECT v.requisition_id || '/' || v.field_id AS id FROM requisition_custom_field_values v"
        " JOIN lever_requisitions r ON r.id = v.requisition_id AND r.deleted_at IS NULL"
        " WHERE NOT EXISTS (SELECT 1 FROM lever_requisition_fields f WHERE f.id = v.field_id AND f.deleted_at IS NULL)"
    ).columns(sa.column("id"))
    return _finding(engine, sa.select(ids.subquery().c.id))
