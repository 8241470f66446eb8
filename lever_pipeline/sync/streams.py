"""The core Lever streams and where each lands: reference data and opportunities.

A stream names its table, which `lever/` call reads its pages (the client owns paging,
retries and the rate limit) and how one object becomes one row. Postings and
opportunities are listed with their confidential part whenever the key may read it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from lever_pipeline.lever.client import LeverClient
from lever_pipeline.lever.opportunities import opportunity_pages
from lever_pipeline.lever.postings import posting_pages
from lever_pipeline.lever.reference import archive_reason_pages
from lever_pipeline.lever.stages import stage_pages
from lever_pipeline.lever.users import user_pages
from lever_pipeline.sync import rows
from lever_pipeline.sync.stream_sync import Page, StreamSpec
from lever_pipeline.warehouse.tables import (
    lever_archive_reasons,
    lever_opportunities,
    lever_postings,
    lever_stages,
    lever_users,
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
    # With applications expanded each one names its posting: the candidate-posting mapping.
    return opportunity_pages(client, updated_since=since, expand=("applications",), confidentiality="all")


STAGES = StreamSpec("stages", lever_stages, _stages, lambda o, i: rows.stage_row(o, i))
ARCHIVE_REASONS = StreamSpec(
    "archive_reasons", lever_archive_reasons, _archive_reasons, lambda o, i: rows.archive_reason_row(o)
)
USERS = StreamSpec("users", lever_users, _users, lambda o, i: rows.user_row(o))
POSTINGS = StreamSpec(
    "postings", lever_postings, _postings, lambda o, i: rows.posting_row(o), incremental=True, confidential=True
)
OPPORTUNITIES = StreamSpec(
    "opportunities",
    lever_opportunities,
    _opportunities,
    lambda o, i: rows.opportunity_row(o),
    incremental=True,
    reconcile_deletes=True,
    confidential=True,
)
