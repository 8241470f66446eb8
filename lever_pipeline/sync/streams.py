"""The Lever streams read as lists and where each lands: reference data, opportunities, requisitions.

A stream names its table, which `lever/` call reads its pages (the client owns paging,
retries and the rate limit) and how one object becomes one row. Postings, opportunities
and requisitions are listed with their confidential part whenever the key may read it.
Postings and opportunities are incremental and read Lever's deleted lists on incremental
runs; requisitions and their fields are read whole every run (Lever's requisition list
has no `updated_at` filter, and is short), which also reconciles their deletes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.opportunities import deleted_opportunity_pages, opportunity_pages
from lever_pipeline.lever.postings import deleted_posting_pages, posting_pages
from lever_pipeline.lever.reference import archive_reason_pages
from lever_pipeline.lever.requisitions import requisition_field_pages, requisition_pages
from lever_pipeline.lever.stages import stage_pages
from lever_pipeline.lever.users import user_pages
from lever_pipeline.sync import requisition_rows, rows, sql_rows
from lever_pipeline.sync.stream_sync import ChildRows, Page, StreamSpec
from lever_pipeline.warehouse.tables import (
    lever_archive_reasons,
    lever_opportunities,
    lever_postings,
    lever_requisition_fields,
    lever_requisitions,
    lever_stages,
    lever_users,
    requisition_custom_field_values,
)


def _stages(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    return stage_pages(client)


def _archive_reasons(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    return archive_reason_pages(client)


def _users(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    # Deactivated users still own opportunities and wrote feedback: keep them.
    return user_pages(client, include_deactivated=True)


def _postings(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    return posting_pages(client, updated_since=since, confidentiality="all")


def _opportunities(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    # With applications expanded each one names its posting (the candidate-posting mapping),
    # and the stored response is where `lever_applications` comes from, without a request.
    return opportunity_pages(client, updated_since=since, expand=("applications",), confidentiality="all")


def _deleted_opportunities(client: LeverClient, since: datetime) -> AsyncIterator[Page]:
    return deleted_opportunity_pages(client, deleted_since=since)


def _deleted_postings(client: LeverClient, since: datetime) -> AsyncIterator[Page]:
    return deleted_posting_pages(client, deleted_since=since)


def _requisitions(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    return requisition_pages(client, confidentiality="all")


def _requisition_fields(client: LeverClient, since: datetime | None) -> AsyncIterator[Page]:
    return requisition_field_pages(client)


def _requisition_field_types(conn: sa.Connection) -> Mapping[str, Any]:
    """Field id → type of the stored requisition fields, to type each custom field value."""
    f = lever_requisition_fields
    return dict(conn.execute(sa.select(f.c.id, f.c.type).where(f.c.type.is_not(None))).tuples().all())


STAGES = StreamSpec("stages", lever_stages, _stages, lambda o, i: rows.stage_row(o, i))
ARCHIVE_REASONS = StreamSpec(
    "archive_reasons", lever_archive_reasons, _archive_reasons, lambda o, i: rows.archive_reason_row(o)
)
USERS = StreamSpec("users", lever_users, _users, lambda o, i: rows.user_row(o))
POSTINGS = StreamSpec(
    "postings",
    lever_postings,
    _postings,
    lambda o, i: rows.posting_row(o),
    incremental=True,
    reconcile_deletes=True,
    confidential=True,
    deleted=_deleted_postings,
)
OPPORTUNITIES = StreamSpec(
    "opportunities",
    lever_opportunities,
    _opportunities,
    lambda o, i: rows.opportunity_row(o),
    incremental=True,
    reconcile_deletes=True,
    confidential=True,
    deleted=_deleted_opportunities,
    sql_columns=sql_rows.OPPORTUNITY_COLUMNS,
    sql_references=sql_rows.OPPORTUNITY_REFERENCES,
)
REQUISITION_FIELDS = StreamSpec(
    "requisition_fields",
    lever_requisition_fields,
    _requisition_fields,
    lambda o, i: requisition_rows.requisition_field_row(o),
    reconcile_deletes=True,
)
REQUISITIONS = StreamSpec(
    "requisitions",
    lever_requisitions,
    _requisitions,
    lambda o, i: requisition_rows.requisition_row(o),
    reconcile_deletes=True,
    confidential=True,
    children=(
        ChildRows(
            requisition_custom_field_values,
            "requisition_id",
            lambda o, types: requisition_rows.custom_field_rows(o, types),
        ),
    ),
    lookup=_requisition_field_types,
)
