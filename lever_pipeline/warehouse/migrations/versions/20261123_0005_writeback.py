"""Write-back: feedback drafts, the Lever outbox, the audit trail and the circuit breaker.

Its own branch (`writeback`) off the core schema; `migrate` runs `upgrade heads`.

Revision ID: 0005_writeback
Revises: 0001_core
Create Date: 2026-11-23 06:51:35.904125
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_writeback"
down_revision = "0001_core"
branch_labels = ("writeback",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_drafts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("template_id", sa.Text(), nullable=False),
        sa.Column(
            "template_updated_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="The template's updatedAt when the draft was made (the version seen).",
        ),
        sa.Column("interviewer_email", sa.Text(), nullable=True),
        sa.Column("interview_id", sa.Text(), nullable=True),
        sa.Column("panel_id", sa.Text(), nullable=True),
        sa.Column(
            "field_values",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default="draft", nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False, comment="Bumped on every edit."),
        sa.Column("lever_feedback_id", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'submitted', 'failed')", name=op.f("ck_feedback_drafts_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_drafts")),
        comment="One row per interview feedback draft awaiting review or submitted to Lever.",
    )
    op.create_index("ix_feedback_drafts_opportunity_id", "feedback_drafts", ["opportunity_id"], unique=False)
    op.create_index("ix_feedback_drafts_status", "feedback_drafts", ["status"], unique=False)
    op.create_table(
        "writeback_audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("draft_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column(
            "request_summary",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="Method, path and ids only: never text or personal data.",
        ),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("run_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_writeback_audit")),
        comment="One row per write-back attempt or decision (sent, dry run, retry, failure, circuit open...).",
    )
    op.create_index("ix_writeback_audit_draft_id", "writeback_audit", ["draft_id"], unique=False)
    op.create_index("ix_writeback_audit_outbox_id", "writeback_audit", ["outbox_id"], unique=False)
    op.create_table(
        "writeback_circuit",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_writeback_circuit")),
        comment="Circuit breaker state per target; open while open_until is in the future.",
    )
    op.create_table(
        "lever_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("draft_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "ambiguous",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
            comment="An earlier attempt may have reached Lever: check Lever before sending again.",
        ),
        sa.Column("claim_token", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lever_result_id", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('feedback', 'note', 'add_tags', 'remove_tags', 'stage_change', 'archive', 'file')",
            name=op.f("ck_lever_outbox_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name=op.f("ck_lever_outbox_status")
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["feedback_drafts.id"],
            name=op.f("fk_lever_outbox_draft_id_feedback_drafts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_lever_outbox_idempotency_key")),
        comment="One row per queued write to Lever, sent at most once per success.",
    )
    op.create_index(
        "ix_lever_outbox_status_next_attempt_at", "lever_outbox", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_lever_outbox_status_next_attempt_at", table_name="lever_outbox")
    op.drop_table("lever_outbox")
    op.drop_table("writeback_circuit")
    op.drop_index("ix_writeback_audit_outbox_id", table_name="writeback_audit")
    op.drop_index("ix_writeback_audit_draft_id", table_name="writeback_audit")
    op.drop_table("writeback_audit")
    op.drop_index("ix_feedback_drafts_status", table_name="feedback_drafts")
    op.drop_index("ix_feedback_drafts_opportunity_id", table_name="feedback_drafts")
    op.drop_table("feedback_drafts")
