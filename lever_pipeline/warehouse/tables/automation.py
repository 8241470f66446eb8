"""Automation tables: advancement rules (every change a new version) and the decisions they made.

A rule is one `automation_rules` row holding its current version; each version's definition
is kept in `automation_rule_versions`, so a decision always names the exact rule it applied.
A decision is one row per opportunity, rule version and stage visit (the stage and the time
the opportunity entered it): a `waiting` row while feedback is incomplete or the wait runs,
switched once to its final outcome, never again. Actions go through `lever_outbox`; the
decision keeps the outbox item's id and, for notifications, the Slack message it sent.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from lever_pipeline.warehouse.tables.base import metadata, one_of, stamped_now

RULE_STATUSES = ("active", "disabled")
DECISION_OUTCOMES = ("waiting", "advance", "notify", "archive", "timeout")
SLACK_STATUSES = ("none", "pending", "sent", "failed")
OVERRIDES = ("archive", "keep")


automation_rules = Table(
    "automation_rules",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("status", Text, nullable=False, server_default="active"),
    Column("definition", JSONB, nullable=False, comment="The current version's validated definition."),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    CheckConstraint(one_of("status", RULE_STATUSES), name="status"),
    comment="One row per advancement rule, at its current version.",
)

automation_rule_versions = Table(
    "automation_rule_versions",
    metadata,
    Column("rule_id", BigInteger, ForeignKey("automation_rules.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("definition", JSONB, nullable=False),
    Column("changed_by", Text),
    stamped_now("created_at"),
    PrimaryKeyConstraint("rule_id", "version"),
    comment="One row per version of a rule: every create, update and disable adds one.",
)

automation_decisions = Table(
    "automation_decisions",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("rule_id", BigInteger, ForeignKey("automation_rules.id", ondelete="CASCADE"), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("opportunity_id", Text, nullable=False),
    Column("stage_id", Text, nullable=False),
    Column("stage_entered_at", DateTime(timezone=True), nullable=False, comment="Which visit of the stage."),
    Column("outcome", Text, nullable=False),
    Column("reason", Text, comment="Why waiting, or why the outcome (ids and numbers only)."),
    Column("dry_run", Boolean, nullable=False, server_default=text("false")),
    Column("action", JSONB, comment="What was (or in a dry run would be) sent: kind, stage or reason, channel."),
    Column("checks", JSONB, comment="Each interviewer's scores against the thresholds (ids and numbers only)."),
    Column("outbox_id", BigInteger),
    Column("slack_channel", Text),
    Column("slack_ts", Text),
    Column("slack_status", Text, nullable=False, server_default="none"),
    Column("slack_error", Text),
    Column("override", Text),
    Column("override_by", Text),
    Column("override_at", DateTime(timezone=True)),
    Column("evaluations", Integer, nullable=False, server_default="1"),
    Column("last_feedback_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    stamped_now("created_at"),
    stamped_now("updated_at"),
    UniqueConstraint("rule_id", "rule_version", "opportunity_id", "stage_id", "stage_entered_at"),
    CheckConstraint(one_of("outcome", DECISION_OUTCOMES), name="outcome"),
    CheckConstraint(one_of("slack_status", SLACK_STATUSES), name="slack_status"),
    CheckConstraint(f"override IS NULL OR {one_of('override', OVERRIDES)}", name="override"),
    comment="One row per opportunity x rule version x stage visit: waiting, then one final outcome.",
)
Index("ix_automation_decisions_outcome", automation_decisions.c.outcome)
Index("ix_automation_decisions_opportunity_id", automation_decisions.c.opportunity_id)
