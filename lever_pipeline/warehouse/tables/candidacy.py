"""Tables for the rest of an opportunity: its applications, panels, referrals and profile forms.

Grains: one row per application (as Lever returns them, expanded in the opportunity's own
response); per interview panel; per referral form; per profile form; per profile form x
field (typed values, as for feedback). Like the other per-opportunity tables each carries
`opportunity_id` and the full object as `raw`; `child_sync_state` records, per
opportunity and kind, which version of the opportunity they were read for.
"""

from sqlalchemy import (
    ARRAY,
    Boolean,
    Column,
    DateTime,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata, opportunity_id, synced_at, timestamp

lever_applications = Table(
    "lever_applications",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("candidate_id", Text),
    Column("type", Text, comment="posting, user or referral."),
    Column("posting_id", Text, index=True),
    Column("posting_owner_id", Text),
    Column("posting_hiring_manager_id", Text),
    Column("user_id", Text, comment="Who added a user or referral application (the referrer for a referral)."),
    Column("requisition_for_hire_id", Text, comment="The requisition a hire was made against."),
    timestamp("created_at"),
    timestamp("archived_at"),
    Column("archived_reason_id", Text),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment=(
        "One row per application, as Lever returns it in the opportunity (read with "
        "expand=applications, so no request of its own); contact details stay in `raw`."
    ),
)

lever_panels = Table(
    "lever_panels",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("stage_id", Text),
    Column("user_id", Text),
    Column("timezone", Text),
    timestamp("start_at"),
    timestamp("end_at"),
    timestamp("created_at"),
    timestamp("canceled_at"),
    Column("externally_managed", Boolean),
    Column("external_url", Text),
    Column("feedback_reminder", Text),
    Column("application_ids", ARRAY(Text)),
    Column("interview_ids", ARRAY(Text), comment="The panel's interviews (rows of lever_interviews)."),
    Column("interview_count", Integer),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per interview panel (a group of interviews scheduled together).",
)

lever_referrals = Table(
    "lever_referrals",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("type", Text),
    Column("text", Text),
    Column("base_template_id", Text),
    Column("referrer_id", Text, comment="The user who referred the candidate."),
    Column("user_id", Text, comment="The user who filled in the referral form."),
    Column("stage_id", Text),
    Column("field_count", Integer),
    timestamp("created_at"),
    timestamp("completed_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per referral form on an opportunity; the answers stay in `raw`.",
)

lever_profile_forms = Table(
    "lever_profile_forms",
    metadata,
    Column("id", Text, primary_key=True),
    opportunity_id(),
    Column("type", Text),
    Column("text", Text),
    Column("base_template_id", Text),
    Column("user_id", Text),
    Column("stage_id", Text),
    Column("field_count", Integer),
    timestamp("created_at"),
    timestamp("completed_at"),
    timestamp("deleted_at"),
    Column("raw", JSONB, nullable=False),
    synced_at(),
    comment="One row per profile form filled in on an opportunity; values in profile_form_field_values.",
)

profile_form_field_values = Table(
    "profile_form_field_values",
    metadata,
    Column("form_id", Text, nullable=False),
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
    PrimaryKeyConstraint("form_id", "field_id"),
    comment=(
        "One row per profile form x field, its value parsed into the typed column for its type, "
        "exactly as feedback_field_values."
    ),
)
