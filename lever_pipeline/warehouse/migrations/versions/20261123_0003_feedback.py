"""Feedback templates and fields, feedback forms and typed field values, interviews and
interviewers, notes, resumes, files, offers, and the per-opportunity child sync ledger.

Its own branch (`feedback`) off the core schema; `migrate` runs `upgrade heads`.

Revision ID: 0003_feedback
Revises: 0001_core
Create Date: 2026-11-23 06:37:45.964175
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_feedback"
down_revision = "0001_core"
branch_labels = ("feedback",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_sync_state",
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("opportunity_stamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("items", sa.Integer(), server_default="0", nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("opportunity_id", "kind", name=op.f("pk_child_sync_state")),
        comment=(
            "One row per opportunity x sub-resource kind: the opportunity's greatest(updatedAt, "
            "lastInteractionAt) when its children were last fetched; a moved stamp means re-fetch."
        ),
    )
    op.create_table(
        "feedback_field_values",
        sa.Column("feedback_id", sa.Text(), nullable=False),
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
        sa.PrimaryKeyConstraint("feedback_id", "field_id", name=op.f("pk_feedback_field_values")),
        comment=(
            "One row per feedback form x field, its value parsed into the typed column for its type "
            "(`value` keeps Lever's value as sent; `parse_error` says why a value did not fit its "
            "type)."
        ),
    )
    op.create_index(
        op.f("ix_feedback_field_values_opportunity_id"), "feedback_field_values", ["opportunity_id"], unique=False
    )
    op.create_index("ix_feedback_field_values_type", "feedback_field_values", ["type"], unique=False)
    op.create_table(
        "feedback_template_fields",
        sa.Column("template_id", sa.Text(), nullable=False),
        sa.Column("field_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("known_type", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("required", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("template_id", "field_id", name=op.f("pk_feedback_template_fields")),
        comment="One row per field of a feedback template, in the template's order (`position`).",
    )
    op.create_table(
        "interview_interviewers",
        sa.Column("interview_id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("feedback_template_id", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("interview_id", "user_id", name=op.f("pk_interview_interviewers")),
        comment="One row per interview x interviewer (names and emails live in lever_users).",
    )
    op.create_index(
        op.f("ix_interview_interviewers_opportunity_id"), "interview_interviewers", ["opportunity_id"], unique=False
    )
    op.create_table(
        "lever_feedback",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("template_id", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("interview_id", sa.Text(), nullable=True),
        sa.Column("panel_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_feedback")),
        comment="One row per feedback form; Lever keeps deleted forms visible with `deleted_at` set.",
    )
    op.create_index(op.f("ix_lever_feedback_opportunity_id"), "lever_feedback", ["opportunity_id"], unique=False)
    op.create_index(op.f("ix_lever_feedback_template_id"), "lever_feedback", ["template_id"], unique=False)
    op.create_table(
        "lever_feedback_templates",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("group_id", sa.Text(), nullable=True),
        sa.Column("group_name", sa.Text(), nullable=True),
        sa.Column("stage_id", sa.Text(), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("field_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unknown_field_types", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_feedback_templates")),
        comment=(
            "One row per feedback template; `fetched_at` (when it was last read from Lever) drives the "
            "on-demand cache's TTL; `deleted_at` is set when a full list no longer returns it."
        ),
    )
    op.create_table(
        "lever_files",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("ext", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_sha256", sa.Text(), nullable=True),
        sa.Column("local_path", sa.Text(), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_files")),
        comment="One row per file attached to an opportunity.",
    )
    op.create_index(op.f("ix_lever_files_opportunity_id"), "lever_files", ["opportunity_id"], unique=False)
    op.create_table(
        "lever_interviews",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("panel_id", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("feedback_template_id", sa.Text(), nullable=True),
        sa.Column("feedback_form_ids", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("feedback_reminder", sa.Text(), nullable=True),
        sa.Column("interviewers", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("stage_id", sa.Text(), nullable=True),
        sa.Column("posting_ids", sa.ARRAY(sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_interviews")),
        comment="One row per scheduled interview (an interview belongs to a panel).",
    )
    op.create_index(op.f("ix_lever_interviews_opportunity_id"), "lever_interviews", ["opportunity_id"], unique=False)
    op.create_index(op.f("ix_lever_interviews_panel_id"), "lever_interviews", ["panel_id"], unique=False)
    op.create_table(
        "lever_notes",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("secret", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("field_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_notes")),
        comment="One row per note on an opportunity; the text stays in `raw`.",
    )
    op.create_index(op.f("ix_lever_notes_opportunity_id"), "lever_notes", ["opportunity_id"], unique=False)
    op.create_table(
        "lever_offers",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("creator_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_offers")),
        comment="One row per offer; offer fields (salary, dates) stay in `raw`.",
    )
    op.create_index(op.f("ix_lever_offers_opportunity_id"), "lever_offers", ["opportunity_id"], unique=False)
    op.create_table(
        "lever_resumes",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("file_ext", sa.Text(), nullable=True),
        sa.Column("file_status", sa.Text(), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_sha256", sa.Text(), nullable=True),
        sa.Column("local_path", sa.Text(), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_resumes")),
        comment=(
            "One row per resume (metadata and parsed data in `raw`); `content_sha256` and `local_path` "
            "are set once the file is downloaded (only when LEVER_DOWNLOAD_FILES is on)."
        ),
    )
    op.create_index(op.f("ix_lever_resumes_opportunity_id"), "lever_resumes", ["opportunity_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_lever_resumes_opportunity_id"), table_name="lever_resumes")
    op.drop_table("lever_resumes")
    op.drop_index(op.f("ix_lever_offers_opportunity_id"), table_name="lever_offers")
    op.drop_table("lever_offers")
    op.drop_index(op.f("ix_lever_notes_opportunity_id"), table_name="lever_notes")
    op.drop_table("lever_notes")
    op.drop_index(op.f("ix_lever_interviews_panel_id"), table_name="lever_interviews")
    op.drop_index(op.f("ix_lever_interviews_opportunity_id"), table_name="lever_interviews")
    op.drop_table("lever_interviews")
    op.drop_index(op.f("ix_lever_files_opportunity_id"), table_name="lever_files")
    op.drop_table("lever_files")
    op.drop_table("lever_feedback_templates")
    op.drop_index(op.f("ix_lever_feedback_template_id"), table_name="lever_feedback")
    op.drop_index(op.f("ix_lever_feedback_opportunity_id"), table_name="lever_feedback")
    op.drop_table("lever_feedback")
    op.drop_index(op.f("ix_interview_interviewers_opportunity_id"), table_name="interview_interviewers")
    op.drop_table("interview_interviewers")
    op.drop_table("feedback_template_fields")
    op.drop_index("ix_feedback_field_values_type", table_name="feedback_field_values")
    op.drop_index(op.f("ix_feedback_field_values_opportunity_id"), table_name="feedback_field_values")
    op.drop_table("feedback_field_values")
    op.drop_table("child_sync_state")
