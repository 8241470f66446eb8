"""Automation: advancement rules with their versions, and the decisions they made.

Revision ID: 0010_automation
Revises: 0009_more_objects
Create Date: 2026-12-10 09:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_automation"
down_revision = "0009_more_objects"
branch_labels = None
depends_on = None


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "automation_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column(
            "definition",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=False,
            comment="The current version's validated definition.",
        ),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f("ck_automation_rules_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_automation_rules_name")),
        comment="One row per advancement rule, at its current version.",
    )
    op.create_table(
        "automation_rule_versions",
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=True),
        _now("created_at"),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rules.id"],
            name=op.f("fk_automation_rule_versions_rule_id_automation_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id", "version", name=op.f("pk_automation_rule_versions")),
        comment="One row per version of a rule: every create, update and disable adds one.",
    )
    op.create_table(
        "automation_decisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Text(), nullable=False),
        sa.Column("stage_id", sa.Text(), nullable=False),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False, comment="Which visit of the stage."),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column(
            "reason", sa.Text(), nullable=True, comment="Why waiting, or why the outcome (ids and numbers only)."
        ),
        sa.Column("dry_run", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "action",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="What was (or in a dry run would be) sent: kind, stage or reason, channel.",
        ),
        sa.Column(
            "checks",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="Each interviewer's scores against the thresholds (ids and numbers only).",
        ),
        sa.Column("outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("slack_channel", sa.Text(), nullable=True),
        sa.Column("slack_ts", sa.Text(), nullable=True),
        sa.Column("slack_status", sa.Text(), server_default="none", nullable=False),
        sa.Column("slack_error", sa.Text(), nullable=True),
        sa.Column("override", sa.Text(), nullable=True),
        sa.Column("override_by", sa.Text(), nullable=True),
        sa.Column("override_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluations", sa.Integer(), server_default="1", nullable=False),
        sa.Column("last_feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "outcome IN ('waiting', 'advance', 'notify', 'archive', 'timeout')",
            name=op.f("ck_automation_decisions_outcome"),
        ),
        sa.CheckConstraint(
            "slack_status IN ('none', 'pending', 'sent', 'failed')", name=op.f("ck_automation_decisions_slack_status")
        ),
        sa.CheckConstraint(
            "override IS NULL OR override IN ('archive', 'keep')", name=op.f("ck_automation_decisions_override")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rules.id"],
            name=op.f("fk_automation_decisions_rule_id_automation_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_decisions")),
        sa.UniqueConstraint(
            "rule_id",
            "rule_version",
            "opportunity_id",
            "stage_id",
            "stage_entered_at",
            name=op.f("uq_automation_decisions_rule_id"),
        ),
        comment="One row per opportunity x rule version x stage visit: waiting, then one final outcome.",
    )
    op.create_index("ix_automation_decisions_outcome", "automation_decisions", ["outcome"])
    op.create_index("ix_automation_decisions_opportunity_id", "automation_decisions", ["opportunity_id"])


def downgrade() -> None:
    op.drop_index("ix_automation_decisions_opportunity_id", table_name="automation_decisions")
    op.drop_index("ix_automation_decisions_outcome", table_name="automation_decisions")
    op.drop_table("automation_decisions")
    op.drop_table("automation_rule_versions")
    op.drop_table("automation_rules")
