"""The core Lever streams and where each lands: reference data and opportunities.

A stream names its table, how to fetch its pages (the Lever client owns paging, retries
and the rate limit) and how one object becomes one row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from lever_pipeline.sync import rows
from lever_pipeline.sync.stream_sync import Page, StreamSpec
from lever_pipeline.warehouse.tables import (
    lever_archive_reasons,
    lever_opportunities,
    lever_postings,
    lever_stages,
    lever_users,
)


def _ms(value: datetime) -> str:
    return str(int(value.timestamp() * 1000))


async def _stages(client: Any, since: datetime | None) -> AsyncIterator[Page]:
    async for page in client.paginate("/stages"):
        yield page


async def _archive_reasons(client: Any, since: datetime | None) -> AsyncIterator[Page]:
    async for page in client.paginate("/archive_reasons"):
        yield page


async def _users(client: Any, since: datetime | None) -> AsyncIterator[Page]:
    # Deactivated users still own opportunities and wrote feedback: keep them.
    async for page in client.paginate("/users", {"includeDeactivated": "true"}):
        yield page


async def _postings(client: Any, since: datetime | None) -> AsyncIterator[Page]:
    params = {"updated_at_start": _ms(since)} if since else {}
    async for page in client.paginate("/postings", params):
        yield page


async def _opportunities(client: Any, since: datetime | None) -> AsyncIterator[Page]:
    from lever_pipeline.lever.opportunities import iter_opportunity_pages

    async for page in iter_opportunity_pages(client, updated_since=since, expand=("applications",)):
        yield page


STAGES = StreamSpec("stages", lever_stages, _stages, lambda o, i: rows.stage_row(o, i))
ARCHIVE_REASONS = StreamSpec(
    "archive_reasons", lever_archive_reasons, _archive_reasons, lambda o, i: rows.archive_reason_row(o)
)
USERS = StreamSpec("users", lever_users, _users, lambda o, i: rows.user_row(o))
POSTINGS = StreamSpec("postings", lever_postings, _postings, lambda o, i: rows.posting_row(o), incremental=True)
OPPORTUNITIES = StreamSpec(
    "opportunities",
    lever_opportunities,
    _opportunities,
    lambda o, i: rows.opportunity_row(o),
    incremental=True,
    reconcile_deletes=True,
)
