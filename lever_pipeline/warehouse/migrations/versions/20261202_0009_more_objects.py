"""Every Lever object in the warehouse: requisitions, their fields and custom field values,
applications, panels, referrals and profile forms; deletes read from Lever's deleted lists.

New tables (empty until their assets first run): `lever_requisitions`,
`lever_requisition_fields`, `requisition_custom_field_values`, `lever_applications`,
`lever_panels`, `lever_referrals`, `lever_profile_forms`, `profile_form_field_values`.
`lever_postings` gains `deleted_at` (postings are now reconciled like opportunities) and
`sync_state` gains `deleted_mark`, where incremental runs of opportunities and postings
resume reading `/opportunities/deleted` and `/postings/deleted`. Existing rows keep
`deleted_at` NULL and the marks start empty: the first incremental run reads deletions
from the stream's own high-water mark.

Revision ID: 0009_more_objects
Revises: 0008_refresh_claims
Create Date: 2026-12-02 06:27:39.545932
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_more_objects"
down_revision = "0008_refresh_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lever_applications",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("candidate_id", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True, comment="posting, user or referral."),
        sa.Column("posting_id", sa.Text(), nullable=True),
        sa.Column("posting_owner_id", sa.Text(), nullable=True),
        sa.Column("posting_hiring_manager_id", sa.Text(), nullable=True),
        sa.Column(
            "user_id",
            sa.Text(),
            nullable=True,
            comment="Who added a user or referral application (the referrer for a referral).",
        ),
        sa.Column(
            "requisition_for_hire_id", sa.Text(), nullable=True, comment="The requisition a hire was made against."
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_reason_id", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_applications")),
        comment=(
            "One row per application, as Lever returns it in the opportunity (read with "
            "expand=applications, so no request of its own); contact details stay in `raw`."
        ),
    )
    op.create_index(
        op.f("ix_lever_applications_opportunity_id"), "lever_applications", ["opportunity_id"], unique=False
    )
    op.create_index(op.f("ix_lever_applications_posting_id"), "lever_applications", ["posting_id"], unique=False)
    op.create_table(
        "lever_panels",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("stage_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("externally_managed", sa.Boolean(), nullable=True),
        sa.Column("external_url", sa.Text(), nullable=True),
        sa.Column("feedback_reminder", sa.Text(), nullable=True),
        sa.Column("application_ids", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column(
            "interview_ids",
            sa.ARRAY(sa.Text()),
            nullable=True,
            comment="The panel's interviews (rows of lever_interviews).",
        ),
        sa.Column("interview_count", sa.Integer(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_panels")),
        comment="One row per interview panel (a group of interviews scheduled together).",
    )
    op.create_index(op.f("ix_lever_panels_opportunity_id"), "lever_panels", ["opportunity_id"], unique=False)
    op.create_table(
        "lever_profile_forms",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("base_template_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("stage_id", sa.Text(), nullable=True),
        sa.Column("field_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_profile_forms")),
        comment="One row per profile form filled in on an opportunity; values in profile_form_field_values.",
    )
    op.create_index(
        op.f("ix_lever_profile_forms_opportunity_id"), "lever_profile_forms", ["opportunity_id"], unique=False
    )
    op.create_table(
        "lever_referrals",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("base_template_id", sa.Text(), nullable=True),
        sa.Column("referrer_id", sa.Text(), nullable=True, comment="The user who referred the candidate."),
        sa.Column("user_id", sa.Text(), nullable=True, comment="The user who filled in the referral form."),
        sa.Column("stage_id", sa.Text(), nullable=True),
        sa.Column("field_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_referrals")),
        comment="One row per referral form on an opportunity; the answers stay in `raw`.",
    )
    op.create_index(op.f("ix_lever_referrals_opportunity_id"), "lever_referrals", ["opportunity_id"], unique=False)
    op.create_table(
        "lever_requisition_fields",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True, comment="number, text, date, object or dropdown."),
        sa.Column("is_required", sa.Boolean(), nullable=True),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment="A dropdown's options."),
        sa.Column(
            "subfields", postgresql.JSONB(astext_type=sa.Text()), nullable=True, comment="An object field's subfields."
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_requisition_fields")),
        comment="One row per requisition custom field the account defines.",
    )
    op.create_table(
        "lever_requisitions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("requisition_code", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True, comment="open, onHold, closed or draft, as Lever sends it."),
        sa.Column("confidentiality", sa.Text(), nullable=True),
        sa.Column("backfill", sa.Boolean(), nullable=True),
        sa.Column(
            "headcount_total",
            sa.Integer(),
            nullable=True,
            comment="NULL when the headcount is unlimited (`headcount_infinite`).",
        ),
        sa.Column("headcount_infinite", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("headcount_hired", sa.Integer(), nullable=True),
        sa.Column("employment_status", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Text(), nullable=True),
        sa.Column("hiring_manager_id", sa.Text(), nullable=True),
        sa.Column("creator_id", sa.Text(), nullable=True),
        sa.Column("compensation_min", sa.Numeric(), nullable=True),
        sa.Column("compensation_max", sa.Numeric(), nullable=True),
        sa.Column("compensation_currency", sa.Text(), nullable=True),
        sa.Column("compensation_interval", sa.Text(), nullable=True),
        sa.Column(
            "posting_ids", sa.ARRAY(sa.Text()), nullable=True, comment="Postings that hire against this requisition."
        ),
        sa.Column("offer_ids", sa.ARRAY(sa.Text()), nullable=True, comment="Offers made against this requisition."),
        sa.Column("time_to_fill_start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("time_to_fill_end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_requisitions")),
        comment=(
            "One row per requisition (confidential ones when the key may read them); custom field values "
            "typed in requisition_custom_field_values, the full object in `raw`."
        ),
    )
    op.create_index(
        op.f("ix_lever_requisitions_requisition_code"), "lever_requisitions", ["requisition_code"], unique=False
    )
    op.create_table(
        "profile_form_field_values",
        sa.Column("form_id", sa.Text(), nullable=False),
        sa.Column("field_id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("template_id", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("known_type", sa.Boolean(), nullable=False),
        sa.Column("value_score", sa.Numeric(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_option", sa.Text(), nullable=True),
        sa.Column("value_options", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("value_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("value_number", sa.Numeric(), nullable=True),
        sa.Column("value_bool", sa.Boolean(), nullable=True),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("parse_error", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("form_id", "field_id", name=op.f("pk_profile_form_field_values")),
        comment=(
            "One row per profile form x field, its value parsed into the typed column for its type, "
            "exactly as feedback_field_values."
        ),
    )
    op.create_index(
        op.f("ix_profile_form_field_values_opportunity_id"),
        "profile_form_field_values",
        ["opportunity_id"],
        unique=False,
    )
    op.create_table(
        "requisition_custom_field_values",
        sa.Column("requisition_id", sa.Text(), nullable=False),
        sa.Column("field_id", sa.Text(), nullable=False),
        sa.Column(
            "field_type",
            sa.Text(),
            nullable=True,
            comment="The field's type in lever_requisition_fields when the value was written.",
        ),
        sa.Column("value_text", sa.Text(), nullable=True, comment="text and dropdown values."),
        sa.Column("value_number", sa.Numeric(), nullable=True, comment="number values."),
        sa.Column("value_date", sa.DateTime(timezone=True), nullable=True, comment="date values (Lever's epoch ms)."),
        sa.Column(
            "value",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="The value exactly as Lever sent it (object fields keep their subfields here).",
        ),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("requisition_id", "field_id", name=op.f("pk_requisition_custom_field_values")),
        comment="One row per requisition x custom field with a value, typed by the field's type.",
    )
    op.create_index(
        op.f("ix_requisition_custom_field_values_field_id"),
        "requisition_custom_field_values",
        ["field_id"],
        unique=False,
    )
    op.add_column("lever_postings", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table_comment(
        "lever_postings",
        (
            "One row per job posting in any state; `deleted_at` is set when Lever lists it as deleted or "
            "a full sync no longer returns it."
        ),
        existing_comment="One row per job posting in any state.",
        schema=None,
    )
    op.add_column(
        "sync_state",
        sa.Column(
            "deleted_mark",
            sa.DateTime(timezone=True),
            nullable=True,
            comment=(
                "Newest `deletedAt` read from the stream's deleted list (opportunities, postings); the "
                "next incremental run reads deletions from here."
            ),
        ),
    )


def downgrade() -> None:
    op.drop_column("sync_state", "deleted_mark")
    op.create_table_comment(
        "lever_postings",
        "One row per job posting in any state.",
        existing_comment=(
            "One row per job posting in any state; `deleted_at` is set when Lever lists it as deleted or "
            "a full sync no longer returns it."
        ),
        schema=None,
    )
    op.drop_column("lever_postings", "deleted_at")
    op.drop_index(op.f("ix_requisition_custom_field_values_field_id"), table_name="requisition_custom_field_values")
    op.drop_table("requisition_custom_field_values")
    op.drop_index(op.f("ix_profile_form_field_values_opportunity_id"), table_name="profile_form_field_values")
    op.drop_table("profile_form_field_values")
    op.drop_index(op.f("ix_lever_requisitions_requisition_code"), table_name="lever_requisitions")
    op.drop_table("lever_requisitions")
    op.drop_table("lever_requisition_fields")
    op.drop_index(op.f("ix_lever_referrals_opportunity_id"), table_name="lever_referrals")
    op.drop_table("lever_referrals")
    op.drop_index(op.f("ix_lever_profile_forms_opportunity_id"), table_name="lever_profile_forms")
    op.drop_table("lever_profile_forms")
    op.drop_index(op.f("ix_lever_panels_opportunity_id"), table_name="lever_panels")
    op.drop_table("lever_panels")
    op.drop_index(op.f("ix_lever_applications_posting_id"), table_name="lever_applications")
    op.drop_index(op.f("ix_lever_applications_opportunity_id"), table_name="lever_applications")
    op.drop_table("lever_applications")
