"""All warehouse tables, registered on one MetaData (`metadata`).

Importing this package imports every table module, so Alembic and tests see them all.
"""

from lever_pipeline.warehouse.tables import (  # noqa: F401  (registers every table module)
    account,
    core,
    feedback,
    ratelimit,
    webhooks,
    writeback,
)
from lever_pipeline.warehouse.tables.base import metadata
from lever_pipeline.warehouse.tables.core import (
    lever_archive_reasons,
    lever_opportunities,
    lever_postings,
    lever_stages,
    lever_users,
    sync_state,
)

__all__ = [
    "core",
    "lever_archive_reasons",
    "lever_opportunities",
    "lever_postings",
    "lever_stages",
    "lever_users",
    "metadata",
    "sync_state",
]
