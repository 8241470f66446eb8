"""Tables for feedback templates and each opportunity's sub-resources.

Grains: one row per template; per template field; per feedback form; per form x field
(typed value columns so analytics can aggregate scores); per interview; per interview x
interviewer; per note, resume, file and offer. Every per-opportunity table carries
`opportunity_id`, so one opportunity's children can be replaced together, and `raw`
JSONB so nothing Lever sends is lost. `child_sync_state` records, per opportunity and
kind, which version of the opportunity its children were last fetched for.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata, opportunity_id, synced_at, timestamp

lever_feedback_templates = Table(
    "lever_feedback_templates",
    metadata,
    Column("id", Text, primary_key=True),
    Column("text", Text),
    Column("group_id", Text),
    Column("group_name", Text),
    Column("stage_id", Text),
    Column("instructions", Text),
    timestamp("created_at"),
    timestamp("updated_at"),
    Column("fields", JSONB, nullable=False),
    Column("field_count", Integer, nullable=False, server_default="0"),
    Column("unknown_field_types", ARRAY(Text)),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    timestamp("fetched_at", nullable=False, server_default=func.now()),
    synced_at(),
    comment=(
        "One row per feedback template; `fetched_at` (when it was last read from Lever) drives the "
        "on-demand cache's TTL; `deleted_at` is set when a full list no longer returns it."
    ),
)

feedback_template_fields = Table(
    "feedback_template_fields",
    metadata,
    Column("template_id", Text, nullable=False),
    Column("field_id", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("known_type", Boolean, nullable=False),
    Column("text", Text),
    Column("description", Text),
    Column("required", Boolean, nullable=False, server_default="false"),
    Column("prompt", Text),
    Column("options", JSONB),
    Column("scores", JSONB),
    Column("language", Text),
    Column("currency", Text),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    PrimaryKeyConstraint("template_id", "field_id"),
    comment="One row per field of a feedback template, in the template's order (`position`).",
)

lever_feedback = Table(
    "lever_feedback",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("template_id", Text, index=True),
    Column("type", Text),
    Column("interview_id", Text),
    Column("panel_id", Text),
    Column("user_id", Text),
    timestamp("created_at"),
    timestamp("completed_at"),
    timestamp("updated_at"),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per feedback form; Lever keeps deleted forms visible with `deleted_at` set.",
)

feedback_field_values = Table(
    "feedback_field_values",
    metadata,
    Column("feedback_id", Text, nullable=False),
    Column("field_id", Text, nullable=False),
    opportunity_id(),
    Column("template_id", Text),
    Column("position", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("known_type", Boolean, nullable=False),
    Column("value_score", Numeric),
    Column("value_text", Text),
    Column("value_option", Text),
    Column("value_options", ARRAY(Text)),
    Column("value_date", DateTime(timezone=True)),
    Column("value_number", Numeric),
    Column("value_bool", Boolean),
    Column("value", JSONB),
    Column("parse_error", Text),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    PrimaryKeyConstraint("feedback_id", "field_id"),
    comment=(
        "One row per feedback form x field, its value parsed into the typed column for its type "
        "(`value` keeps Lever's value as sent; `parse_error` says why a value did not fit its type)."
    ),
)

lever_interviews = Table(
    "lever_interviews",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("panel_id", Text, index=True),
    Column("subject", Text),
    timestamp("date"),
    Column("duration_minutes", Integer),
    Column("timezone", Text),
    Column("location", Text),
    Column("feedback_template_id", Text),
    Column("feedback_form_ids", ARRAY(Text)),
    Column("feedback_reminder", Text),
    Column("interviewers", JSONB),
    Column("user_id", Text),
    Column("stage_id", Text),
    Column("posting_ids", ARRAY(Text)),
    timestamp("created_at"),
    timestamp("canceled_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per scheduled interview (an interview belongs to a panel).",
)

interview_interviewers = Table(
    "interview_interviewers",
    metadata,
    Column("interview_id", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    opportunity_id(),
    Column("position", Integer, nullable=False),
    Column("feedback_template_id", Text),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    PrimaryKeyConstraint("interview_id", "user_id"),
    comment="One row per interview x interviewer (names and emails live in lever_users).",
)

lever_notes = Table(
    "lever_notes",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("user_id", Text),
    Column("secret", Boolean),
    Column("score", Integer),
    Column("field_count", Integer),
    timestamp("created_at"),
    timestamp("completed_at"),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per note on an opportunity; the text stays in `raw`.",
)

lever_resumes = Table(
    "lever_resumes",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("file_name", Text),
    Column("file_ext", Text),
    Column("file_status", Text),
    Column("file_size", Integer),
    timestamp("uploaded_at"),
    timestamp("created_at"),
    Column("content_sha256", Text),
    Column("local_path", Text),
    timestamp("downloaded_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment=(
        "One row per resume (metadata and parsed data in `raw`); `content_sha256` and `local_path` "
        "are set once the file is downloaded (only when LEVER_DOWNLOAD_FILES is on)."
    ),
)

lever_files = Table(
    "lever_files",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("name", Text),
    Column("ext", Text),
    Column("status", Text),
    Column("size", Integer),
    timestamp("uploaded_at"),
    Column("content_sha256", Text),
    Column("local_path", Text),
    timestamp("downloaded_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per file attached to an opportunity.",
)

lever_offers = Table(
    "lever_offers",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("status", Text),
    Column("creator_id", Text),
    timestamp("created_at"),
    timestamp("approved_at"),
    timestamp("sent_at"),
    timestamp("signed_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per offer; offer fields (salary, dates) stay in `raw`.",
)

child_sync_state = Table(
    "child_sync_state",
    metadata,
    Column("opportunity_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    timestamp("opportunity_stamp"),
    Column("items", Integer, nullable=False, server_default="0"),
    synced_at(),
    PrimaryKeyConstraint("opportunity_id", "kind"),
    comment=(
        "One row per opportunity x sub-resource kind: the opportunity's greatest(updatedAt, "
        "lastInteractionAt) when its children were last fetched; a moved stamp means re-fetch."
    ),
)

Index("ix_feedback_field_values_type", feedback_field_values.c.type)
