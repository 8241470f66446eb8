"""Tables for Lever's reference data and opportunities, plus the per-stream sync state.

Each `lever_*` table is keyed by the Lever id, carries the typed columns analytics needs
and the full response as `raw` JSONB, so no field Lever sends is ever lost.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    Index,
    Integer,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata, synced_at, timestamp

sync_state = Table(
    "sync_state",
    metadata,
    Column("stream", Text, primary_key=True),
    timestamp("high_water_mark"),
    timestamp("last_success_at"),
    timestamp("last_full_sync_at"),
    timestamp(
        "deleted_mark",
        comment="Newest `deletedAt` read from the stream's deleted list (opportunities, postings); "
        "the next incremental run reads deletions from here.",
    ),
    Column("last_stats", JSONB),
    timestamp("updated_at", nullable=False, server_default=func.now()),
    comment="One row per synced stream: its high-water mark and last successful sync.",
)

lever_stages = Table(
    "lever_stages",
    metadata,
    Column("id", Text, primary_key=True),
    Column("text", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per pipeline stage, in Lever's order (`position`).",
)

lever_archive_reasons = Table(
    "lever_archive_reasons",
    metadata,
    Column("id", Text, primary_key=True),
    Column("text", Text, nullable=False),
    Column("type", Text),
    Column("status", Text),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per archive reason; `type` is hired or non-hired.",
)

lever_users = Table(
    "lever_users",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text),
    Column("username", Text),
    Column("email", Text),
    Column("access_role", Text),
    Column("job_title", Text),
    Column("manager_id", Text),
    timestamp("created_at"),
    timestamp("deactivated_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per Lever user, active or deactivated.",
)

# Write-back resolves `perform_as` by the interviewer's email, case-insensitively.
Index("ix_lever_users_lower_email", func.lower(lever_users.c.email))

lever_postings = Table(
    "lever_postings",
    metadata,
    Column("id", Text, primary_key=True),
    Column("text", Text),
    Column("state", Text),
    Column("team", Text),
    Column("department", Text),
    Column("location", Text),
    Column("commitment", Text),
    Column("level", Text),
    Column("workplace_type", Text),
    Column("confidentiality", Text),
    Column("owner_id", Text),
    Column("hiring_manager_id", Text),
    Column("creator_id", Text),
    Column("tags", ARRAY(Text)),
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment=(
        "One row per job posting in any state; `deleted_at` is set when Lever lists it as deleted "
        "or a full sync no longer returns it."
    ),
)

lever_opportunities = Table(
    "lever_opportunities",
    metadata,
    Column("id", Text, primary_key=True),
    Column("contact_id", Text),
    Column("stage_id", Text, index=True),
    Column("origin", Text),
    Column("owner_id", Text),
    Column("sourced_by_id", Text),
    Column("confidentiality", Text),
    Column("is_archived", Boolean, nullable=False, server_default="false"),
    Column("archived_reason_id", Text),
    timestamp("archived_at"),
    Column("posting_ids", ARRAY(Text)),
    Column("tags", ARRAY(Text)),
    Column("sources", ARRAY(Text)),
    timestamp("created_at"),
    timestamp("updated_at", index=True),
    timestamp("last_interaction_at"),
    timestamp("last_advanced_at"),
    timestamp("snoozed_until"),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per Lever opportunity (a candidate's candidacy), keyed by its Lever id.",
)
